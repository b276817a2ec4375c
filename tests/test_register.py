"""The replication register (compare/register.py): the packaged one loads and covers every
published finding once; malformed registers are refused, naming the claim and the key."""

from __future__ import annotations

import copy

import pytest
import yaml
from replication_helpers import SELECT, packaged_claim, register_of

from tahsb_analysis.compare.register import (
    ReplicationRegisterError,
    load_register,
    validate_register,
)

# The published findings as listed in the study summary (study.md), written out here so that
# the test does not trust the module's own list.
PUBLISHED_FINDINGS = [
    "P1", "P2", "R1", "R2", "R3", "R4", "R5", "C1", "C2", "C3", "C4", "C5", "C6",
    "L1", "L2", "L3", "S1", "S2", "S3",
]


def test_packaged_register_loads_and_validates():
    register = load_register()
    assert isinstance(register["version"], int) and register["version"] >= 1
    validate_register(register)  # raises when malformed


def test_packaged_register_covers_every_published_finding_exactly_once():
    ids = [claim["id"] for claim in load_register()["claims"]]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(PUBLISHED_FINDINGS)


def test_interpretive_claim_says_in_its_text_that_it_is_checked_by_a_proxy():
    claim = packaged_claim(load_register(), "L3")
    assert claim["kind"] == "interpretive"
    assert "proxy" in claim["finding"] and "proxy" in claim["published"]


def test_register_with_an_unknown_rule_type_is_refused_naming_the_claim():
    register = copy.deepcopy(load_register())
    packaged_claim(register, "C1")["checks"][0]["rule"] = "directon"
    with pytest.raises(ReplicationRegisterError, match=r"claim 'C1'.*'directon' is not one of"):
        validate_register(register)


def test_register_check_missing_a_key_of_its_rule_is_refused_naming_claim_and_key():
    register = copy.deepcopy(load_register())
    del packaged_claim(register, "S2")["checks"][1]["compared_with"]
    with pytest.raises(ReplicationRegisterError,
                       match=r"claim 'S2'.*check 2 \(rule 'direction'\).*'compared_with' is a "
                             r"required property"):
        validate_register(register)


def test_register_claim_without_published_text_is_refused():
    register = copy.deepcopy(load_register())
    del packaged_claim(register, "P1")["published"]
    with pytest.raises(ReplicationRegisterError, match=r"claim 'P1'.*'published' is a required"):
        validate_register(register)


def test_register_without_a_version_is_refused():
    register = copy.deepcopy(load_register())
    del register["version"]
    with pytest.raises(ReplicationRegisterError, match="'version' is a required property"):
        validate_register(register)


def test_misspelt_selector_key_is_refused():
    select = {**SELECT, "grup": "dual"}
    register = register_of({"rule": "share_above", "measure": "m", "threshold": 0.5,
                            "select": select})
    with pytest.raises(ReplicationRegisterError, match=r"select.*'grup' was unexpected"):
        validate_register(register)


def test_published_percentage_written_as_a_whole_number_is_refused():
    register = register_of({"rule": "equivalence", "measure": "m", "value": 46,
                            "margin": 0.1, "margin_reason": "r", "select": SELECT})
    with pytest.raises(ReplicationRegisterError, match=r"46 is not a proportion.*0\.46"):
        validate_register(register)


def test_two_claims_with_one_id_are_refused():
    register = register_of({"rule": "share_above", "measure": "m", "threshold": 0.5,
                            "select": SELECT})
    register["claims"].append(copy.deepcopy(register["claims"][0]))
    with pytest.raises(ReplicationRegisterError, match="id 'X1' is used by an earlier claim"):
        validate_register(register)


def test_register_is_read_from_a_given_path_and_bad_yaml_is_refused(tmp_path):
    register = register_of({"rule": "share_above", "measure": "m", "threshold": 0.5,
                            "select": SELECT})
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(register), encoding="utf-8")
    assert load_register(path) == register
    path.write_text("claims: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReplicationRegisterError, match="not valid YAML"):
        load_register(path)


def test_packaged_register_declares_alpha_and_a_documented_margin_for_every_value_claim():
    register = load_register()
    assert register["alpha"] == 0.05
    assert register["version"] >= 3  # the verdict scale of issue #15
    equivalence = [check for claim in register["claims"] for check in claim["checks"]
                   if check["rule"] == "equivalence"]
    assert len(equivalence) == 4  # P1, P2, R3 and L2's gap
    for check in equivalence:
        assert check["margin"] > 0 and len(check["margin_reason"]) > 20
    assert not [c for c in register["claims"] for k in c["checks"] if k["rule"] == "value_in_ci"]


def test_equivalence_check_without_a_margin_is_refused():
    register = register_of({"rule": "equivalence", "measure": "m", "value": 0.46,
                            "margin_reason": "r", "select": SELECT})
    with pytest.raises(ReplicationRegisterError, match=r"'margin' is a required property"):
        validate_register(register)


def test_declared_test_for_a_value_that_is_not_compared_is_refused():
    check = {"rule": "direction", "measure": "m", "direction": "higher",
             "compared_with": {"group": ["dual"]},
             "tests": {"offline_only": {"select": SELECT}},
             "select": {**SELECT, "group_variable": "hsb_group", "group": "ta_only"}}
    with pytest.raises(ReplicationRegisterError, match=r"tests names 'offline_only'"):
        validate_register(register_of(check))


def test_s1_to_s3_read_the_age_adjusted_models_and_l1_its_binomial_test():
    register = load_register()
    for finding in ("S1", "S2", "S3"):
        for check in packaged_claim(register, finding)["checks"]:
            models = [spec for spec in check["tests"].values()
                      if spec["select"]["output"] == "response_models"]
            assert models and all(spec["select"]["statistic"] == "odds_ratio" for spec in models)
    (l1,) = packaged_claim(register, "L1")["checks"]
    assert l1["test"]["select"]["statistic"] == "binomial_test"
