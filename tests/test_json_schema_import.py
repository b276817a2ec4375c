"""jsonschema imported without the IRI format checkers' grammars (issue #19), in a fresh
interpreter each time: the point is what a new workflow job imports."""

import subprocess
import sys

import pytest


def fresh_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_rfc3987_syntax_is_installed_here():
    # Without it the other tests below would pass vacuously: jupyter brings it in.
    code = "import importlib.util as u; print(u.find_spec('rfc3987_syntax') is not None)"
    assert fresh_python(code) == "True"


def test_importing_through_the_project_leaves_the_grammars_uncompiled():
    code = ("import sys, tahsb_analysis.json_schema; "
            "print('lark' in sys.modules, 'rfc3987_syntax' in sys.modules)")
    assert fresh_python(code) == "False False"


def test_a_plain_import_of_jsonschema_compiles_them():
    # the cost this module avoids: the control for the test above
    assert fresh_python("import sys, jsonschema; print('rfc3987_syntax' in sys.modules)") == "True"


def test_the_module_can_still_be_imported_afterwards():
    code = ("import tahsb_analysis.json_schema, rfc3987_syntax; "
            "print(rfc3987_syntax.is_valid_syntax('iri', 'https://example.org/a'))")
    assert fresh_python(code) == "True"


def test_an_earlier_import_of_jsonschema_is_used_as_it_is():
    code = ("import jsonschema, tahsb_analysis.json_schema as j; "
            "print(j.jsonschema is jsonschema, 'iri' in jsonschema.FormatChecker.checkers)")
    assert fresh_python(code) == "True True"


def test_validation_is_unchanged():
    from jsonschema.exceptions import ValidationError

    from tahsb_analysis.json_schema import Draft202012Validator

    validator = Draft202012Validator({"type": "object", "required": ["a"],
                                      "properties": {"a": {"type": "integer"}}})
    assert validator.is_valid({"a": 1})
    errors = list(validator.iter_errors({"a": "x"}))
    assert [e.validator for e in errors] == ["type"]
    with pytest.raises(ValidationError):
        validator.validate({})
