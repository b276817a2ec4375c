# Helpers shared by every rules file (input functions, target lists); no analysis logic.
from pathlib import Path

from tahsb_analysis.input.codebook import default_codebook_path
from tahsb_analysis.registry import load_registry, write_report_caption

TABLES = ["cases", "case_file", "behaviours"]
# The two tiers of outputs. Internal: everything, for the analyst's machine only. Release: only
# what passed the disclosure gate (workflow/rules/release.smk).
INTERNAL = "results/internal/{cohort}"
RELEASE = "results/release/{cohort}"
INTERNAL_COMPARISON = "results/internal/comparison"
RELEASE_COMPARISON = "results/release/comparison"
COMPARISON = config.get("comparison", {})
# Cohorts in comparison order: the reference first, then the others as listed.
REFERENCE_COHORT = COMPARISON.get("reference") or next(iter(config["cohorts"]))
if REFERENCE_COHORT not in config["cohorts"]:
    raise ValueError(
        f"config.yaml: comparison.reference is {REFERENCE_COHORT!r}, which is not one of the "
        f"cohorts {sorted(config['cohorts'])}"
    )
COMPARED_COHORTS = [REFERENCE_COHORT] + [c for c in config["cohorts"] if c != REFERENCE_COHORT]
PUBLISHED_COHORTS = COMPARISON.get("published_cohorts", [])
# A comparison needs two cohorts, listed or published.
COMPARE = len(COMPARED_COHORTS) + len(PUBLISHED_COHORTS) >= 2

COHORTS = sorted(config["cohorts"])
# The codebook is an input of validation: change a field and every result built on it reruns
# (downstream rules follow the validated tables), instead of going stale silently.
CODEBOOK_FILE = str(default_codebook_path())
# Every table, figure and section comes from the output registry (one home per output); it is
# read with yaml alone, so planning the workflow does not import the scientific stack.
REGISTRY = load_registry()
TABLE_OUTPUTS = REGISTRY.table_outputs("internal")
RELEASE_TABLE_OUTPUTS = REGISTRY.table_outputs("release")
FIGURES = REGISTRY.figure_names("internal")
RELEASE_FIGURES = REGISTRY.figure_names("release")
SECTIONS = [section.id for section in REGISTRY.sections]
# The files write_figure puts beside a figure's PNG and its screen copy.
FIGURE_SIBLINGS = ["svg", "pdf", "alt.txt", "caption.txt"]
# Outputs that are never released, and why (listed in every release manifest).
NOT_RELEASED = {
    **{
        f"figures/{figure.name}": "individual-level figure (one line per child): never released"
        for figure in REGISTRY.figures("internal", drawn_from="cohort")
    },
    "validated/": "typed case-file tables (one row per child): never released",
    "coding_disagreements.csv": "case ids where coders disagreed, for the coders: never released",
}
# Config sections the analyses read; passed as params so that changing them reruns the analyses.
ANALYSIS_CONFIG_KEYS = [
    "ci_method",
    "confidence_level",
    "age_band_starts",
    "exact_test",
    "p_adjust",
    "continuous_test",
    "links",
    "responses",
]


def cohort_input_files(wildcards):
    """The input file of each table of one cohort, as named in config.yaml: its own file, or
    the cohort's workbook for every table (the reader takes the sheet named after it)."""
    files = config["cohorts"][wildcards.cohort]
    return {table: files.get("workbook", files.get(table)) for table in TABLES}


def double_coding(wildcards):
    """The other coders of one cohort: [{"coder": label, "case_file": path}] (may be [])."""
    return config["cohorts"][wildcards.cohort].get("double_coding", [])


def coder_input_files(wildcards):
    """The other coders' case_file tables of one cohort, so that changing one reruns."""
    return [entry["case_file"] for entry in double_coding(wildcards)]


def analysis_config(wildcards):
    """The config sections an analysis reads."""
    return {key: config[key] for key in ANALYSIS_CONFIG_KEYS}


def comparison_settings(wildcards):
    """What the comparison adapter needs besides its input files."""
    return {
        "cohorts": COMPARED_COHORTS,
        "reference": REFERENCE_COHORT,
        "published_cohorts": PUBLISHED_COHORTS,
        "confidence_level": config["confidence_level"],
        "disclosure_preset": config.get("disclosure_preset"),
        "not_released": NOT_RELEASED,
        "config": {"comparison": COMPARISON, "cohorts": config["cohorts"]},
    }


def report_config(wildcards):
    """The settings the study report records as provenance (no input paths of other cohorts)."""
    settings = {key: config[key] for key in ANALYSIS_CONFIG_KEYS}
    settings["disclosure_policy"] = config["disclosure_policy"]
    settings["disclosure_preset"] = config.get("disclosure_preset")
    settings["cohort"] = {wildcards.cohort: config["cohorts"][wildcards.cohort]}
    return settings


def all_outputs():
    """Every final output of the workflow (the all target): both tiers of each cohort."""
    targets = []
    for cohort in COHORTS:
        targets += expand(rules.results_table.output.csv, cohort=cohort)
        targets += expand(rules.render_internal.output.report, cohort=cohort)
        targets += expand(rules.render_release.output.manifest_json, cohort=cohort)
    if COMPARE:
        targets += [rules.compare_cohorts.output.report]
        targets += [rules.compare_release_cohorts.output.manifest]
    return targets


def caption(name):
    """The Snakemake report caption of a registered output, figure or file: written from the
    output registry into .snakemake/ (only when it changed), so captions have one home."""
    return write_report_caption(REGISTRY, name, Path(".snakemake/report_captions").resolve())
