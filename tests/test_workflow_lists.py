"""The workflow's literal lists agree with the package's registries.

common.smk keeps these lists literal so that planning the workflow does not import pandas,
SciPy and statsmodels; these tests stop the two from drifting apart.
"""

import ast
import re
from pathlib import Path

import yaml

from tahsb_analysis.analyses.run import ANALYSES, analysis_settings

REPO = Path(__file__).resolve().parents[1]
COMMON = (REPO / "workflow" / "rules" / "common.smk").read_text(encoding="utf-8")


def literal_list(name: str) -> list:
    match = re.search(rf"^{name} = (\[.*?\])$", COMMON, flags=re.MULTILINE | re.DOTALL)
    assert match, f"{name} not found in common.smk"
    return ast.literal_eval(match.group(1))


def test_workflow_runs_every_registered_analysis():
    assert literal_list("ANALYSES") == list(ANALYSES)


def test_every_analysis_gets_its_settings_from_the_config_keys_the_workflow_passes():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    passed = {key: config[key] for key in literal_list("ANALYSIS_CONFIG_KEYS")}
    for name in ANALYSES:
        analysis_settings(name, passed)  # raises KeyError if a needed key is not passed


def test_workflow_draws_every_registered_figure():
    from tahsb_analysis.render.figures import FIGURES

    assert literal_list("FIGURES") == list(FIGURES)


def test_every_rendered_table_and_figure_has_a_report_caption():
    report = REPO / "workflow" / "report"
    for table in literal_list("TABLE_OUTPUTS"):
        assert (report / f"table_{table}.rst").is_file(), table
    for figure in literal_list("FIGURES"):
        assert (report / f"figure_{figure}.rst").is_file(), figure


def test_every_rendered_table_is_an_output_the_analyses_produce(tmp_path):
    from conftest import build_cohort, valid_frames

    from tahsb_analysis.analyses.run import ANALYSES, analysis_settings

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["exact_test"]["resamples"] = 99
    cohort = build_cohort(tmp_path, valid_frames())
    produced = set()
    for name, analysis in ANALYSES.items():
        produced |= set(analysis(cohort, **analysis_settings(name, config))["output"])
    assert set(literal_list("TABLE_OUTPUTS")) <= produced


def test_workflow_draws_a_forest_plot_for_every_comparison_section():
    from tahsb_analysis.compare.cohorts import OTHER_SECTION, SECTION_TITLES

    assert literal_list("SECTIONS") == [s for s in SECTION_TITLES if s != OTHER_SECTION]


def test_every_published_cohort_the_config_names_is_in_the_published_cohorts_file():
    from tahsb_analysis.compare.published import load_published_cohorts

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    known = {entry["id"] for entry in load_published_cohorts()}
    assert set(config["comparison"]["published_cohorts"]) <= known
    assert config["comparison"]["reference"] in config["cohorts"]
