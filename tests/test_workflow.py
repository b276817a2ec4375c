"""End-to-end runs of the Snakemake workflow in a temporary copy of the project."""

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import copy_project, run_snakemake

from tahsb_analysis.render.rendered_table import SYNTHETIC_BANNER

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow




def _one_cohort(workdir: Path) -> Path:
    """Keep only the calibrated cohort and no comparison: for tests about one cohort's files,
    so that they do not pay for the second cohort and the comparison."""
    path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["cohorts"] = {"synthetic-ttp-2015": config["cohorts"]["synthetic-ttp-2015"]}
    config["comparison"] = {"reference": "synthetic-ttp-2015", "published_cohorts": []}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return workdir


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args)


def test_workflow_runs_end_to_end_on_the_synthetic_cohort(finished_run):
    validated = finished_run / INTERNAL / "validated"
    meta = json.loads((validated / "cohort.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True
    cases = pd.read_parquet(validated / "cases.parquet")
    assert len(cases) == meta["rows"]["cases"] == 275


INTERNAL = Path("results") / "internal" / "synthetic-ttp-2015"
RELEASE = Path("results") / "release" / "synthetic-ttp-2015"
TABLES = ["prevalence_overall", "prevalence_by_sex", "ta_hsb_types", "dual_subgroups"]
FIGURES = ["prevalence", "ta_hsb_types", "forms_per_child"]


@pytest.mark.parametrize(
    ("tier", "banner"),
    [(INTERNAL, "**INTERNAL: not checked for release**"),
     (RELEASE, "**Release candidate: disclosure control applied, not yet checked by an output "
               "checker**")],
)
def test_both_tiers_have_the_results_table_tables_and_figures_each_saying_its_tier(
    finished_run, tier, banner
):
    results = pd.read_csv(finished_run / tier / "results_table.csv")
    assert {"prevalence", "ta_hsb_range"} <= set(results["analysis"])
    for table in TABLES:
        for suffix in ("csv", "md", "html", "tex", "docx"):
            assert (finished_run / tier / "tables" / f"{table}.{suffix}").is_file()
        markdown = (finished_run / tier / "tables" / f"{table}.md").read_text()
        assert markdown.startswith(banner + "\n\n**SYNTHETIC DATA")
        latex = (finished_run / tier / "tables" / f"{table}.tex").read_text()
        assert banner.strip("*") in latex and r"\toprule" in latex
        document = docx.Document(finished_run / tier / "tables" / f"{table}.docx")
        assert [p.text for p in document.paragraphs[:2]] == [banner.strip("*"), SYNTHETIC_BANNER]
    # the workbook: a contents sheet, then every table of the tier in the registry's order
    from tahsb_analysis.registry import load_registry

    workbook = openpyxl.load_workbook(finished_run / tier / "tables" / "tables.xlsx")
    outputs = load_registry().table_outputs("release" if tier == RELEASE else "internal")
    assert len(workbook.sheetnames) == len(outputs) + 1
    assert workbook.sheetnames[:2] == ["Contents", outputs[0]]
    markdown = (finished_run / tier / "tables" / f"{outputs[0]}.md").read_text()
    assert " | ".join(c.value for c in workbook[outputs[0]][1]) in markdown
    for figure in FIGURES:
        for suffix in ("png", "svg", "pdf", "alt.txt"):
            assert (finished_run / tier / "figures" / f"{figure}.{suffix}").is_file()
    page = (finished_run / tier / "report.html").read_text(encoding="utf-8")
    assert banner.strip("*") in page and "SYNTHETIC DATA" in page
    # honest status: nothing in either tier claims to have been checked for release
    assert "Checked for release" not in page and "#009e73" not in page


def test_the_release_manifest_and_page_say_what_the_checker_must_look_at_and_what_it_says(
        finished_run):
    import json

    disclosure = json.loads((finished_run / RELEASE / "disclosure.json").read_text())
    manifest = json.loads((finished_run / RELEASE / "manifest.json").read_text())
    assert manifest["checker_actions"] == disclosure["checker_actions"] != []
    utility = manifest["utility"]
    assert utility["preset"] == "threshold-10"
    assert {row["preset"] for row in utility["other_presets"]} == {
        "nhs-suppress-1-7-round-5", "controlled-rounding-5"}
    assert utility["count_cells_primary"] + utility["count_cells_secondary"] == (
        utility["count_cells"] - utility["count_cells_released"])
    markdown = (finished_run / RELEASE / "manifest.md").read_text()
    assert "release candidate, not yet checked" in markdown
    assert "What this release says (utility report)" in markdown
    page = (finished_run / RELEASE / "report.html").read_text(encoding="utf-8")
    assert 'id="release-utility"' in page and 'id="reportable-findings"' in page
    assert "an output checker must" in page


def test_internal_results_are_not_checked_and_release_results_are(finished_run):
    internal = pd.read_csv(finished_run / INTERNAL / "results_table.csv")
    release = pd.read_csv(finished_run / RELEASE / "results_table.csv")
    assert set(internal["disclosure"]) == {"not checked"}
    assert set(release["disclosure"]) == {"released", "suppressed"}
    # the internal rows (less the internal-only outputs, which never reach the release), then
    # the rows of categories merged before suppression
    from tahsb_analysis.release.disclosure import internal_only_outputs

    internal = internal[~internal["output"].isin(internal_only_outputs())]
    assert len(release) >= len(internal)
    added = release.iloc[len(internal):]
    assert added["method"].str.contains("categories merged before disclosure control").all()
    # Threshold 10 (config/disclosure_policy.yaml): no released count of children below it,
    # except counts of unrecorded values and zeros in empty groups (the policy's exemptions).
    counts = release[release["statistic"].isin(["proportion", "count"])
                     & release["disclosure"].eq("released")]
    small = counts[(counts["n"] < 10) & (counts["n"] > 0)]
    assert small["level"].str.startswith("missing: ").all(), small


def test_individual_level_outputs_never_reach_the_release_tier(finished_run):
    assert (finished_run / INTERNAL / "figures" / "dual_timelines.png").is_file()
    released = [p.relative_to(finished_run / RELEASE).as_posix()
                for p in (finished_run / RELEASE).rglob("*") if p.is_file()]
    assert not [name for name in released if "dual_timelines" in name or "validated" in name]
    page = (finished_run / RELEASE / "report.html").read_text(encoding="utf-8")
    assert "dual_timelines" not in page and "INTERNAL USE ONLY" not in page


def test_the_plan_for_a_next_cohort_is_on_the_internal_page_only(finished_run):
    plan = pd.read_csv(finished_run / INTERNAL / "plan.csv")
    internal = (finished_run / INTERNAL / "report.html").read_text(encoding="utf-8")
    assert 'id="plan-table"' in internal
    assert internal.count('<details id="plan-') == plan["finding"].nunique()
    release = (finished_run / RELEASE / "report.html").read_text(encoding="utf-8")
    assert 'id="plan-table"' not in release and "tahsb plan" in release
    assert "plan.csv" not in [p.name for p in (finished_run / RELEASE).rglob("*")]


def test_the_manifest_lists_every_released_file_with_its_checksum(finished_run):
    manifest = json.loads((finished_run / RELEASE / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {
        p.relative_to(finished_run / RELEASE).as_posix()
        for p in (finished_run / RELEASE).rglob("*")
        if p.is_file() and p.name not in {"manifest.json", "manifest.md", "results_table.parquet"}
    }
    assert set(listed) == on_disk
    for path, entry in listed.items():
        digest = hashlib.sha256((finished_run / RELEASE / path).read_bytes()).hexdigest()
        assert entry["sha256"] == digest, path
        assert entry["status"] in {"pass", "review", "fail"}
    assert manifest["suppressed_cells"], "threshold 10 on the synthetic cohort hides cells"
    assert all(cell["reason"] for cell in manifest["suppressed_cells"])
    assert "figures/dual_timelines" in {entry["path"] for entry in manifest["not_released"]}


def test_two_fresh_runs_give_byte_identical_tiers(finished_run, recovered_run):
    # The second run is `recovered_run`: another copy of the project, run by other processes
    # (killed once, then rerun), so every file it shares with the first was written afresh.
    second = recovered_run[0]
    produced = sorted(
        p.relative_to(finished_run)
        for tier in (INTERNAL, RELEASE)
        for p in (finished_run / tier).rglob("*")
        if p.is_file() and p.suffix != ".parquet"
    )
    assert len(produced) > 150
    for relative in produced:
        assert (finished_run / relative).read_bytes() == (second / relative).read_bytes(), relative


@pytest.mark.parametrize("tier", [INTERNAL, RELEASE])
def test_each_tier_has_a_draft_results_document_with_its_tables_figures_and_references(
        finished_run, tier):
    import re

    import docx

    from tahsb_analysis.registry import load_registry

    name = tier.parts[1]
    registry = load_registry()
    document = docx.Document(str(finished_run / tier / "draft_results.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = {int(n) for n in re.findall(r"^Table (\d+)\. ", text, flags=re.MULTILINE)}
    assert tables == set(range(1, len(registry.table_outputs(name)) + 1))
    figures = registry.figure_names(name, drawn_from=None)
    assert len(document.inline_shapes) == len(figures)
    assert document.paragraphs[0].text.startswith("SYNTHETIC: Draft results")
    bib = (finished_run / tier / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{(\w+),", bib, flags=re.MULTILINE)
    assert keys == re.findall(r"^\[(\w+)\] ", text, flags=re.MULTILINE)
    assert {"hollis2017", "wilson1927", "holm1979", "firth1993"} <= set(keys)
    if tier == RELEASE:
        assert "preset threshold-10" in text and "dual_timelines" not in text
        assert "INTERNAL USE ONLY" not in text
    else:
        assert "no disclosure control has been applied" in text


def test_snakemake_report_is_built_from_the_release_tier_only(finished_run):
    result = _snakemake(finished_run, "--report", "report.zip")
    assert result.returncode == 0, result.stderr[-2000:]

    def digests(tier):
        return {hashlib.sha256(p.read_bytes()).hexdigest()
                for p in (finished_run / tier).rglob("*") if p.is_file()}

    release, internal = digests(Path("results/release")), digests(Path("results/internal"))
    with zipfile.ZipFile(finished_run / "report.zip") as bundle:
        bundled = {name: hashlib.sha256(bundle.read(name)).hexdigest()
                   for name in bundle.namelist() if "/data/raw/" in name}
    # Per cohort: every release table and figure of the registry (20 and 8 today), results
    # table, replication, study report, draft results, manifest, tables workbook; the
    # comparison: its table,
    # one forest plot per report section and its page.
    from tahsb_analysis.registry import load_registry

    registry = load_registry()
    per_cohort = len(registry.table_outputs("release")) + len(registry.figures("release")) + 6
    comparison = 1 + len(registry.sections) + 1
    assert len(bundled) == 2 * per_cohort + comparison, sorted(bundled)
    assert set(bundled.values()) <= release
    assert not set(bundled.values()) & internal
    assert not [name for name in bundled if "dual_timelines" in name]


def test_the_codebook_is_an_input_of_validation_so_changing_it_reruns_everything(finished_run):
    # Snakemake's own record of each output's inputs: the validated tables depend on the
    # codebook file, and every result depends on the validated tables.
    from tahsb_analysis.input.codebook import default_codebook_path

    result = _snakemake(finished_run, "--detailed-summary")
    assert result.returncode == 0, result.stderr[-2000:]
    validated = [line for line in result.stdout.splitlines()
                 if "validated/cases.parquet\t" in line]
    assert validated and str(default_codebook_path()) in validated[0]


def test_double_coding_gives_a_released_reliability_table_and_an_internal_disagreement_list(
        finished_run):
    # The shipped second coding: 18 of the 91 in-depth case files recoded, 2 of them differing
    # in every coded field (synthetic/double_coding.py), so each field's agreement is 16/18.
    release = pd.read_csv(finished_run / RELEASE / "results_table.csv")
    reliability = release[release["output"].eq("coding_reliability")]
    agreement = reliability[reliability["statistic"].eq("percent_agreement")]
    assert len(agreement) > 10
    assert set(agreement["n"]) == {18} and set(agreement["denominator"]) == {18}
    assert agreement["estimate"].to_numpy() == pytest.approx([16 / 18] * len(agreement))
    assert (finished_run / RELEASE / "tables" / "coding_reliability.md").exists()
    assert (finished_run / RELEASE / "figures" / "coding_reliability.png").exists()
    disagreements = pd.read_csv(finished_run / INTERNAL / "coding_disagreements.csv")
    assert list(disagreements.columns[:2]) == ["case_id", "field"]
    assert len(disagreements) == 2 * len(agreement)  # two case files per field
    assert not list((finished_run / "results" / "release").rglob("coding_disagreements*"))


def test_second_run_has_nothing_to_do(finished_run):
    result = _snakemake(finished_run, "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_workflow_on_bad_input_fails_and_leaves_no_results(tmp_path):
    workdir = _one_cohort(copy_project(tmp_path))
    behaviours = workdir / "data" / "synthetic" / "behaviours.csv"
    frame = pd.read_csv(behaviours, dtype=str, keep_default_na=False)
    frame.loc[0, "behaviour_type"] = "not-a-type"
    frame.to_csv(behaviours, index=False)
    result = _snakemake(workdir)
    assert result.returncode != 0
    assert "behaviour_type" in result.stdout + result.stderr
    assert not list((workdir / "results").rglob("*.parquet"))


def test_cohort_whose_file_has_no_header_row_fails_at_validation_showing_no_cell(tmp_path):
    """The first child's row taken for the header: refused as a missing header, and no cell of
    it in logs/ or on the terminal (issue #12). Only the validation rule is run."""
    workdir = _one_cohort(copy_project(tmp_path))
    cases = workdir / "data" / "synthetic" / "cases.csv"
    lines = cases.read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines[1].rstrip("\n").split(",")
    first[0] = CANARY_ID  # a case id that is nowhere else
    cases.write_text(",".join(first) + "\n" + "".join(lines[2:]), encoding="utf-8")
    result = _snakemake(workdir, str(INTERNAL / "validated" / "cohort.json"))
    terminal = result.stdout + result.stderr
    assert result.returncode != 0
    assert "the header row looks like data" in terminal  # the table wraps the rest
    logs = [p for p in (workdir / "logs").rglob("*") if p.is_file()]
    assert logs
    logged = "".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)
    assert "the header row looks like data" in logged
    # The cohort label and "synthetic" are in paths and rule names anyway; "13", "no" and
    # "yes" are in any text. Every other cell of the row must be nowhere.
    shown = [cell for cell in first if len(cell) >= 4
             and cell not in {"synthetic-ttp-2015", "synthetic"}]
    assert CANARY_ID in shown and "2015-06" in shown and "female" in shown
    for cell in shown:
        assert cell not in terminal, cell
        assert cell not in logged, cell
    assert not list((workdir / "results").rglob("*.parquet"))


def test_a_cohort_naming_one_workbook_is_validated_from_its_sheets(tmp_path):
    """Issue #18: `workbook:` instead of three files. Only the validation rule is run; the
    typed tables equal those of the CSV files (the analyses read nothing else)."""
    from workbook_helpers import fill_workbook, read_csv_frames

    workdir = _one_cohort(copy_project(tmp_path))
    (workdir / "data" / "private").mkdir(exist_ok=True)  # the copy has its README
    fill_workbook(workdir / "data" / "private" / "coding.xlsx",
                  read_csv_frames(workdir / "data" / "synthetic"))
    path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["cohorts"] = {"synthetic-ttp-2015": {"workbook": "data/private/coding.xlsx"}}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    plan = _snakemake(workdir, "--dry-run")
    assert plan.returncode == 0, plan.stderr[-2000:]
    result = _snakemake(workdir, str(INTERNAL / "validated" / "cohort.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    from tahsb_analysis.input.validation import validate_cohort

    synthetic = workdir / "data" / "synthetic"
    from_csv = validate_cohort({t: synthetic / f"{t}.csv" for t in ("cases", "case_file",
                                                                     "behaviours")})
    for table in ("cases", "case_file", "behaviours"):
        typed = pd.read_parquet(workdir / INTERNAL / "validated" / f"{table}.parquet")
        pd.testing.assert_frame_equal(typed, from_csv.table(table))
    metadata = json.loads((workdir / INTERNAL / "validated" / "cohort.json").read_text())
    assert metadata["sources"]["cases"]["file"] == "coding.xlsx, sheet cases"


def test_misspelt_config_key_stops_the_workflow_before_any_rule(tmp_path):
    workdir = copy_project(tmp_path)
    config = workdir / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "sed: 1\n", encoding="utf-8")
    result = _snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    assert "sed" in result.stdout + result.stderr


def _unzipped_bytes(path: Path) -> bytes:
    """A file's bytes; for a Word or Excel file (a deflated zip archive) its members'."""
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()


CANARY_ID = "CANARY-7Q4Z"
CANARY_POSTCODE = "SW1A 2AA"


@pytest.mark.xdist_group("canaries")  # its own workflow runs: free to go to another worker
# A run of its own (no shared fixture): its own xdist group, so that the other worker can take
# it while this file's group builds the shared runs.
@pytest.mark.xdist_group("workflow-canaries")
def test_identifier_canaries_planted_in_the_input_never_reach_an_output(tmp_path):
    """A case id planted in the input may sit in the internal typed tables (they hold one row
    per child, and never leave the machine), but in no table, figure, report, manifest or
    log; a postcode planted in a cell is refused without being echoed anywhere."""
    workdir = _one_cohort(copy_project(tmp_path / "ids"))
    data = workdir / "data" / "synthetic"
    frames = {name: pd.read_csv(data / f"{name}.csv", dtype=str, keep_default_na=False)
              for name in ("cases", "case_file", "behaviours")}
    first = frames["case_file"].loc[0, "case_id"]
    for frame in frames.values():
        frame.loc[frame["case_id"] == first, "case_id"] = CANARY_ID
    for name, frame in frames.items():
        frame.to_csv(data / f"{name}.csv", index=False)
    result = _snakemake(workdir)
    assert result.returncode == 0, result.stderr[-2000:]
    leaks = [
        p for p in list((workdir / "results").rglob("*")) + list((workdir / "logs").rglob("*"))
        if p.is_file() and "validated" not in p.parts and p.suffix != ".parquet"
        and CANARY_ID.encode() in _unzipped_bytes(p)
    ]
    assert not leaks
    assert CANARY_ID not in result.stdout + result.stderr

    refused = _one_cohort(copy_project(tmp_path / "postcode"))
    cases = pd.read_csv(refused / "data" / "synthetic" / "cases.csv", dtype=str,
                        keep_default_na=False)
    cases.loc[3, "assessment_month"] = CANARY_POSTCODE
    cases.to_csv(refused / "data" / "synthetic" / "cases.csv", index=False)
    result = _snakemake(refused)
    assert result.returncode != 0
    assert "assessment_month" in result.stdout + result.stderr
    assert CANARY_POSTCODE not in result.stdout + result.stderr
    written = [p for p in (refused / "logs").rglob("*") if p.is_file()]
    assert written and not [p for p in written if CANARY_POSTCODE.encode() in p.read_bytes()]
    assert not list((refused / "results").rglob("*.parquet"))


COMPARISON = Path("results") / "release" / "comparison"


def test_the_comparison_puts_the_second_cohort_and_the_published_one_beside_the_reference(
    finished_run,
):
    rows = pd.read_csv(finished_run / COMPARISON / "comparison_table.csv")
    assert set(rows["cohort"]) == {"synthetic-ttp-2019 vs synthetic-ttp-2015",
                                   "galvin-2024 vs synthetic-ttp-2015"}
    # Hand count from the two cohorts' prevalence rows: any TA-HSB 176/320 (55.0%) against
    # 126/275 (45.8%): a difference of 9.2 percentage points.
    any_ta = rows[rows["output"].eq("prevalence_overall") & rows["level"].eq("any_ta_hsb")
                  & rows["statistic"].eq("risk_difference")]
    second = any_ta[any_ta["cohort"].str.startswith("synthetic-ttp-2019")].iloc[0]
    assert second["estimate"] == pytest.approx(176 / 320 - 126 / 275)
    assert second["n"] == 176 + 126 and second["denominator"] == 320 + 275
    # The release comparison reads only release tables: a statistic one cohort suppressed is
    # suppressed in the comparison too.
    release_2015 = pd.read_csv(finished_run / RELEASE / "results_table.csv")
    hidden = release_2015[release_2015["disclosure"].eq("suppressed")
                          & release_2015["statistic"].eq("proportion")].iloc[0]
    same = rows[rows["output"].eq(hidden["output"]) & rows["variable"].eq(hidden["variable"])
                & rows["level"].eq(hidden["level"])
                & rows["group"].fillna("").eq("" if pd.isna(hidden["group"]) else hidden["group"])
                & rows["cohort"].str.startswith("synthetic-ttp-2019")]
    assert len(same) and set(same["disclosure"]) == {"suppressed"}
    assert same["estimate"].isna().all()
    side = pd.read_csv(finished_run / COMPARISON / "replication_side_by_side.csv")
    assert {"synthetic-ttp-2015", "synthetic-ttp-2019", "galvin-2024"} <= set(side["cohort"])
    # Each cohort's verdicts with what they rest on, as in that cohort's own replication.csv.
    own = pd.read_csv(finished_run / RELEASE / "replication.csv")
    own = own[own["part"].eq(0)].set_index("finding")
    mine = side[side["cohort"].eq(own["cohort"].iloc[0])].set_index("finding")
    for column in ("verdict", "p_value", "p_adjusted", "mdd", "n"):
        pd.testing.assert_series_equal(mine[column], own[column], check_dtype=False)


def test_the_comparison_manifest_lists_every_released_comparison_file(finished_run):
    folder = finished_run / COMPARISON
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
               and p.name not in {"manifest.json", "manifest.md", "comparison_table.parquet"}}
    assert set(listed) == on_disk
    for path, digest in listed.items():
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest, path
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in page and "Galvin" in page


def test_every_report_page_renders_in_a_real_browser_with_every_registered_item(
        finished_run, browser, tmp_path):
    """The study pages (both cohorts, both tiers) and the comparison pages, opened in headless
    chromium: no console error, no image that fails to decode, every table and figure the
    output registry sends to that tier present and not collapsed, and a screenshot of each
    page's top saved under tmp_path (to look at when this fails)."""
    from browser_helpers import comparison_page_items, missing_items, study_page_items

    from tahsb_analysis.compare.cohorts import section_of

    def present(tier, cohort):
        table = pd.read_parquet(finished_run / "results" / tier / cohort / "results_table.parquet")
        return set(table["output"].astype(str))

    pages = [(finished_run / "results" / tier / cohort / "report.html",
              study_page_items(tier, present(tier, cohort)), False)
             for tier in ("internal", "release")
             for cohort in ("synthetic-ttp-2015", "synthetic-ttp-2019")]
    for tier in ("internal", "release"):
        comparison = pd.read_parquet(finished_run / "results" / tier / "comparison"
                                     / "comparison_table.parquet")
        compared = set(comparison["output"].astype(str).map(section_of))
        pages.append((finished_run / "results" / tier / "comparison" / "report.html",
                      comparison_page_items(compared), True))
    problems = {}
    for path, expected, prefixes in pages:
        name = "-".join(path.relative_to(finished_run / "results").parts[:2])
        shot = tmp_path / f"{name}.png"
        view = browser.view(path, screenshot=shot)
        found = {"errors": view.errors, "broken images": view.broken_images,
                 "missing": missing_items(view, expected, prefixes=prefixes),
                 "collapsed": view.empty_items}
        if any(found.values()):
            problems[name] = found
        assert view.images >= len([i for i in expected if i.startswith("figure-")]), name
        assert shot.stat().st_size > 10_000, name
        assert view.seconds < 15, (name, view.seconds)
    assert not problems, f"screenshots in {tmp_path}: {problems}"


# Page weight (issue #17): the pages embed 120-dpi screen previews shown at print size; the
# journal files (300-dpi PNG, SVG, PDF) stay beside them in figures/.
STUDY_PAGE_LIMIT = 1_000_000  # bytes
COMPARISON_PAGE_LIMIT = 2_000_000


def test_report_pages_stay_light_and_the_journal_files_stay_beside_them(finished_run):
    results = finished_run / "results"
    study_pages = sorted(results.glob("*/synthetic-*/report.html"))
    comparison_pages = sorted(results.glob("*/comparison/report.html"))
    assert len(study_pages) == 4 and len(comparison_pages) == 2
    heavy = {page.relative_to(results).as_posix(): page.stat().st_size
             for page in study_pages if page.stat().st_size > STUDY_PAGE_LIMIT}
    heavy |= {page.relative_to(results).as_posix(): page.stat().st_size
              for page in comparison_pages if page.stat().st_size > COMPARISON_PAGE_LIMIT}
    assert heavy == {}
    from PIL import Image

    for screen in sorted(results.glob("*/*/figures/*.screen.png")):
        journal = screen.with_name(screen.name.replace(".screen.png", ".png"))
        with Image.open(screen) as preview, Image.open(journal) as full:
            assert round(preview.info["dpi"][0]) == 120 and round(full.info["dpi"][0]) == 300
            # Same figure, same print width: 85 mm or 174 mm.
            width_mm = full.size[0] / 300 * 25.4
            assert min(abs(width_mm - 85), abs(width_mm - 174)) < 0.5, journal.name
        for suffix in (".svg", ".pdf"):
            assert journal.with_suffix(suffix).is_file()
    # Every section's comparison forest plot fits a journal page (at most 240 mm high).
    for png in sorted(results.glob("*/comparison/figures/comparison_*.png")):
        if not png.name.endswith(".screen.png"):
            with Image.open(png) as full:
                assert full.size[1] / 300 * 25.4 <= 240, png.name
