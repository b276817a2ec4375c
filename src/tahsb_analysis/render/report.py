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

from tahsb_analysis.render.figures import TIMELINE_FIGURE
from tahsb_analysis.render.tables import (
    STATISTIC_LABELS,
    SYNTHETIC_BANNER,
    RenderedTable,
    output_title,
    render_table,
    table_to_html_fragment,
    tier_banner,
    tier_of,
)
from tahsb_analysis.render.writers import _HTML_STYLE
from tahsb_analysis.results.schema import NOT_CHECKED, RELEASED, SUPPRESSED, validate_results
from tahsb_analysis.vocabulary import (
    EFFECT_STATISTICS,
    INTERNAL_TIER,
    RELEASE_TIER,
    TEST_STATISTICS,
)
from tahsb_analysis.vocabulary import ODDS_RATIO as ODDS_RATIO_STATISTIC
from tahsb_analysis.vocabulary import ODDS_RATIO_FIRTH as FIRTH_STATISTIC

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


# --- the cohort comparison page (issue #8) -------------------------------------------------------
# Imported here rather than at the top so that the study report's code above is left as it was;
# comparison.py imports nothing from this module, so there is no cycle.
from dataclasses import replace as _replace  # noqa: E402

from tahsb_analysis.compare import cohorts as _comparison  # noqa: E402
from tahsb_analysis.render.comparison_figures import item_label as _item_label  # noqa: E402
from tahsb_analysis.render.tables import (  # noqa: E402
    NOT_AVAILABLE,
    SUPPRESSED_MARKER,
    ci_label,
    format_ci,
    format_number,
    format_odds_ratio,
    format_p_cell,
)

COMPARISON_TEMPLATE = "comparison_report.html.j2"
COMPARISON_TITLE = "Technology-assisted harmful sexual behaviour: cohort comparison"
COMPARISON_INTROS = {
    "prevalence": "Shares of all children assessed with TA-HSB only, dual HSB, offline HSB only "
                  "and any TA-HSB, overall and by sex, age band and learning disability.",
    "range": "Forms of TA-HSB, the number of forms per child, TA-HSB aimed at another person "
             "and the sub-groups of dual children.",
    "characteristics": "Backgrounds and characteristics within each HSB group; ages as "
                       "differences in means.",
    "links": "Which behaviour came first, pornography as a trigger, the onset gap, age at first "
             "HSB and the sequence of behaviours, among dual children.",
    "responses": "Professional responses within each HSB group.",
    "other": "Outputs no section of this page names.",
}
COMPARISON_HEADER = [
    "Compared statistic", "Cohorts (first vs second)", "Difference (95% CI)",
    "Odds ratio (95% CI)", "Test", "p", "p adj.", "n/N (both cohorts)",
]
COMPARISON_SUPPRESSED_NOTE = (
    "[c] Computed from a suppressed count: a value of either cohort was hidden by disclosure "
    "control, so the comparison is hidden too."
)
PUBLISHED_KIND = "published (aggregate figures only)"
SERVICE_KIND = "service cohort (results table)"
_TEST_CELLS = {"chi2": "chi-squared = {value}", "welch_t": "Welch t = {value}"}
_TEST_NAMES = {"fisher_exact": "Fisher's exact", "not_tested": "not tested"}


def _na(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def _pair_cohorts(pair) -> list[str]:
    return str(pair).split(_comparison.PAIR_SEPARATOR)


def _difference_cell(row) -> str:
    if row is None:
        return NOT_AVAILABLE
    if row["disclosure"] == SUPPRESSED:
        return SUPPRESSED_MARKER
    if _na(row["estimate"]):
        return NOT_AVAILABLE
    if row["statistic"] == _comparison.RISK_DIFFERENCE:
        text = f"{format_number(float(row['estimate']) * 100, 1)} pp"
        limits = format_ci(row["ci_low"], row["ci_high"])
    else:
        digits = 1 if row["unit"] == "years" else 2
        unit = f" {row['unit']}" if not _na(row["unit"]) else ""
        text = f"{format_number(row['estimate'], digits)}{unit}"
        limits = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=digits)
    return text if limits == NOT_AVAILABLE else f"{text} ({limits})"


def _odds_ratio_cell(row) -> str:
    if row is None:
        return ""
    if row["disclosure"] == SUPPRESSED:
        return SUPPRESSED_MARKER
    return format_odds_ratio(row["estimate"], row["ci_low"], row["ci_high"])


def _test_cells(row) -> list[str]:
    if row is None:
        return [NOT_AVAILABLE] * 3
    if row["disclosure"] == SUPPRESSED:
        return [SUPPRESSED_MARKER] * 3
    statistic = str(row["statistic"])
    if statistic in _TEST_CELLS and not _na(row["estimate"]):
        name = _TEST_CELLS[statistic].format(value=format_number(row["estimate"], 2))
    else:
        name = _TEST_NAMES.get(statistic, STATISTIC_LABELS.get(statistic, statistic))
    return [name, format_p_cell(row["p_value"]), format_p_cell(row["p_adjusted"])]


def _count_cell(row) -> str:
    if row is None or row["disclosure"] == SUPPRESSED:
        return SUPPRESSED_MARKER
    if _na(row["n"]) or _na(row["denominator"]):
        return NOT_AVAILABLE
    if row["statistic"] == _comparison.MEAN_DIFFERENCE:
        return f"n = {int(row['n'])}"
    return f"{int(row['n'])}/{int(row['denominator'])}"


def comparison_table(comparison: pd.DataFrame, section: str) -> RenderedTable:
    """The comparison rows of one section of the page as a table: one line per compared
    statistic and pair of cohorts (difference with CI, odds ratio with CI, test, p, Holm-adjusted
    p, n/N of both cohorts), with the methods, warnings and suppression as footnotes."""
    in_section = comparison["output"].map(_comparison.section_of).eq(section)
    rows = comparison[in_section.to_numpy(dtype=bool)]
    lines: dict[tuple, dict] = {}
    for _, row in rows.iterrows():
        key = (str(row["cohort"]),
               *(None if _na(row[c]) else str(row[c]) for c in _comparison.KEY_COLUMNS))
        line = lines.setdefault(key, {"label": _item_label(row), "pair": str(row["cohort"])})
        statistic = str(row["statistic"])
        if statistic in (_comparison.RISK_DIFFERENCE, _comparison.MEAN_DIFFERENCE):
            line["difference"] = row
        elif statistic == _comparison.ODDS_RATIO:
            line["odds_ratio"] = row
        else:
            line["test"] = row
    table_rows, warnings = [], {}
    for line in lines.values():
        table_rows.append([
            line["label"], line["pair"], _difference_cell(line.get("difference")),
            _odds_ratio_cell(line.get("odds_ratio")), *_test_cells(line.get("test")),
            _count_cell(line.get("difference")),
        ])
        for part in ("difference", "odds_ratio", "test"):
            row = line.get(part)
            if row is not None and not _na(row["warning"]):
                where = f"{line['label']}, {line['pair']}"
                for text in str(row["warning"]).split("; "):
                    places = warnings.setdefault(text, [])
                    if where not in places:
                        places.append(where)
    methods = list(dict.fromkeys(str(m) for m in rows["method"].dropna()))
    footnotes = [
        "Differences are first cohort minus second: risk differences in percentage points (pp), "
        "differences in means in the variable's unit. The cohorts are assumed independent (no "
        "child in both).",
        "Methods: " + "; ".join(methods) + "." if methods else "No comparison in this section.",
        "p adj.: Holm adjustment across all tests of each pair of cohorts (every section).",
    ]
    footnotes += [f"Warning: {text} ({'; '.join(places)})." for text, places in warnings.items()]
    if rows["disclosure"].eq(SUPPRESSED).any():
        footnotes.append(COMPARISON_SUPPRESSED_NOTE)
    title = _comparison.SECTION_TITLES.get(section, section)
    # The headers name the interval the rows used ("95% CI" unless another confidence was set).
    interval = ci_label(rows["method"].iloc[0]) if len(rows) else "95% CI"
    header = [h.replace("95% CI", interval) for h in COMPARISON_HEADER]
    return RenderedTable(
        title=f"{title}: comparisons between cohorts",
        header=header,
        rows=table_rows,
        footnotes=footnotes,
        synthetic=bool(rows["synthetic"].fillna(False).any()),
        output=f"comparison_{section}",
        tier=tier_of(rows) if len(rows) else tier_of(comparison),
    )


def side_by_side_table(side_by_side: pd.DataFrame, *, tier: str, synthetic: bool
                       ) -> RenderedTable:
    """The replication verdicts of several cohorts (`comparison.replication_side_by_side`)
    as a table: finding, published value, then one verdict column per cohort."""
    cohorts = [c for c in side_by_side.columns if c not in _comparison.SIDE_BY_SIDE_COLUMNS]
    rows = [
        [f"{r['finding']}: {r['claim']}", str(r["published"]),
         *("not evaluated" if _na(r[c]) else str(r[c]) for c in cohorts)]
        for _, r in side_by_side.iterrows()
    ]
    footnotes = [
        "The overall verdict of each published finding of Hollis and Belton (2017) on each "
        "cohort: consistent, not consistent, or insufficient data (a row the check needs is "
        "absent, suppressed or empty). The parts of each verdict are in each cohort's own "
        "replication table.",
    ]
    if synthetic:
        footnotes.append("A SYNTHETIC cohort was generated to match the published findings: "
                         "its consistency holds by construction.")
    return RenderedTable(
        title="Published findings checked on each cohort",
        header=["Finding", "Published", *cohorts],
        rows=rows,
        footnotes=footnotes,
        synthetic=synthetic,
        output="replication_side_by_side",
        tier=tier,
    )


def _published_source(label: str, meta: Mapping) -> dict:
    figures = []
    for figure in meta.get("figures") or []:
        if figure.get("comparable"):
            target = figure.get("maps_to") or {}
            shown = ", ".join(f"{k} {v}" for k, v in target.items() if v is not None)
            use = f"compared with the results row {shown}"
            if figure.get("note"):
                use += f". {figure['note']}"
        else:
            use = f"not compared: {figure.get('reason', 'no reason given')}"
        figures.append({"wording": str(figure.get("wording", "")),
                        "measure": str(figure.get("measure", "")), "use": use})
    return {
        "label": label,
        "citation": str(meta.get("citation", label)),
        "full_reference": meta.get("full_reference"),
        "reference_note": meta.get("reference_note"),
        "setting": meta.get("setting"),
        "population": meta.get("population"),
        "not_encoded": meta.get("not_encoded"),
        "figures": figures,
    }


def _cohort_line(label: str, meta: Mapping) -> list[str]:
    published = "citation" in meta
    kind = PUBLISHED_KIND if published else SERVICE_KIND
    if published:
        about = f"{meta['citation']}: {meta.get('population', '')}".rstrip(": ")
    else:
        sources = meta.get("sources") or {}
        about = "; ".join(f"{table}: {_plain_text(s.get('rows'))} rows"
                          for table, s in sorted(sources.items()) if isinstance(s, Mapping))
    synthetic = "yes (SYNTHETIC)" if meta.get("synthetic") else "no"
    return [label, kind, synthetic, about]


def _comparison_methods(comparison: pd.DataFrame) -> list[dict]:
    counts = comparison.groupby(["statistic", "method"], sort=True).size()
    methods: dict[str, dict] = {}
    for (statistic, method), rows in counts.items():
        entry = methods.setdefault(str(method), {"method": str(method), "statistics": set(),
                                                 "rows": 0})
        entry["statistics"].add(STATISTIC_LABELS.get(statistic, str(statistic).replace("_", " ")))
        entry["rows"] += int(rows)
    return [{**m, "statistics": ", ".join(sorted(m["statistics"]))}
            for m in sorted(methods.values(), key=lambda m: m["method"].lower())]


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


def _comparison_provenance_context(provenance: Mapping | None) -> dict | None:
    if provenance is None:
        return None
    git = provenance.get("git") or {}
    if git.get("dirty") is None:
        tree = "unknown"
    else:
        tree = "uncommitted changes" if git["dirty"] else "clean (matches the commit)"
    return {
        "inputs": [[_plain_text(i.get(k)) for k in ("cohort", "table", "file", "rows", "sha256")]
                   for i in provenance.get("inputs") or []],
        "packages": [[p["name"], p["version"]] for p in provenance.get("packages") or []],
        "commit": git.get("commit") or git.get("note") or GIT_NOT_RECORDED,
        "working_tree": tree,
        "config_yaml": config_to_yaml(provenance["config"]) if provenance.get("config") else "",
    }


def build_comparison_report(
    comparison: pd.DataFrame,
    *,
    side_by_side: pd.DataFrame,
    figures: Mapping[str, Path],
    cohorts: Mapping[str, Mapping],
    provenance: Mapping | None = None,
) -> str:
    """The cohort comparison as one self-contained HTML page (inline CSS, figures as data:
    URIs, nothing fetched from outside).

    Parameters
    ----------
    comparison
        Rows of `comparison.compare_cohorts` (results schema). Their tier (`tables.tier_of`)
        gives the tier banner; any synthetic row gives the SYNTHETIC banner.
    side_by_side
        `comparison.replication_side_by_side` of the same cohorts' evaluations (of the same
        tier as `comparison`).
    figures
        Section id (keys of `comparison.SECTION_TITLES`) -> PNG of its forest plot, with
        `<stem>.alt.txt` and `<stem>.caption.txt` beside it (`figures.write_figure`).
    cohorts
        Cohort label -> metadata: a service cohort's validated/cohort.json, or a published
        cohort's entry of `comparison.load_published_cohorts()` (recognised by its
        `citation`; listed under "Sources" with every figure, compared or not, and why).
        Every cohort of every compared pair must be here.
    provenance
        From `collect_comparison_provenance`, or None (the section then says so).

    Raises ReportError when a pair's cohort is not described, a figure's section is unknown
    or a figure file is missing. The same inputs give the same page, byte for byte.
    """
    validate_results(comparison)
    pair_cohorts = list(dict.fromkeys(
        c for pair in comparison["cohort"].astype(str) for c in _pair_cohorts(pair)))
    missing = [c for c in pair_cohorts if c not in cohorts]
    if missing:
        raise ReportError(
            f"cohort(s) {missing} are compared but not described in `cohorts`; pass each "
            "cohort's validated/cohort.json or its published-cohort entry"
        )
    unknown = sorted(set(figures) - set(_comparison.SECTION_TITLES))
    if unknown:
        raise ReportError(
            f"figure(s) {unknown} name no section of the comparison page; use the section ids "
            f"{list(_comparison.SECTION_TITLES)}"
        )
    tier = tier_of(comparison)
    synthetic = (bool(comparison["synthetic"].fillna(False).any())
                 or any(bool(m.get("synthetic")) for m in cohorts.values()))
    read = {}
    for section, path in sorted(figures.items()):
        figure = read_figure(section, path)
        read[section] = _replace(
            figure, title=f"Risk differences between cohorts: "
                          f"{_comparison.SECTION_TITLES[section].lower()}")
    present = set(comparison["output"].astype(str).map(_comparison.section_of))
    sections = []
    for section, title in _comparison.SECTION_TITLES.items():
        if section == _comparison.OTHER_SECTION and section not in present | set(read):
            continue
        has_rows = section in present
        sections.append({
            "id": f"section-{section}",
            "title": title,
            "intro": COMPARISON_INTROS.get(section, ""),
            "figure": read.get(section),
            "figure_id": _anchor("figure", f"comparison_{section}"),
            "table": (Markup(table_to_html_fragment(comparison_table(comparison, section)))
                      if has_rows else None),
            "table_id": _anchor("table", f"comparison_{section}"),
        })
    states = comparison["disclosure"].astype(str).value_counts()
    warned = comparison["warning"].str.contains("differencing:", regex=False).fillna(False)
    banners = [tier_banner(tier)] + ([SYNTHETIC_BANNER] if synthetic else [])
    context = {
        "page_title": " | ".join([*banners, COMPARISON_TITLE]),
        "report_title": COMPARISON_TITLE,
        "style": _HTML_STYLE,
        "tier": tier,
        "tier_banner": tier_banner(tier),
        "internal": tier == INTERNAL_TIER,
        "synthetic": synthetic,
        "synthetic_banner": SYNTHETIC_BANNER,
        "citation": STUDY_CITATION,
        "pairs": list(dict.fromkeys(comparison["cohort"].astype(str))),
        "cohort_header": ["Cohort", "Kind", "Synthetic", "Description"],
        "cohort_lines": [_cohort_line(str(label), meta) for label, meta in cohorts.items()],
        "sources": [_published_source(str(label), meta) for label, meta in cohorts.items()
                    if "citation" in meta],
        "n_rows": len(comparison),
        "n_released": int(states.get(RELEASED, 0)),
        "n_suppressed": int(states.get(SUPPRESSED, 0)),
        "n_not_checked": int(states.get(NOT_CHECKED, 0)),
        "n_differencing": int(warned.sum()),
        "sections": sections,
        "side_by_side": Markup(table_to_html_fragment(
            side_by_side_table(side_by_side, tier=tier, synthetic=synthetic))),
        "methods": _comparison_methods(comparison),
        "provenance": _comparison_provenance_context(provenance),
    }
    return _environment().get_template(COMPARISON_TEMPLATE).render(context)
