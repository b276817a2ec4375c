"""The steps of the workflow's render jobs (render/tier_files.py): each writes its files where
told and logs counts read back independently from what it wrote. The full chain of both tiers
runs in tests/test_workflow.py; here each step runs alone on small or shipped inputs."""

import hashlib
import json

import pandas as pd

from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.render import tier_files
from tahsb_analysis.results.schema import make_results


def released_rows():
    return make_results(
        [{"output": "prevalence_overall", "variable": "v", "level": "yes",
          "statistic": "proportion", "estimate": 0.5, "n": 20, "denominator": 40,
          "unit": "children", "method": "Wilson 95% CI", "disclosure": "released",
          "disclosure_reason": None}],
        cohort="c", synthetic=True, analysis="a",
    )


def test_figure_files_name_each_png_by_its_stem_in_the_order_given():
    files = tier_files.figure_files(["out/figures/b.png", "out/figures/a.png"])
    assert list(files) == ["b", "a"]
    assert str(files["a"]) == "out/figures/a.png"


def test_read_json_reads_the_file_as_a_dict(tmp_path):
    (tmp_path / "x.json").write_text('{"policy": {"k": 1}}', encoding="utf-8")
    assert tier_files.read_json(tmp_path / "x.json") == {"policy": {"k": 1}}


def test_the_replication_files_are_written_and_the_log_counts_the_overall_verdicts(
        tmp_path, synthetic_results):
    replication = evaluate_register(synthetic_results)
    log = tier_files.write_replication_files(replication, tmp_path / "replication.csv")
    assert {p.name for p in tmp_path.iterdir()} == {
        "replication.csv", "replication.md", "replication.html"}
    written = pd.read_csv(tmp_path / "replication.csv")
    counts = written[written["part"] == 0]["verdict"].value_counts()
    assert sorted(log) == sorted(f"replication {v}: {n}" for v, n in counts.items())


def test_the_plan_is_written_and_the_log_counts_the_overall_statuses(tmp_path, synthetic_results):
    log = tier_files.write_plan(synthetic_results, tmp_path / "plan.csv")
    written = pd.read_csv(tmp_path / "plan.csv")
    counts = written[written["part"] == 0]["status"].value_counts()
    assert sum(int(line.rsplit(": ", 1)[1]) for line in log) == int(counts.sum()) > 0
    assert sorted(log) == sorted(f"plan {s}: {n}" for s, n in counts.items())


def test_the_manifest_lists_each_file_with_its_sha256_in_json_and_markdown(tmp_path):
    files = [tmp_path / "notes.txt", tmp_path / "disclosure.json"]
    files[0].write_bytes(b"some text\n")
    files[1].write_text("{}", encoding="utf-8")
    disclosure = {
        "cohort": "c", "synthetic": True,
        "policy": {"version": "1.0", "source": "p.yaml", "threshold": 10,
                   "zeros_disclosive": True, "check_complements": True, "rounding_base": None,
                   "secondary_suppression": True},
        "summary": {"rows": 1, "rows_released": 1, "rows_suppressed": 0},
        "suppressed_cells": [],
    }
    log = tier_files.write_release_manifest(released_rows(), files, disclosure, {},
                                            tmp_path / "manifest.json", tmp_path / "manifest.md")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    digests = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert digests == {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert "notes.txt" in (tmp_path / "manifest.md").read_text(encoding="utf-8")
    assert log[0].startswith("manifest of 2 files")
