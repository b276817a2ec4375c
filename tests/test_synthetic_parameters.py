"""Parameters of the synthetic cohort: every entry says whether it is published or assumed,
the committed page lists them, and parameters that contradict each other are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tahsb_analysis.synthetic.generator import generate_cohort
from tahsb_analysis.synthetic.parameters import (
    STATUSES,
    ParameterError,
    default_parameters_path,
    load_parameters,
    render_parameters_markdown,
)

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "synthetic"


@pytest.fixture(scope="module")
def parameters():
    return load_parameters()


def test_every_parameter_has_one_of_the_three_statuses_and_says_why(parameters):
    entries = [entry for group in parameters.values() for entry in group.values()]
    assert len(entries) > 40
    for entry in entries:
        assert entry["status"] in STATUSES
        assert str(entry["source"]).strip()
        assert str(entry["description"]).strip()


def test_unpublished_numbers_are_marked_as_assumptions(parameters):
    status = {
        name: entry["status"] for group in parameters.values() for name, entry in group.items()
    }
    for name in (
        "in_depth_group_sizes",
        "dual_subgroup_sizes",
        "sex_by_group",
        "first_hsb_age_ta_only",
        "l2_timing_dual_other",
        "police_involvement_by_group",
        "r3_boys_with_any_ta_hsb_in_sample",
    ):
        assert status[name] == "assumed, not published", name
    assert status["group_sizes"] == "derived from published"
    assert status["n_cases"] == "published"


def test_committed_parameters_markdown_is_current(parameters):
    committed = (COMMITTED / "PARAMETERS.md").read_text(encoding="utf-8")
    assert committed == render_parameters_markdown(parameters), (
        "data/synthetic/PARAMETERS.md is stale: regenerate it with render_parameters_markdown"
    )


def test_parameters_markdown_says_synthetic_and_that_assumptions_are_not_findings(parameters):
    text = render_parameters_markdown(parameters)
    assert "SYNTHETIC" in text
    assert '"assumed, not published"** are choices of this project, not findings' in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    n_parameters = sum(len(group) for group in parameters.values())
    assert len(table_rows) == n_parameters
    assert all(line.count(" | ") == 5 for line in table_rows)


def _write_modified(tmp_path, change) -> Path:
    raw = yaml.safe_load(default_parameters_path().read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "parameters.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_a_parameter_with_an_unknown_status_is_refused(tmp_path):
    def change(raw):
        raw["cohort"]["n_cases"]["status"] = "guessed"

    with pytest.raises(ParameterError, match="cohort.n_cases.*guessed"):
        load_parameters(_write_modified(tmp_path, change))


def test_a_parameter_without_a_source_is_refused(tmp_path):
    def change(raw):
        del raw["onset"]["l2_mean_gap_years"]["source"]

    with pytest.raises(ParameterError, match="l2_mean_gap_years.*source"):
        load_parameters(_write_modified(tmp_path, change))


def test_counts_that_do_not_add_up_to_their_group_are_refused(tmp_path):
    def change(raw):
        raw["background"]["impulsivity_by_group"]["value"]["dual"]["yes"] += 1

    parameters = load_parameters(_write_modified(tmp_path, change))
    with pytest.raises(ParameterError, match="impulsivity_by_group.dual: counts add up to 53"):
        generate_cohort(parameters, 1)


def test_a_code_the_codebook_does_not_allow_is_refused(tmp_path):
    def change(raw):
        raw["background"]["family_stability_by_group"]["value"]["ta_only"] = {
            "stable": 10,
            "calm": 4,
        }

    parameters = load_parameters(_write_modified(tmp_path, change))
    with pytest.raises(ParameterError, match="calm"):
        generate_cohort(parameters, 1)


def test_profiles_that_miss_the_r3_target_are_refused(tmp_path):
    def change(raw):
        profiles = raw["ta_hsb_behaviours"]["ta_type_profiles_ta_only"]["value"]
        profiles["iioc + sexual_texts"] -= 1
        profiles["iioc"] = 1

    parameters = load_parameters(_write_modified(tmp_path, change))
    with pytest.raises(ParameterError, match="r3_boys_with_more_than_one_ta_type is 45.*44"):
        generate_cohort(parameters, 1)
