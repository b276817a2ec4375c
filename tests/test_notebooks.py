"""The walkthrough notebooks: each runs top to bottom on a results directory built here without
Snakemake (release tier, and internal tier), shows what it promises, and is committed with no
outputs; none reads individual-level data."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tahsb_analysis.analyses.run import run_analyses
from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.input.validation import validate_cohort
from tahsb_analysis.release.disclosure import apply_disclosure_control
from tahsb_analysis.release.policy import load_policy
from tahsb_analysis.render.replication_table import render_replication, write_replication
from tahsb_analysis.render.tables import SYNTHETIC_BANNER

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
EXPLORE = "01_explore_results.ipynb"
REPLICATION = "02_replication_and_figure.ipynb"
NOTEBOOK_NAMES = (EXPLORE, REPLICATION)
KERNEL = "python3"
TIMEOUT_S = 300
COHORT = "synthetic-ttp-2015"
# Strings no notebook may contain: they would reach individual-level data (the validated
# cohort) rather than the aggregated results table.
INDIVIDUAL_LEVEL_MARKERS = ("validated/", "read_cohort", "validate_cohort", "data/synthetic")
# Names jupyter_client replaces with the interpreter running the tests (format_kernel_cmd).
INTERPRETER_ALIASES = {"python", f"python{sys.version_info[0]}",
                       "python{}.{}".format(*sys.version_info[:2])}


# --- a results directory, built as the workflow builds it -----------------------------------


@pytest.fixture(scope="module")
def results_root(tmp_path_factory) -> Path:
    """results/{internal,release}/<cohort>/ with results_table.parquet and replication.csv:
    every analysis on the shipped synthetic cohort, then the disclosure gate."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    inputs = config["cohorts"][COHORT]
    cohort = validate_cohort({table: REPO / inputs[table]
                              for table in ("cases", "case_file", "behaviours")})
    internal = run_analyses(cohort, config)
    release = apply_disclosure_control(
        internal, load_policy(REPO / config["disclosure_policy"])
    ).release

    root = tmp_path_factory.mktemp("results")
    for tier, table in (("internal", internal), ("release", release)):
        directory = root / tier / COHORT
        directory.mkdir(parents=True)
        table.to_parquet(directory / "results_table.parquet", index=False)
        if tier == "release":  # the internal directory has none: the no-file branch runs too
            evaluation = evaluate_register(table)
            write_replication(evaluation, render_replication(evaluation),
                              directory / "replication")
    return root


# --- running a notebook -----------------------------------------------------------------------


def read_notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def execute(name: str, results_dir: Path, monkeypatch) -> nbformat.NotebookNode:
    """Run the notebook in notebooks/ with TAHSB_RESULTS_DIR set; fail on the first error."""
    monkeypatch.setenv("TAHSB_RESULTS_DIR", str(results_dir))
    notebook = read_notebook(name)
    client = NotebookClient(notebook, timeout=TIMEOUT_S, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{name} failed on {results_dir}:\n{error}")
    return notebook


def output_text(notebook: nbformat.NotebookNode) -> str:
    """Everything the notebook showed as text: streams and text/plain or text/markdown data."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif output.output_type == "error":
                parts.append(f"{output.ename}: {output.evalue}")
            else:
                data = output.get("data", {})
                parts.append(data.get("text/markdown", data.get("text/plain", "")))
    return "\n".join(parts)


def output_types(notebook: nbformat.NotebookNode) -> set[str]:
    return {mime for cell in notebook.cells for output in cell.get("outputs", [])
            for mime in output.get("data", {})}


# --- the kernel -------------------------------------------------------------------------------


def test_python3_kernel_runs_the_interpreter_that_has_the_package():
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        pytest.fail(f"no Jupyter kernel named {KERNEL!r}; install one into this environment "
                    f"with: {sys.executable} -m ipykernel install --sys-prefix")
    launcher = spec.argv[0]
    same = launcher in INTERPRETER_ALIASES or Path(launcher).resolve() == Path(
        sys.executable).resolve()
    assert same, (
        f"kernel {KERNEL!r} ({spec.resource_dir}) starts {launcher}, not {sys.executable}, so "
        f"it may not import tahsb_analysis; reinstall it with: "
        f"{sys.executable} -m ipykernel install --sys-prefix"
    )


# --- notebook 01: exploring the results table -------------------------------------------------


def test_explore_notebook_runs_on_the_release_tier_and_shows_suppression(results_root,
                                                                         monkeypatch):
    release = pd.read_parquet(results_root / "release" / COHORT / "results_table.parquet")
    suppressed = int(release["disclosure"].eq("suppressed").sum())
    assert suppressed > 0  # otherwise the suppression step would show nothing

    text = output_text(execute(EXPLORE, results_root / "release" / COHORT, monkeypatch))
    assert SYNTHETIC_BANNER in text
    assert "release tier" in text
    assert f"{suppressed} of {len(release)} rows suppressed" in text
    assert "suppressed under the disclosure policy" in text  # a disclosure_reason
    assert "95% CI" in text and "Wilson 95% CI" in text  # each number with its method
    assert "| HSB group |" in text  # the rendered Markdown table


def test_explore_notebook_runs_on_the_internal_tier(results_root, monkeypatch):
    notebook = execute(EXPLORE, results_root / "internal" / COHORT, monkeypatch)
    text = output_text(notebook)
    assert SYNTHETIC_BANNER in text
    assert "internal tier" in text
    assert "no row has been through the disclosure gate" in text
    assert "text/markdown" in output_types(notebook)


# --- notebook 02: replication and a figure ---------------------------------------------------


def test_replication_notebook_rebuilds_the_verdicts_written_next_to_the_results(
    results_root, monkeypatch
):
    directory = results_root / "release" / COHORT
    saved = pd.read_csv(directory / "replication.csv")
    overall = saved[saved["part"] == 0]["verdict"].value_counts()

    notebook = execute(REPLICATION, directory, monkeypatch)
    text = output_text(notebook)
    assert f"Verdict counts over {len(saved[saved['part'] == 0])} findings:" in text
    for verdict, count in overall.items():
        assert f"  {verdict}: {count}" in text
    assert f"Rebuilt verdicts match replication.csv ({len(saved)} rows)." in text
    assert "| Finding | Published |" in text
    assert "Caption: SYNTHETIC DATA" in text and "Alt text: SYNTHETIC DATA" in text
    assert "image/png" in output_types(notebook)


def test_replication_notebook_says_when_there_is_no_replication_file(results_root,
                                                                     monkeypatch):
    directory = results_root / "internal" / COHORT
    text = output_text(execute(REPLICATION, directory, monkeypatch))
    assert "Verdict counts over" in text
    assert f"No replication.csv in {directory}: nothing to compare." in text


def test_replication_notebook_fails_when_the_saved_verdicts_differ(results_root, tmp_path,
                                                                   monkeypatch):
    source = results_root / "release" / COHORT
    directory = tmp_path / COHORT
    directory.mkdir()
    (directory / "results_table.parquet").write_bytes(
        (source / "results_table.parquet").read_bytes())
    saved = pd.read_csv(source / "replication.csv", dtype=str, keep_default_na=False)
    saved.loc[0, "verdict"] = "inconsistent" if saved.loc[0, "verdict"] != "inconsistent" \
        else "consistent"
    saved.to_csv(directory / "replication.csv", index=False)

    monkeypatch.setenv("TAHSB_RESULTS_DIR", str(directory))
    client = NotebookClient(read_notebook(REPLICATION), timeout=TIMEOUT_S, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    with pytest.raises(CellExecutionError, match="rebuilt verdicts differ from replication.csv"):
        client.execute()


# --- the notebooks as committed ---------------------------------------------------------------


def test_notebooks_folder_holds_exactly_the_walkthroughs():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NOTEBOOK_NAMES)


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_committed_notebook_is_valid_and_has_no_outputs_or_run_timestamps(name):
    notebook = read_notebook(name)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == KERNEL
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    with_outputs = [i for i, cell in enumerate(notebook.cells)
                    if cell.cell_type == "code" and cell.outputs]
    counted = [i for i, cell in enumerate(notebook.cells)
               if cell.cell_type == "code" and cell.execution_count is not None]
    timed = [i for i, cell in enumerate(notebook.cells) if "execution" in cell.metadata]
    assert not with_outputs, f"{name}: clear the outputs of cells {with_outputs}"
    assert not counted, f"{name}: clear the execution counts of cells {counted}"
    assert not timed, f"{name}: clear the run timestamps (metadata.execution) of cells {timed}"


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_reads_aggregated_results_only(name):
    notebook = read_notebook(name)
    source = "\n".join(cell.source for cell in notebook.cells)
    found = [marker for marker in INDIVIDUAL_LEVEL_MARKERS if marker in source]
    assert not found, f"{name} mentions {found}: notebooks read the results table only"
    parameters = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1
    assert 'os.environ.get("TAHSB_RESULTS_DIR", "../results/release/synthetic-ttp-2015")' in (
        parameters[0].source)
