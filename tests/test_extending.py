"""docs/extending.md, followed to the letter in a temporary copy of the project.

The analysis module and the registry entries are taken from the page's own code blocks, so a
recipe that no longer works fails here: the new output must reach the internal and the release
results table, a rendered table in each tier, and both tiers' study pages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import build_cohort, copy_project, valid_frames

REPO = Path(__file__).resolve().parents[1]
RECIPE = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")
COHORT = "synthetic-ttp-2015"
OUTPUT = "referral_age_by_sex"
TITLE = "Age at referral by sex"


def code_block(language: str, first_line: str) -> str:
    """The page's fenced `language` block whose first line is `first_line`."""
    blocks = re.findall(rf"```{language}\n(.*?)```", RECIPE, flags=re.DOTALL)
    matching = [block for block in blocks if block.startswith(first_line)]
    assert len(matching) == 1, f"docs/extending.md has no single block starting {first_line!r}"
    return matching[0]


MODULE = code_block("python", "# src/tahsb_analysis/analyses/referral_age.py")
REGISTRY_ENTRY = yaml.safe_load(code_block("yaml", "analyses:"))


def follow_recipe(project: Path) -> None:
    """Steps 1 and 2 of the recipe in `project` (a copy with its own src/)."""
    package = project / "src" / "tahsb_analysis"
    (package / "analyses" / "referral_age.py").write_text(MODULE, encoding="utf-8")
    path = package / "data" / "outputs.yaml"
    registry = yaml.safe_load(path.read_text(encoding="utf-8"))
    registry["analyses"].update(REGISTRY_ENTRY["analyses"])
    registry["outputs"] += REGISTRY_ENTRY["outputs"]
    path.write_text(yaml.safe_dump(registry, sort_keys=False), encoding="utf-8")


def test_the_recipe_counts_four_places_with_a_figure():
    steps = re.findall(r"^### (\d)\. ", RECIPE, flags=re.MULTILINE)
    assert steps == ["1", "2", "3", "4"]


def test_the_recipes_analysis_gives_group_sizes_and_a_rank_test_on_a_small_cohort(tmp_path):
    # The module as the page shows it, imported from a file.
    module_path = tmp_path / "referral_age.py"
    module_path.write_text(MODULE, encoding="utf-8")
    namespace: dict = {}
    exec(compile(MODULE, str(module_path), "exec"), namespace)  # noqa: S102 - the page's code
    cohort = build_cohort(tmp_path / "cohort", valid_frames())
    rows = namespace["referral_age_by_sex"](cohort)
    assert set(rows["output"]) == {OUTPUT}
    sizes = rows[rows["statistic"].eq("group_size")].set_index("group")["n"]
    cases = cohort.cases
    # Hand count from the cohort frame: children of each sex, and both together.
    boys = int(cases["sex"].eq("male").sum())
    girls = int(cases["sex"].eq("female").sum())
    assert sizes.to_dict() == {"male": boys, "female": girls, "all": boys + girls}
    assert rows["statistic"].eq("mann_whitney_u").any()


@pytest.mark.workflow
def test_an_output_added_by_the_recipe_reaches_both_tiers_tables_and_pages(tmp_path):
    project = copy_project(tmp_path / "project")
    shutil.copytree(REPO / "src", project / "src",
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    config_path = project / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["cohorts"] = {COHORT: config["cohorts"][COHORT]}
    config["comparison"] = {"reference": COHORT, "published_cohorts": []}
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    follow_recipe(project)

    internal = Path("results/internal") / COHORT
    release = Path("results/release") / COHORT
    targets = [internal / "tables" / f"{OUTPUT}.md", release / "tables" / f"{OUTPUT}.md",
               internal / "report.html", release / "report.html", release / "manifest.json"]
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *map(str, targets)],
        cwd=project, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]

    for tier in (internal, release):
        results = pd.read_csv(project / tier / "results_table.csv")
        rows = results[results["output"].eq(OUTPUT)]
        assert len(rows) > 0 and set(rows["analysis"]) == {"referral_age"}
        assert (project / tier / "tables" / f"{OUTPUT}.md").read_text().count(TITLE) >= 1
        assert TITLE in (project / tier / "report.html").read_text(encoding="utf-8")
    released = pd.read_csv(project / release / "results_table.csv")
    assert set(released.loc[released["output"].eq(OUTPUT), "disclosure"]) <= {
        "released", "suppressed"}
    assert f"tables/{OUTPUT}.md" in (project / release / "manifest.json").read_text()
