"""The `tahsb` command: validate, synthesize, codebook, and its behaviour on bad input."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tahsb_analysis.cli import EXIT_INVALID_INPUT, main
from tahsb_analysis.input.codebook import TABLE_NAMES, load_codebook, render_markdown
from tahsb_analysis.input.cohort import read_cohort

REPO = Path(__file__).resolve().parents[1]
SYNTHETIC = REPO / "data" / "synthetic"
FILES = [f"{table}.csv" for table in TABLE_NAMES]


def _copy_synthetic(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(SYNTHETIC / name, directory / name)
    return directory


def test_validate_accepts_the_embedded_synthetic_cohort_and_writes_typed_tables(tmp_path, capsys):
    status = main(["validate", "--input-dir", str(SYNTHETIC), "--output", str(tmp_path / "out")])
    assert status == 0
    assert "(SYNTHETIC)" in capsys.readouterr().out
    cohort = read_cohort(tmp_path / "out")
    assert cohort.synthetic is True
    assert len(cohort.cases) == pd.read_csv(SYNTHETIC / "cases.csv").shape[0]


def test_validate_on_bad_input_exits_1_names_the_problem_and_writes_nothing(tmp_path, capsys):
    data = _copy_synthetic(tmp_path / "in")
    cases = pd.read_csv(data / "cases.csv", dtype=str, keep_default_na=False)
    cases.loc[2, "sex"] = "boy"  # row 4 of the file as the user sees it (header is row 1)
    cases.to_csv(data / "cases.csv", index=False)
    out = tmp_path / "out"
    status = main(
        [
            "validate",
            "--input-dir",
            str(data),
            "--output",
            str(out),
            "--problems-csv",
            str(tmp_path / "problems.csv"),
        ]
    )
    assert status == EXIT_INVALID_INPUT
    err = capsys.readouterr().err
    assert "nothing was written" in err and "sex" in err
    assert "boy" not in err  # values are never echoed
    assert not out.exists()
    problems = pd.read_csv(tmp_path / "problems.csv")
    row = problems[problems["column"] == "sex"].iloc[0]
    assert (row["file"], int(row["row"])) == ("cases.csv", 4)


def test_validate_without_files_is_a_usage_error(capsys):
    assert main(["validate"]) == 2
    assert "--input-dir" in capsys.readouterr().err


def test_synthesize_reproduces_the_committed_cohort_byte_for_byte(tmp_path):
    assert main(["synthesize", "--seed", "20170", "--output", str(tmp_path)]) == 0
    for name in [*FILES, "PARAMETERS.md"]:
        assert (tmp_path / name).read_bytes() == (SYNTHETIC / name).read_bytes(), name


def test_codebook_command_writes_the_rendered_page(tmp_path):
    target = tmp_path / "codebook.md"
    assert main(["codebook", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_markdown(load_codebook())


def test_console_script_reports_bad_input_without_a_traceback(tmp_path):
    data = _copy_synthetic(tmp_path / "in")
    (data / "behaviours.csv").write_text("case_id,behaviour_seq\n", encoding="utf-8")
    tahsb = Path(sys.executable).with_name("tahsb")
    result = subprocess.run(
        [str(tahsb), "validate", "--input-dir", str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == EXIT_INVALID_INPUT
    assert "Traceback" not in result.stderr
    assert "behaviours.csv" in result.stderr


def test_validate_takes_a_second_coder_and_names_its_file_in_problems(tmp_path, capsys):
    second = SYNTHETIC / "case_file_coder_b.csv"
    status = main(["validate", "--input-dir", str(SYNTHETIC), "--double-coding", f"B={second}",
                   "--output", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().err
    cohort = read_cohort(tmp_path / "out")
    # 18 case files double-coded (data/synthetic/README.md): coder B's rows are kept.
    assert (cohort.codings["coder"] == "B").sum() == 18
    # A code the codebook does not allow in coder B's file: exit 1, the file, row and column
    # named, the value not shown.
    bad = pd.read_csv(second, dtype=str, keep_default_na=False)
    bad.loc[0, "looked_after"] = "sometimes"
    bad.to_csv(tmp_path / "coder_b.csv", index=False)
    status = main(["validate", "--input-dir", str(SYNTHETIC), "--double-coding",
                   f"B={tmp_path / 'coder_b.csv'}"])
    err = capsys.readouterr().err
    assert status == EXIT_INVALID_INPUT
    assert "coder_b.csv" in err and "looked_after" in err and "sometimes" not in err


def test_validate_refuses_a_second_coder_without_a_label(capsys):
    status = main(["validate", "--input-dir", str(SYNTHETIC), "--double-coding", "file.csv"])
    assert status == 2
    assert "CODER=FILE" in capsys.readouterr().err
