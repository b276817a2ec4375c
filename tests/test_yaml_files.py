"""The project's YAML reader (issue #19): libyaml's loader, one parse per distinct text."""

from importlib import resources
from pathlib import Path

import pytest
import yaml

from tahsb_analysis import yaml_files
from tahsb_analysis.yaml_files import load_yaml, parse_yaml

PACKAGED = sorted(
    Path(str(entry))
    for entry in resources.files("tahsb_analysis").joinpath("data").iterdir()
    if entry.name.endswith((".yaml", ".yml"))
)
REPO = Path(__file__).resolve().parents[1]
PROJECT_YAML = [*PACKAGED, REPO / "config" / "config.yaml",
                REPO / "config" / "disclosure_policy.yaml"]


def test_the_fast_loader_is_libyaml():
    # PyPI's PyYAML wheels are built with libyaml; without it the reader is 10x slower.
    assert yaml.__with_libyaml__
    assert yaml_files.SAFE_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", PROJECT_YAML, ids=lambda p: p.name)
def test_every_project_file_parses_as_the_pure_python_safe_loader_parses_it(path):
    assert len(PROJECT_YAML) >= 6
    assert load_yaml(path) == yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def test_a_file_edited_straight_after_a_read_is_read_again(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(path) == {"a": 1}
    path.write_text("a: 2\n", encoding="utf-8")  # same size, same second
    assert load_yaml(path) == {"a": 2}


def test_each_caller_gets_its_own_copy(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("fields: [{name: a}]\n", encoding="utf-8")
    first = load_yaml(path)
    first["fields"][0]["name"] = "changed"
    first["fields"].append({"name": "b"})
    assert load_yaml(path) == {"fields": [{"name": "a"}]}


def test_the_safe_subset_only():
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']\n")


def test_malformed_yaml_raises_yaml_error_with_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError) as caught:
        load_yaml(path)
    assert caught.value.problem_mark.line >= 1


def test_a_missing_file_raises_os_error(tmp_path):
    with pytest.raises(OSError):
        load_yaml(tmp_path / "absent.yaml")
