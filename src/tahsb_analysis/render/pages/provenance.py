"""The provenance section of the pages: where the numbers come from (input files with their
SHA-256, the config, package versions, the git commit and whether the working tree matched it,
and the seeds of the random parts), collected as plain data and laid out for the templates.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from importlib import metadata as importlib_metadata
from pathlib import Path

import yaml

from tahsb_analysis.render.pages.page import ReportError, plain_text

# Packages whose versions can change a number or a picture in the report.
KEY_PACKAGES = (
    "tahsb-analysis",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "snakemake",
    "firthmodels",
    "jinja2",
)
NOT_INSTALLED = "not installed"
NOT_A_GIT_CHECKOUT = "not a git checkout"
GIT_NOT_AVAILABLE = "git not available"
GIT_NOT_RECORDED = "not recorded (no repository directory given)"
# Seeds of the random parts of the analyses, and where config.yaml keeps them.
CONFIG_SEEDS = (
    ("exact test (Fisher-Freeman-Halton, Monte Carlo p-value)", ("exact_test", "seed")),
    ("bootstrap CI of the mean onset gap", ("links", "bootstrap_seed")),
)
PROVENANCE_KEYS = (
    "cohort", "synthetic", "codebook_version", "inputs", "config", "packages", "git", "seeds"
)
# A suppressed cell is described by where it is and why, never by its value: only these keys


def _plain(value):
    """`value` with every mapping a dict and every sequence a list (YAML- and JSON-safe)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _ConfigDumper(yaml.SafeDumper):
    """Block mappings as in config.yaml, and a list of plain values on one line: [5, 12, 15]."""


def _represent_list(dumper: yaml.SafeDumper, value: list):
    flow = all(not isinstance(v, dict | list) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_ConfigDumper.add_representer(list, _represent_list)


def config_to_yaml(config: Mapping) -> str:
    """The config as YAML, keys in the order given (as in config.yaml)."""
    return yaml.dump(_plain(config), Dumper=_ConfigDumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=100)


def package_versions(packages=KEY_PACKAGES) -> list[dict]:
    versions = []
    for name in packages:
        try:
            version = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            version = NOT_INSTALLED
        versions.append({"name": name, "version": version})
    return versions


def _git(repo_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # --no-optional-locks: reading the state must not take the index lock of a busy checkout.
    return subprocess.run(
        ["git", "--no-optional-locks", *args],
        cwd=repo_dir, capture_output=True, text=True, check=False, timeout=60,
    )


def git_state(repo_dir: Path | None) -> dict:
    """{"commit": sha or None, "dirty": bool or None, "note": why the commit is unknown}.

    Only whether the working tree differs from the commit is kept, not which files.
    """
    if repo_dir is None:
        return {"commit": None, "dirty": None, "note": GIT_NOT_RECORDED}
    if not Path(repo_dir).is_dir():
        return {"commit": None, "dirty": None, "note": NOT_A_GIT_CHECKOUT}
    try:
        head = _git(Path(repo_dir), "rev-parse", "HEAD")
        if head.returncode != 0:
            return {"commit": None, "dirty": None, "note": NOT_A_GIT_CHECKOUT}
        status = _git(Path(repo_dir), "status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None, "note": GIT_NOT_AVAILABLE}
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return {"commit": head.stdout.strip(), "dirty": dirty, "note": None}


def config_seeds(config: Mapping, seeds: Mapping[str, int] | None = None) -> list[dict]:
    """The seeds of the run: those config.yaml sets, then `seeds` (which win on a name clash)."""
    found: dict[str, int] = {}
    for name, keys in CONFIG_SEEDS:
        value = config
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            found[name] = value
    for name in sorted(seeds or {}):
        found[name] = seeds[name]
    return [{"name": name, "value": value} for name, value in found.items()]


def collect_provenance(
    *,
    cohort_metadata: Mapping,
    config: Mapping,
    seeds: Mapping[str, int] | None = None,
    repo_dir: Path | None = None,
) -> dict:
    """Where the report's numbers come from: input files with their SHA-256 (from the
    cohort's validated/cohort.json), the config, package versions, git commit and seeds.

    The result holds plain data only (JSON-serialisable), so it can be saved beside the page.
    Raises ReportError when the metadata lacks the cohort or its input files.
    """
    sources = cohort_metadata.get("sources")
    if "cohort" not in cohort_metadata or not isinstance(sources, Mapping) or not sources:
        raise ReportError(
            "cohort metadata must name the cohort and its input files ('cohort' and 'sources', "
            "as in results/<cohort>/validated/cohort.json); got keys "
            f"{sorted(map(str, cohort_metadata))}"
        )
    inputs = [
        {"table": str(table), "file": source.get("file"), "rows": source.get("rows"),
         "sha256": source.get("sha256")}
        for table, source in sorted(sources.items())
    ]
    return {
        "cohort": str(cohort_metadata["cohort"]),
        "synthetic": bool(cohort_metadata.get("synthetic", False)),
        "codebook_version": cohort_metadata.get("codebook_version"),
        "inputs": inputs,
        "config": _plain(config),
        "packages": package_versions(),
        "git": git_state(repo_dir),
        "seeds": config_seeds(config, seeds),
    }


def check_provenance(provenance: Mapping, cohort: str, synthetic: bool) -> None:
    """Raise ReportError unless `provenance` is complete and of this cohort and its kind."""
    missing = [k for k in PROVENANCE_KEYS if k not in provenance]
    if missing:
        raise ReportError(
            f"provenance lacks {missing}; build it with collect_provenance(...)"
        )
    if str(provenance["cohort"]) != cohort:
        raise ReportError(
            f"provenance describes cohort {provenance['cohort']!r} but the results table is of "
            f"cohort {cohort!r}; pass that cohort's validated/cohort.json"
        )
    if bool(provenance["synthetic"]) != synthetic:
        raise ReportError(
            f"cohort {cohort!r}: the results table says synthetic={synthetic} but its metadata "
            f"says synthetic={bool(provenance['synthetic'])}; rerun the workflow for this cohort"
        )


def _working_tree(git: Mapping) -> str:
    if git.get("dirty") is None:
        return "unknown"
    return "uncommitted changes" if git["dirty"] else "clean (matches the commit)"


def provenance_context(provenance: Mapping) -> dict:
    """The study page's provenance section (`collect_provenance`) in words."""
    git = provenance["git"]
    return {
        "codebook_version": plain_text(provenance["codebook_version"]),
        "inputs": [[plain_text(i.get(k)) for k in ("table", "file", "rows", "sha256")]
                   for i in provenance["inputs"]],
        "packages": [[p["name"], p["version"]] for p in provenance["packages"]],
        "commit": git.get("commit") or git.get("note") or NOT_A_GIT_CHECKOUT,
        "working_tree": _working_tree(git),
        "seeds": [[s["name"], plain_text(s["value"])] for s in provenance["seeds"]],
        "config_yaml": config_to_yaml(provenance["config"]),
    }


def collect_comparison_provenance(
    *, config: Mapping | None = None, repo_dir: Path | None = None,
    cohort_metadata: Mapping[str, Mapping] | None = None,
) -> dict:
    """Provenance of a comparison page: package versions, git state, the config and each
    service cohort's input files with SHA-256 (from its validated/cohort.json)."""
    inputs = []
    for label, meta in sorted((cohort_metadata or {}).items()):
        for table, source in sorted((meta.get("sources") or {}).items()):
            inputs.append({"cohort": str(label), "table": str(table), "file": source.get("file"),
                           "rows": source.get("rows"), "sha256": source.get("sha256")})
    return {
        "inputs": inputs,
        "config": _plain(config or {}),
        "packages": package_versions(),
        "git": git_state(repo_dir),
    }


def comparison_provenance_context(provenance: Mapping | None) -> dict | None:
    """The comparison page's provenance section (`collect_comparison_provenance`) in words;
    None when no provenance was given."""
    if provenance is None:
        return None
    git = provenance.get("git") or {}
    return {
        "inputs": [[plain_text(i.get(k)) for k in ("cohort", "table", "file", "rows", "sha256")]
                   for i in provenance.get("inputs") or []],
        "packages": [[p["name"], p["version"]] for p in provenance.get("packages") or []],
        "commit": git.get("commit") or git.get("note") or GIT_NOT_RECORDED,
        "working_tree": _working_tree(git),
        "config_yaml": config_to_yaml(provenance["config"]) if provenance.get("config") else "",
    }
