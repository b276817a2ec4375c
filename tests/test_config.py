"""config/config.yaml passes its JSON Schema, and the schema rejects misspelt keys."""

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load(
        (REPO / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8")
    )


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))


def test_default_config_is_valid(schema, config):
    jsonschema.validate(config, schema)


def test_default_config_points_to_files_that_exist(config):
    for files in config["cohorts"].values():
        for key, path in files.items():
            if key == "double_coding":
                for coder in path:
                    assert (REPO / coder["case_file"]).is_file(), coder["case_file"]
                continue
            assert (REPO / path).is_file(), path


def test_misspelt_top_level_key_is_rejected(schema, config):
    bad = copy.deepcopy(config)
    bad["cohort"] = bad.pop("cohorts")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_misspelt_table_key_is_rejected(schema, config):
    bad = copy.deepcopy(config)
    files = next(iter(bad["cohorts"].values()))
    files["behaviors"] = files.pop("behaviours")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_cohort_label_with_spaces_is_rejected(schema, config):
    bad = copy.deepcopy(config)
    bad["cohorts"]["My Cohort"] = next(iter(bad["cohorts"].values()))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def _walk(node, path=""):
    yield path, node
    for key, child in node.get("properties", {}).items():
        yield from _walk(child, f"{path}.{key}")
    if isinstance(node.get("additionalProperties"), dict):
        yield from _walk(node["additionalProperties"], f"{path}.*")


def test_every_schema_key_has_a_description_and_every_property_a_default(schema):
    for path, node in _walk(schema):
        assert node.get("description"), f"{path or 'root'} lacks a description"
        for key, child in node.get("properties", {}).items():
            assert "default" in child, f"{path}.{key} lacks a default"


def test_a_cohort_may_name_one_workbook_instead_of_three_files(schema, config):
    good = copy.deepcopy(config)
    good["cohorts"]["own"] = {"workbook": "data/private/coding.xlsx"}
    jsonschema.validate(good, schema)
    for bad_cohort in ({"workbook": "data/private/coding.xlsx", "cases": "cases.csv"},
                       {"workbook": "data/private/coding.csv"},
                       {"workbok": "data/private/coding.xlsx"}):
        bad = copy.deepcopy(config)
        bad["cohorts"]["own"] = bad_cohort
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
