"""The study report: one self-contained HTML page per cohort and tier.

Nothing is computed here. The page lays out, in the study's order, the tables rendered from a
cohort's results table (by `tables`), the figures already drawn (PNG embedded as data: URIs),
the replication register, the methods named on the rows, and the provenance of the run, through
one Jinja2 template (templates/study_report.html.j2). The same inputs give a byte-identical page.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata as importlib_metadata
from pathlib import Path

import jinja2
import pandas as pd
import yaml
from markupsafe import Markup

from tahsb_analysis.figures import TIMELINE_FIGURE
from tahsb_analysis.results import NOT_CHECKED, RELEASED, SUPPRESSED, validate_results
from tahsb_analysis.tables import (
    _HTML_STYLE,
    EFFECT_STATISTICS,
    FIRTH_STATISTIC,
    INTERNAL_TIER,
    ODDS_RATIO_STATISTIC,
    RELEASE_TIER,
    STATISTIC_LABELS,
    SYNTHETIC_BANNER,
    TEST_STATISTICS,
    RenderedTable,
    output_title,
    render_table,
    table_to_html_fragment,
    tier_banner,
    tier_of,
)

TEMPLATE = "study_report.html.j2"
REPORT_TITLE = "Technology-assisted harmful sexual behaviour: study report"
STUDY_CITATION = (
    "Hollis, V. and Belton, E. (2017) Children and young people who engage in "
    "technology-assisted harmful sexual behaviour: a study of their behaviours, backgrounds "
    "and characteristics. London: NSPCC (Impact and evidence series)."
)
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
# of the disclosure manifest reach the page, whatever else a manifest entry holds.
SUPPRESSED_CELL_COLUMNS = (
    "output", "variable", "level", "group_variable", "group", "statistic", "reason"
)
# The swimmer plot shows individual children: it may appear on an internal page only.
INTERNAL_ONLY_FIGURES = frozenset({TIMELINE_FIGURE})
# A figure drawn from one output shares its title.
FIGURE_OUTPUTS = {"prevalence": "prevalence_overall", "forms_per_child": "ta_hsb_forms_per_child"}
FIGURE_TITLES = {
    TIMELINE_FIGURE: "Onset timelines of dual children (INTERNAL USE ONLY: individual children)"
}

# Kinds of statistic, for the methods section, in the order they are listed.
PROPORTIONS = "Proportions and their confidence intervals"
SUMMARIES = "Summaries, counts and ranks"
EFFECT_SIZES = "Effect sizes"
TESTS = "Tests"
MODELS = "Models"
OTHER = "Other statistics"
METHOD_KINDS = (PROPORTIONS, SUMMARIES, EFFECT_SIZES, TESTS, MODELS, OTHER)
SUMMARY_STATISTICS = frozenset({"mean", "sd", "median", "q1", "q3", "count", "rank"})
MODEL_STATISTICS = frozenset({ODDS_RATIO_STATISTIC, FIRTH_STATISTIC})


class ReportError(ValueError):
    """The report cannot be built from what was given (the message says what to fix)."""


@dataclass(frozen=True)
class Section:
    """One analysis section of the page: its items are ("table", output) or ("figure", name),
    in the order they are shown."""

    id: str
    title: str
    intro: str
    items: tuple[tuple[str, str], ...]


SECTIONS = (
    Section(
        "prevalence",
        "Prevalence of TA-HSB",
        "How many of all children assessed displayed TA-HSB only, both TA-HSB and offline HSB "
        "(dual), or offline HSB only, overall and by sex, age band and learning disability "
        "(published findings P1, P2).",
        (("table", "prevalence_overall"), ("figure", "prevalence"),
         ("table", "prevalence_by_sex"), ("table", "prevalence_by_age_band"),
         ("table", "prevalence_by_learning_disability")),
    ),
    Section(
        "range",
        "Range of TA-HSB",
        "The forms of TA-HSB in the in-depth sample, how many forms each child displayed, "
        "whether the behaviour was aimed at another person, and the two sub-groups of dual "
        "children (findings R1-R5).",
        (("table", "ta_hsb_types"), ("figure", "ta_hsb_types"),
         ("table", "ta_hsb_forms_per_child"), ("figure", "forms_per_child"),
         ("table", "ta_hsb_aimed_at_other"), ("table", "dual_subgroups")),
    ),
    Section(
        "characteristics",
        "Backgrounds and characteristics",
        "Every background variable of the codebook compared between children with TA-HSB "
        "only, dual HSB and offline HSB only (findings C1-C6).",
        (("table", "characteristics"), ("figure", "characteristics")),
    ),
    Section(
        "links",
        "Links between TA-HSB and offline HSB",
        "Among dual children: which behaviour came first, pornography as a trigger for "
        "offline HSB, the years between them, age at first HSB by group, and the sequence of "
        "behaviours (findings L1-L3, C1).",
        (("table", "onset_order"), ("table", "porn_trigger"), ("table", "onset_gap"),
         ("figure", "onset_gap"), ("table", "first_hsb_age_by_group"),
         ("table", "trajectories"), ("figure", "trajectories"), ("figure", TIMELINE_FIGURE)),
    ),
    Section(
        "responses",
        "Professional responses",
        "Responses of professionals by group, and odds ratios from models adjusted for age "
        "at referral (findings S1-S3).",
        (("table", "responses"), ("figure", "responses"), ("table", "response_models"),
         ("figure", "response_models")),
    ),
)
OTHER_SECTION_ID = "other-outputs"


@dataclass(frozen=True)
class ReportFigure:
    """A figure ready to embed: the PNG as a data: URI, its alt text and caption."""

    name: str
    title: str
    data_uri: str
    alt: str
    caption: str


# --- reading what the page shows ---------------------------------------------------------------


def figure_title(name: str) -> str:
    if name in FIGURE_TITLES:
        return FIGURE_TITLES[name]
    return output_title(FIGURE_OUTPUTS.get(name, name))


def read_figure(name: str, path: Path) -> ReportFigure:
    """The PNG at `path` with `<stem>.alt.txt` (required) and `<stem>.caption.txt` (optional)
    beside it, as written by `figures.write_figure`."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ReportError(f"figure {name!r}: {path} is not a PNG file; give the .png of the figure")
    if not path.is_file():
        raise ReportError(f"figure {name!r}: {path} does not exist; draw the figures first")
    stem = path.with_suffix("")
    alt_path = stem.with_name(f"{stem.name}.alt.txt")
    if not alt_path.is_file():
        raise ReportError(
            f"figure {name!r}: no alt text at {alt_path}; every figure needs one (write it with "
            "figures.write_figure)"
        )
    caption_path = stem.with_name(f"{stem.name}.caption.txt")
    caption = caption_path.read_text(encoding="utf-8").strip() if caption_path.is_file() else ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return ReportFigure(
        name=name,
        title=figure_title(name),
        data_uri=f"data:image/png;base64,{data}",
        alt=alt_path.read_text(encoding="utf-8").strip(),
        caption=caption,
    )


# --- methods -------------------------------------------------------------------------------------


def statistic_kind(statistic: str) -> str:
    """The kind a statistic belongs to in the methods section: "chi2" -> "Tests"."""
    if statistic == "proportion":
        return PROPORTIONS
    if statistic in SUMMARY_STATISTICS:
        return SUMMARIES
    if statistic in EFFECT_STATISTICS:
        return EFFECT_SIZES
    if statistic in TEST_STATISTICS:
        return TESTS
    if statistic in MODEL_STATISTICS:
        return MODELS
    return OTHER


def method_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Every distinct method of the results table, per kind of statistic, with the rows using it.

    Columns: kind, method, statistics (in words, sorted), outputs (sorted), rows. A method
    used for statistics of two kinds is listed under each, so the rows add up to the table's.
    Sorted by kind (METHOD_KINDS order), then method.
    """
    frame = pd.DataFrame({
        "kind": results["statistic"].astype(str).map(statistic_kind),
        "method": results["method"].astype(str),
        "statistic": results["statistic"].astype(str),
        "output": results["output"].astype(str),
    })
    records = []
    for (kind, method), rows in frame.groupby(["kind", "method"], sort=False):
        records.append({
            "kind": kind,
            "method": method,
            "statistics": sorted({STATISTIC_LABELS.get(s, s.replace("_", " "))
                                  for s in rows["statistic"]}),
            "outputs": sorted(set(rows["output"])),
            "rows": len(rows),
        })
    records.sort(key=lambda r: (METHOD_KINDS.index(r["kind"]), r["method"].lower(), r["method"]))
    return pd.DataFrame(records, columns=["kind", "method", "statistics", "outputs", "rows"])


def adjustment_summary(results: pd.DataFrame) -> list[dict]:
    """Each multiplicity adjustment named on the rows: method, p-values adjusted, outputs."""
    adjusted = results[results["p_adjust_method"].notna().to_numpy(dtype=bool)]
    return [
        {"method": str(method), "rows": len(rows), "outputs": sorted(set(rows["output"]))}
        for method, rows in sorted(adjusted.groupby("p_adjust_method"), key=lambda i: str(i[0]))
    ]


def unadjusted_p_values(results: pd.DataFrame) -> int:
    """Rows with a p-value and no multiplicity adjustment."""
    return int((results["p_value"].notna() & results["p_adjust_method"].isna()).sum())


# --- disclosure ----------------------------------------------------------------------------------


def _plain_text(value) -> str:
    """A manifest value in words: None -> "none", True -> "yes", lists and mappings flattened."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{_key_text(k)}: {_plain_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain_text(v) for v in value)
    return str(value)


def _cell_text(value) -> str:
    """A location in the manifest: empty when not given (None, <NA> or NaN)."""
    if value is None or (not isinstance(value, list | tuple | Mapping) and pd.isna(value)):
        return ""
    return _plain_text(value)


def _key_text(key) -> str:
    return str(key).replace("_", " ")


def _pairs(mapping: Mapping) -> list[tuple[str, str]]:
    return [(_key_text(k), _plain_text(v)) for k, v in mapping.items()]


def disclosure_context(disclosure: Mapping) -> dict:
    """The disclosure manifest as the page shows it: every key of the policy and of the
    summary, and the suppressed cells by location and reason only. Other keys of the manifest
    are left out: a cell log beside it would hold values."""
    cells = disclosure.get("suppressed_cells") or []
    return {
        "policy": _pairs(disclosure.get("policy") or {}),
        "summary": _pairs(disclosure.get("summary") or {}),
        "cell_columns": [_key_text(c) for c in SUPPRESSED_CELL_COLUMNS],
        "suppressed_cells": [
            [_cell_text(cell.get(column)) for column in SUPPRESSED_CELL_COLUMNS]
            for cell in cells
        ],
    }


# --- provenance ----------------------------------------------------------------------------------


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


# --- the page ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("tahsb_analysis", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _anchor(kind: str, name: str) -> str:
    return f"{kind}-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


def _output_links(outputs) -> list[tuple[str, str]]:
    """(output, anchor of its table) for in-page links."""
    return [(output, _anchor("table", output)) for output in outputs]


def _table_item(results: pd.DataFrame, output: str) -> dict:
    rendered = render_table(results, output)
    return {"kind": "table", "id": _anchor("table", output), "title": output_title(output),
            "html": Markup(table_to_html_fragment(rendered))}


def _figure_item(figure: ReportFigure) -> dict:
    return {"kind": "figure", "id": _anchor("figure", figure.name), "title": figure.title,
            "figure": figure}


def _sections(results: pd.DataFrame, figures: dict[str, ReportFigure]) -> list[dict]:
    """The analysis sections with what this table and these figures have to show; outputs and
    figures no section names go to a last section of their own, never dropped."""
    present = set(results["output"].astype(str))
    placed_outputs: set[str] = set()
    placed_figures: set[str] = set()
    sections = []
    for section in SECTIONS:
        items, absent = [], []
        for kind, name in section.items:
            if kind == "table":
                placed_outputs.add(name)
                if name in present:
                    items.append(_table_item(results, name))
                else:
                    absent.append(output_title(name))
            else:
                placed_figures.add(name)
                if name in figures:
                    items.append(_figure_item(figures[name]))
        sections.append({"id": section.id, "title": section.title, "intro": section.intro,
                         "items": items, "absent": absent})
    other_outputs = sorted(present - placed_outputs)
    other_figures = sorted(set(figures) - placed_figures)
    if other_outputs or other_figures:
        items = [_table_item(results, o) for o in other_outputs]
        items += [_figure_item(figures[f]) for f in other_figures]
        sections.append({"id": OTHER_SECTION_ID, "title": "Other outputs",
                         "intro": "Outputs of the results table that no section of the study "
                                  "report names.", "items": items, "absent": []})
    return sections


def _check_provenance(provenance: Mapping, cohort: str, synthetic: bool) -> None:
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


def build_report(
    results: pd.DataFrame,
    *,
    figures: Mapping[str, Path] | None = None,
    replication: RenderedTable | None = None,
    disclosure: Mapping | None = None,
    provenance: Mapping,
) -> str:
    """One cohort's study report as a self-contained HTML page (inline CSS, figures as data:
    URIs, nothing fetched from outside).

    Parameters
    ----------
    results
        One cohort's results table (schema in `results.py`). Its tier (`tables.tier_of`) and
        SYNTHETIC flag are stated in the title and at the top of the page and on every table.
    figures
        Figure name -> PNG path, each with `<stem>.alt.txt` and `<stem>.caption.txt` beside it.
        A figure not given is not shown.
    replication
        The replication register as a rendered table, or None ("not evaluated").
    disclosure
        The disclosure manifest ({"policy": {...}, "summary": {...}, "suppressed_cells":
        [...]}): policy, summary and the location and reason of each suppressed cell are
        shown, never a value. Required for the release tier.
    provenance
        From `collect_provenance`.

    Raises ReportError when the inputs do not fit together: several cohorts, provenance of
    another cohort, or a release-tier page given the individual-level swimmer plot, an internal
    replication table, or no disclosure manifest. The same inputs give the same page, byte for
    byte.
    """
    validate_results(results)
    if results.empty:
        raise ReportError("the results table is empty: there is nothing to report")
    cohorts = sorted(results["cohort"].astype(str).unique())
    if len(cohorts) > 1:
        raise ReportError(
            f"the results table holds several cohorts ({', '.join(cohorts)}); build one report "
            "per cohort"
        )
    cohort = cohorts[0]
    synthetic = bool(results["synthetic"].fillna(False).any())
    tier = tier_of(results)
    _check_provenance(provenance, cohort, synthetic)
    figures = dict(figures or {})
    if tier == RELEASE_TIER:
        internal = sorted(INTERNAL_ONLY_FIGURES & set(figures))
        if internal:
            raise ReportError(
                f"figure(s) {internal} show individual children and may not appear in a "
                "release-tier report; leave them out of `figures`"
            )
        if disclosure is None:
            raise ReportError(
                "a release-tier report must show its disclosure policy: pass the disclosure "
                "manifest as `disclosure`"
            )
        if replication is not None and replication.tier != RELEASE_TIER:
            raise ReportError(
                "the replication table was rendered from rows not checked for release; render "
                "it from the released results table"
            )
    read = {name: read_figure(name, figures[name]) for name in sorted(figures)}

    states = results["disclosure"].astype(str).value_counts()
    config_yaml = config_to_yaml(provenance["config"])
    banners = [tier_banner(tier)] + ([SYNTHETIC_BANNER] if synthetic else [])
    context = {
        "page_title": " | ".join([*banners, f"{REPORT_TITLE}, cohort {cohort}"]),
        "report_title": REPORT_TITLE,
        "style": _HTML_STYLE,
        "tier": tier,
        "tier_banner": tier_banner(tier),
        "internal": tier == INTERNAL_TIER,
        "synthetic": synthetic,
        "synthetic_banner": SYNTHETIC_BANNER,
        "cohort": cohort,
        "citation": STUDY_CITATION,
        "n_rows": len(results),
        "n_released": int(states.get(RELEASED, 0)),
        "n_suppressed": int(states.get(SUPPRESSED, 0)),
        "n_not_checked": int(states.get(NOT_CHECKED, 0)),
        "sections": _sections(results, read),
        "replication": (Markup(table_to_html_fragment(replication))
                        if replication is not None else None),
        "methods": _methods_context(results),
        "adjustments": [{**a, "outputs": _output_links(a["outputs"])}
                        for a in adjustment_summary(results)],
        "n_unadjusted": unadjusted_p_values(results),
        "disclosure": disclosure_context(disclosure) if disclosure is not None else None,
        "provenance": _provenance_context(provenance, config_yaml),
    }
    return _environment().get_template(TEMPLATE).render(context)


def _methods_context(results: pd.DataFrame) -> list[dict]:
    summary = method_summary(results)
    return [
        {"kind": kind,
         "methods": [
             {"method": r.method, "statistics": ", ".join(r.statistics),
              "outputs": _output_links(r.outputs), "rows": r.rows}
             for r in summary[summary["kind"].eq(kind)].itertuples()
         ]}
        for kind in METHOD_KINDS if summary["kind"].eq(kind).any()
    ]


def _provenance_context(provenance: Mapping, config_yaml: str) -> dict:
    git = provenance["git"]
    if git.get("dirty") is None:
        tree = "unknown"
    else:
        tree = "uncommitted changes" if git["dirty"] else "clean (matches the commit)"
    return {
        "codebook_version": _plain_text(provenance["codebook_version"]),
        "inputs": [[_plain_text(i.get(k)) for k in ("table", "file", "rows", "sha256")]
                   for i in provenance["inputs"]],
        "packages": [[p["name"], p["version"]] for p in provenance["packages"]],
        "commit": git.get("commit") or git.get("note") or NOT_A_GIT_CHECKOUT,
        "working_tree": tree,
        "seeds": [[s["name"], _plain_text(s["value"])] for s in provenance["seeds"]],
        "config_yaml": config_yaml,
    }


def write_report(html: str, path: Path) -> None:
    """Write the page as UTF-8 with the line endings it has (byte-identical across runs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(html)
