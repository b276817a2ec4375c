"""environment.yml (for conda users) lists the same dependencies as pyproject.toml."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def pyproject_requirements() -> set[tuple[str, str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_normalise(r) for r in requirements}


def environment_requirements() -> set[tuple[str, str]]:
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    # packages taken from PyPI through conda's pip section count too; "-e ." is the project
    pip = [d for entry in env["dependencies"] if isinstance(entry, dict)
           for d in entry.get("pip", []) if not d.startswith("-")]
    # the interpreter and pip are conda's own; "python-docx" is a dependency like any other
    requirements = {_normalise(d) for d in conda + pip}
    return {r for r in requirements if r[0] not in ("python", "pip")}


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_normalise_separates_name_and_version_spec():
    assert _normalise("PyYAML >= 6.0") == ("pyyaml", ">=6.0")
    assert _normalise("pyreadstat") == ("pyreadstat", "")


def test_environment_requirements_keep_python_docx_but_not_python_itself():
    names = {name for name, _ in environment_requirements()}
    assert "python-docx" in names
    assert "python" not in names and "pip" not in names


def _make(*args: str) -> str:
    import subprocess

    result = subprocess.run(["make", "--no-print-directory", *args], cwd=REPO,
                            capture_output=True, text=True, check=True)
    return result.stdout


def test_make_help_lists_every_target_with_what_it_does():
    shown = _make("help")
    listed = re.findall(r"^  ([a-z]+) +\S", shown, flags=re.MULTILINE)
    assert listed == ["help", "run", "report", "test", "lint", "clean"]
    assert "VERBOSE=1" in shown and "results/report.zip" in shown


def test_make_run_installs_the_runtime_only_and_make_test_adds_the_dev_tools():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")

    def recipe(target: str) -> str:
        match = re.search(rf"^{re.escape(target)}:(.*)\n((?:\t.*\n)*)", makefile, re.MULTILINE)
        assert match, target
        return match.group(1) + "\n" + match.group(2)

    assert 'install --quiet -e .\n' in recipe("$(RUNTIME)")
    assert "[dev]" not in recipe("$(RUNTIME)") and '-e ".[dev]"' in recipe("$(DEV)")
    assert recipe("run").split("\n")[0].split() == ["$(RUNTIME)"]
    assert "$(DEV)" in recipe("test").split("\n")[0]
    # `make -n` shows what would run without running it: the summary follows the workflow.
    dry = _make("-n", "run", "RUN_LOG=logs/x.log")
    assert "tahsb workflow --cores 2 --log logs/x.log" in dry
    assert "tahsb summary --started" in dry and "--verbose" not in dry
    assert "--verbose" in _make("-n", "run", "VERBOSE=1")
