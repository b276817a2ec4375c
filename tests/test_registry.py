"""The output registry (data/outputs.yaml): one home per output, checked against what the
analyses produce and what the workflow plans.

The registry replaces the literal lists that common.smk, tables, figures, the report and the
disclosure policy each used to keep; these tests check it against the code that must honour it
(the analyses that produce its rows, the figure functions that draw it).
"""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tahsb_analysis.analyses.run import ANALYSES, analysis_settings
from tahsb_analysis.registry import (
    RegistryError,
    caption_of,
    load_registry,
    registry_from_mapping,
    registry_path,
    write_report_caption,
)

REPO = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
RAW = yaml.safe_load(registry_path().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    """Every output the registered analyses produce on the small hand-made cohort."""
    from conftest import build_cohort, valid_frames

    config = copy.deepcopy(CONFIG)
    config["exact_test"]["resamples"] = 99
    frames = valid_frames()
    cohort = build_cohort(tmp_path_factory.mktemp("cohort"), frames,
                          second_coder=frames["case_file"])
    outputs: dict[str, set[str]] = {}
    for name in ANALYSES:
        rows = ANALYSES[name](cohort, **analysis_settings(name, config))
        outputs[name] = set(rows["output"])
    return outputs


def test_every_registered_analysis_resolves_and_takes_only_config_settings(registry):
    assert list(ANALYSES) == registry.analyses()
    settings = analysis_settings("prevalence", CONFIG)
    # By keyword name (analyses/run.py): prevalence takes no comparison settings.
    assert settings == {"ci_method": "wilson", "confidence": 0.95,
                        "age_band_starts": (5, 12, 15), "exact_test_seed": 20170,
                        "exact_test_resamples": 99999}
    assert analysis_settings("responses", CONFIG)["adjust_for_age"] is True


def test_an_output_of_an_unregistered_analysis_is_refused():
    data = copy.deepcopy(RAW)
    data["outputs"][0]["analysis"] = "astrology"
    with pytest.raises(RegistryError, match="'astrology' is not one of the registered analyses"):
        registry_from_mapping(data)


def test_every_output_an_analysis_produces_is_registered_under_that_analysis(registry, produced):
    for analysis, outputs in produced.items():
        assert outputs == set(registry.outputs_of_analysis(analysis)), analysis


def test_every_registered_output_names_a_known_section_and_published_findings(registry):
    known_findings = {f"P{i}" for i in (1, 2)} | {f"R{i}" for i in range(1, 6)} | {
        f"C{i}" for i in range(1, 7)} | {f"L{i}" for i in range(1, 4)} | {
        f"S{i}" for i in range(1, 4)}
    for output in registry.outputs:
        assert registry.section(output.section)
        assert set(output.findings) <= known_findings, output.name


def test_planning_the_workflow_does_not_import_the_scientific_stack():
    # The registry is read while Snakemake plans (also for a no-op rerun): it must stay light.
    code = ("import sys; from tahsb_analysis.registry import load_registry; load_registry(); "
            "heavy = {'pandas', 'numpy', 'scipy', 'statsmodels', 'matplotlib'} & "
            "set(sys.modules); print(sorted(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_the_swimmer_plot_is_internal_only_and_drawn_from_the_cohort(registry):
    figure = registry.figure("dual_timelines")
    assert figure.tiers == ("internal",) and figure.drawn_from == "cohort"
    assert "dual_timelines" not in registry.figure_names("release", drawn_from=None)


def test_every_figure_declares_its_journal_column(registry):
    widths = {f.name: f.width for f in registry.figures("internal", drawn_from=None)}
    assert widths["prevalence"] == "single" and widths["characteristics"] == "double"
    assert set(widths.values()) == {"single", "double"}


def test_a_figure_drawn_from_the_cohort_cannot_be_declared_for_release():
    data = copy.deepcopy(RAW)
    trajectories = next(o for o in data["outputs"] if o["name"] == "trajectories")
    trajectories["figures"][1]["tiers"] = ["internal", "release"]
    with pytest.raises(RegistryError, match="never be released"):
        registry_from_mapping(data)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["outputs"][0].update(section="nowhere"), "section 'nowhere'"),
    (lambda d: d["outputs"][0].update(layout="pie"), "layout 'pie'"),
    (lambda d: d["outputs"][0].update(tiers=["public"]), "tiers"),
    (lambda d: d["outputs"][0].update(colour="red"), "unknown keys"),
    (lambda d: d["outputs"].append(copy.deepcopy(d["outputs"][0])), "more than once"),
    (lambda d: d["outputs"][0].pop("title"), "'title' is required"),
    (lambda d: d["outputs"][0]["figures"][0].pop("width"), "'width' are required"),
    (lambda d: d["outputs"][0]["figures"][0].update(width="A4"), "width 'A4'"),
])
def test_a_malformed_registry_names_the_entry_and_the_key(change, message):
    data = copy.deepcopy(RAW)
    change(data)
    with pytest.raises(RegistryError, match=message):
        registry_from_mapping(data, source="outputs.yaml")


def test_report_sections_show_each_table_followed_by_its_figures(registry):
    assert registry.section_items("prevalence")[:2] == [
        ("table", "prevalence_overall"), ("figure", "prevalence")]
    links = registry.section_items("links", tier="internal")
    assert links[-3:] == [("table", "trajectories"), ("figure", "trajectories"),
                          ("figure", "dual_timelines")]
    assert ("figure", "dual_timelines") not in registry.section_items("links", tier="release")


def test_disclosure_structure_lists_every_output_and_names_the_output_of_each_relation(registry):
    structure = registry.disclosure_structure()
    assert structure["outputs"] == [output.name for output in registry.outputs]
    assert {rule["output"] for rule in structure["group_sums"]} >= {
        "characteristics", "responses", "prevalence_by_sex"}
    cuts = {"cj_out_of_court_or_court": "cj_outcome",
            "social_care_section_47": "social_care_level"}
    assert structure["derived_from"] == [
        {"output": "characteristics_missing_bounds", "source_output": "characteristics"},
        {"output": "characteristics_missing_tests", "source_output": "characteristics"},
        {"output": "porn_trigger_missing_bounds", "source_output": "porn_trigger"},
        {"output": "response_models", "source_output": "responses", "variables": cuts},
        {"output": "responses_missing_bounds", "source_output": "responses"},
        {"output": "responses_missing_tests", "source_output": "responses"},
        {"output": "response_models_imputed", "source_output": "responses", "variables": cuts},
    ]
    # The L3 share re-shows two counts of its own output; the flow diagram's nodes are sums.
    (shared,) = structure["shared_cells"]
    assert shared["output"] == "prevalence_overall"
    assert (shared["n"]["level"], shared["denominator"]["level"]) == ("dual", "any_ta_hsb")
    assert {rule["variable"] for rule in structure["level_sums"]} == {
        "trajectory_first", "trajectory_later"}


def test_report_caption_is_written_once_and_left_alone_when_unchanged(registry, tmp_path):
    path = Path(write_report_caption(registry, "prevalence_overall", tmp_path))
    assert path.read_text(encoding="utf-8") == caption_of(registry, "prevalence_overall") + "\n"
    before = path.stat().st_mtime_ns
    write_report_caption(registry, "prevalence_overall", tmp_path)
    assert path.stat().st_mtime_ns == before
    assert caption_of(registry, "manifest").startswith("The release manifest")
    assert caption_of(registry, "onset_gap") != caption_of(registry, "trajectories")


def test_every_published_cohort_the_config_names_is_in_the_published_cohorts_file():
    from tahsb_analysis.compare.published import load_published_cohorts

    known = {entry["id"] for entry in load_published_cohorts()}
    assert set(CONFIG["comparison"]["published_cohorts"]) <= known
    assert CONFIG["comparison"]["reference"] in CONFIG["cohorts"]
