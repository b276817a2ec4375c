"""The release manifest: every released file, its status and checksum; cells by name only."""

import hashlib

import pandas as pd
import pytest

from tahsb_analysis.release.manifest import (
    FAIL,
    PASS,
    REVIEW,
    build_manifest,
    manifest_markdown,
    output_status,
)
from tahsb_analysis.results.schema import make_results

COMMON = {"cohort": "c", "synthetic": True, "analysis": "a"}


def rows(*states):
    """One proportion row per (output, disclosure, reason)."""
    return make_results(
        [
            {"output": output, "variable": "v", "level": "yes", "statistic": "proportion",
             "estimate": 0.5, "n": 20, "denominator": 40, "unit": "children",
             "method": "Wilson 95% CI", "disclosure": state, "disclosure_reason": reason}
            for output, state, reason in states
        ],
        **COMMON,
    )


def test_a_released_figure_takes_the_status_of_the_output_the_registry_draws_it_from(tmp_path):
    (tmp_path / "figures").mkdir()
    figures = [tmp_path / "figures" / name for name in ("prevalence.png", "ta_hsb_types.png")]
    for figure in figures:
        figure.write_bytes(b"png")
    # The registry draws "prevalence" from "prevalence_overall", "ta_hsb_types" from its own.
    release = rows(("prevalence_overall", "suppressed", "x"), ("ta_hsb_types", "released", None))
    disclosure = {"cohort": "c", "synthetic": True, "policy": {}, "summary": {},
                  "suppressed_cells": []}
    manifest = build_manifest(tmp_path, figures, release, disclosure, {})
    status = {entry["path"]: entry["status"] for entry in manifest["files"]}
    assert status == {"figures/prevalence.png": REVIEW, "figures/ta_hsb_types.png": PASS}


def test_a_figure_takes_the_status_of_the_output_the_registry_draws_it_from(tmp_path):
    # forms_per_child is drawn from ta_hsb_forms_per_child (data/outputs.yaml), prevalence from
    # prevalence_overall: the file names alone do not say so.
    (tmp_path / "figures").mkdir()
    files = [tmp_path / "figures" / f"{name}.png" for name in ("forms_per_child", "prevalence")]
    for path in files:
        path.write_bytes(b"png")
    release = rows(("ta_hsb_forms_per_child", "suppressed", "count below 10"),
                   ("prevalence_overall", "released", None))
    disclosure = {"cohort": "c", "synthetic": True, "policy": {}, "summary": {},
                  "suppressed_cells": []}
    manifest = build_manifest(tmp_path, files, release, disclosure, {})
    by_path = {entry["path"]: entry for entry in manifest["files"]}
    assert by_path["figures/forms_per_child.png"]["status"] == REVIEW
    assert by_path["figures/forms_per_child.png"]["reasons"] == ["1 of 1 rows suppressed"]
    assert by_path["figures/prevalence.png"]["status"] == PASS


def test_a_file_passes_when_nothing_was_hidden_and_needs_review_when_something_was():
    release = rows(("a", "released", None), ("b", "released", None), ("b", "suppressed", "x"))
    assert output_status(release, ("a",)) == (PASS, [])
    status, reasons = output_status(release, ("b",))
    assert status == REVIEW and reasons == ["1 of 2 rows suppressed"]
    # the whole-table files (results table, report) review if anything was hidden anywhere
    assert output_status(release, None)[0] == REVIEW


def test_an_output_outside_the_policy_fails():
    release = rows(("z", "suppressed", "output not covered by the disclosure policy"))
    assert output_status(release, ("z",)) == (FAIL, ["output not covered by the disclosure policy"])


def test_rounded_counts_send_a_file_to_review():
    release = rows(("a", "released", "counts rounded to base 5; shares and CIs from the rounded"
                                    " counts"))
    status, reasons = output_status(release, ("a",))
    assert status == REVIEW and reasons[0].startswith("counts rounded to base 5")


def test_the_manifest_lists_files_with_their_checksums_and_cells_without_values(tmp_path):
    (tmp_path / "tables").mkdir()
    table = tmp_path / "tables" / "a.csv"
    table.write_bytes(b"x,y\n1,2\n")
    summary = tmp_path / "disclosure.json"
    summary.write_text("{}\n")
    release = rows(("a", "released", None))
    disclosure = {
        "cohort": "c", "synthetic": True,
        "policy": {"version": "1.0", "source": "p.yaml", "threshold": 10,
                   "zeros_disclosive": True, "check_complements": True, "rounding_base": None,
                   "secondary_suppression": True},
        "summary": {"rows": 1, "rows_released": 1, "rows_suppressed": 0},
        "suppressed_cells": [{"output": "b", "variable": "v", "level": "yes",
                              "group_variable": None, "group": None,
                              "statistic": "proportion", "reason": "r"}],
    }
    manifest = build_manifest(tmp_path, [table, summary], release, disclosure,
                              {"figures/dual_timelines": "individual-level"})
    by_path = {entry["path"]: entry for entry in manifest["files"]}
    assert set(by_path) == {"tables/a.csv", "disclosure.json"}
    # sha256 of the 8 bytes "x,y\n1,2\n", computed independently with hashlib
    assert by_path["tables/a.csv"]["sha256"] == hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    assert by_path["tables/a.csv"]["bytes"] == 8
    assert manifest["summary"]["files_pass"] == 2
    assert manifest["not_released"] == [
        {"path": "figures/dual_timelines", "status": FAIL, "reason": "individual-level"}
    ]
    page = manifest_markdown(manifest)
    assert "SYNTHETIC DATA" in page and "| b | v | yes |  |  | proportion | r |" in page


@pytest.mark.parametrize("missing", ["cohort", "policy", "summary", "suppressed_cells"])
def test_a_disclosure_summary_without_a_required_part_is_refused(tmp_path, missing):
    disclosure = {"cohort": "c", "synthetic": True, "policy": {}, "summary": {},
                  "suppressed_cells": []}
    del disclosure[missing]
    with pytest.raises(KeyError):
        build_manifest(tmp_path, [], pd.DataFrame(), disclosure, {})


def test_release_files_are_the_files_given_and_every_file_of_each_figure():
    from tahsb_analysis.release.manifest import release_files

    files = release_files(["out/table.csv"], ["out/figures/forest.png"])
    assert [f.as_posix() for f in files] == [
        "out/table.csv", "out/figures/forest.png", "out/figures/forest.screen.png",
        "out/figures/forest.svg", "out/figures/forest.pdf", "out/figures/forest.alt.txt",
        "out/figures/forest.caption.txt"]


def test_the_tables_workbook_takes_the_status_of_every_table_it_holds(tmp_path):
    (tmp_path / "tables").mkdir()
    workbook = tmp_path / "tables" / "tables.xlsx"
    workbook.write_bytes(b"xlsx")
    disclosure = {"cohort": "c", "synthetic": True, "policy": {}, "summary": {},
                  "suppressed_cells": []}
    clean = rows(("prevalence_overall", "released", None), ("ta_hsb_types", "released", None))
    hidden = rows(("prevalence_overall", "released", None), ("ta_hsb_types", "suppressed", "x"))
    tables = ("prevalence_overall", "ta_hsb_types")

    def status(release):
        manifest = build_manifest(tmp_path, [workbook], release, disclosure, {},
                                  table_outputs=tables)
        return manifest["files"][0]["status"], manifest["files"][0]["reasons"]

    assert status(clean) == (PASS, [])
    assert status(hidden) == (REVIEW, ["1 of 2 rows suppressed"])
