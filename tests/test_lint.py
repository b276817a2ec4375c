"""`snakemake --lint` finds nothing to fix in the workflow.

One lint is accepted on purpose: "Specify a conda environment or container for each rule". This
project installs with pip from PyPI into one virtual environment (no conda channels are
reachable where it is developed and tested), and every rule runs the same package, so a
per-rule conda file would document nothing that pyproject.toml does not.
"""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ACCEPTED_LINTS = {"Specify a conda environment or container for each rule."}


def lint_titles(output: str) -> list[str]:
    return re.findall(r"^\s+\* (.+?):?$", output, flags=re.MULTILINE)


def test_lint_titles_are_parsed_from_snakemake_text_output():
    sample = (
        "Lints for rule x (line 4, f.smk):\n    * Mixed rules and functions in same snakefile.:\n"
        "      body text\n"
    )
    assert lint_titles(sample) == ["Mixed rules and functions in same snakefile."]


def test_snakemake_lint_reports_only_the_accepted_lints():
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint", "--cores", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    titles = set(lint_titles(result.stdout + result.stderr))
    assert titles <= ACCEPTED_LINTS, result.stdout + result.stderr
    assert "Error" not in result.stderr
