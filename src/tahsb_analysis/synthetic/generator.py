"""Generate the SYNTHETIC cohort that stands in for the confidential case files.

The cohort is calibrated to what Hollis and Belton (2017) published. Every count the study
implies (groups, the in-depth sample, R3, R5, L1, L2) is hit exactly by allocating that many
codes and shuffling them with the seeded generator; everything the study did not publish comes
from `data/synthetic_parameters.yaml`, where it is marked "assumed, not published".
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from tahsb_analysis.input.codebook import TABLE_NAMES, Codebook, load_codebook

STATUSES = ("published", "derived from published", "assumed, not published")
ENTRY_KEYS = ("value", "status", "source", "description")

# Group codes in the study's order; `cases` flags follow from them.
GROUPS = ("ta_only", "dual", "offline_only")
_TA_HSB = {"ta_only": "yes", "dual": "yes", "offline_only": "no"}
_OFFLINE_HSB = {"ta_only": "no", "dual": "yes", "offline_only": "yes"}

# In-depth boys fall in four sub-groups: ta_only, offline_only, and the dual boys split in two
# by R5: dual_pornography_only and dual_other_ta_hsb.
PORNOGRAPHY = "inappropriate_pornography"

# The generator only ever writes synthetic rows; the label is not a parameter on purpose.
DATA_ORIGIN = "synthetic"

NOT_RECORDED = "-9"
NOT_APPLICABLE = "-8"

# Onset ages are handled in tenths of a year (integers) so one-decimal values and exact means
# never meet floating-point rounding. The codebook allows 3 to 18; 17.9 keeps every onset below
# 18 so an age at referral of at most 18 can still be at least the onset's whole years.
_MIN_ONSET = 30
_MAX_ONSET = 179

# Which codebook field each table of code counts fills, and which group sizes it must add up to.
_CODE_TABLES = {
    "sex_by_group": ("cases", "sex", "group"),
    "learning_disability_by_group": ("cases", "learning_disability", "group"),
    "looked_after_by_group": ("case_file", "looked_after", "in_depth"),
    "family_stability_by_group": ("case_file", "family_stability", "in_depth"),
    "parent_relationship_by_group": ("case_file", "parent_relationship", "in_depth"),
    "mental_health_difficulties_by_group": ("case_file", "mental_health_difficulties", "in_depth"),
    "unresolved_trauma_by_group": ("case_file", "unresolved_trauma", "in_depth"),
    "impulsivity_by_group": ("case_file", "impulsivity", "in_depth"),
    "emotional_regulation_problems_by_group": (
        "case_file",
        "emotional_regulation_problems",
        "in_depth",
    ),
    "aggression_towards_self_by_group": ("case_file", "aggression_towards_self", "in_depth"),
    "aggression_towards_others_by_group": ("case_file", "aggression_towards_others", "in_depth"),
    "therapeutic_intervention_by_group": ("case_file", "therapeutic_intervention", "in_depth"),
    "police_involvement_by_group": ("case_file", "police_involvement", "in_depth"),
    "cj_outcome_if_police_by_group": ("case_file", "cj_outcome", "police"),
    "yos_involvement_by_group": ("case_file", "yos_involvement", "in_depth"),
    "school_exclusion_hsb_by_group": ("case_file", "school_exclusion_hsb", "in_depth"),
    "social_care_level_by_group": ("case_file", "social_care_level", "in_depth"),
    "porn_trigger_offline_by_subgroup": ("case_file", "porn_trigger_offline", "subgroup"),
}

_OTHER_PARAMETERS = (
    "n_cases",
    "cohort_label",
    "case_id_prefix",
    "assessment_period",
    "age_at_referral_range",
    "group_sizes",
    "age_at_referral_by_group",
    "age_at_referral_not_recorded_outside_sample",
    "assessment_month_not_recorded_outside_sample",
    "in_depth_size",
    "in_depth_sex",
    "in_depth_group_sizes",
    "dual_subgroup_sizes",
    "ta_type_profiles_ta_only",
    "ta_type_profiles_dual_other",
    "aimed_at_other_yes_share_by_type",
    "aimed_at_other_not_recorded_rows",
    "offline_types_per_child",
    "offline_type_weights",
    "first_hsb_age_ta_only",
    "first_hsb_age_offline_only",
    "first_offline_age_dual",
    "later_onset_spread_years",
    "pornography_lead_when_trigger_years",
    "pornography_lag_when_not_trigger_years",
    "l2_timing_dual_other",
    "l2_mean_gap_years",
    "l2_gap_after_spread_years",
    "l2_gap_before_years",
    "referral_lag_years",
    "p1_children_with_any_ta_hsb",
    "p2_children_with_ta_hsb_only",
    "r3_boys_with_any_ta_hsb_in_sample",
    "r3_boys_with_more_than_one_ta_type",
    "l1_dual_boys_with_porn_trigger",
)
REQUIRED_PARAMETERS = tuple(_CODE_TABLES) + _OTHER_PARAMETERS


class ParameterError(ValueError):
    """The synthetic-cohort parameters are malformed or contradict each other."""


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def default_parameters_path() -> Path:
    """Path of the parameter file shipped with the package."""
    return Path(str(resources.files("tahsb_analysis") / "data" / "synthetic_parameters.yaml"))


def load_parameters(path: str | Path | None = None) -> dict:
    """Read and check the generator's parameters.

    Parameters
    ----------
    path : str or Path, optional
        A parameter file; the packaged `data/synthetic_parameters.yaml` when omitted.

    Returns
    -------
    dict
        ``{group: {parameter: {"value", "status", "source", "description"}}}``, in file order.

    Raises
    ------
    ParameterError
        If an entry lacks one of the four keys, has an unknown status, or a parameter name is
        used twice.
    """
    path = Path(path) if path is not None else default_parameters_path()
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    check_parameter_entries(raw, source=str(path))
    return raw


def check_parameter_entries(parameters: Mapping, source: str = "parameters") -> None:
    """Check the shape of every entry: four keys, one of the three statuses, unique names.

    Raises
    ------
    ParameterError
        Listing every problem found, each with its group and parameter name.
    """
    problems = []
    if not isinstance(parameters, Mapping) or not parameters:
        raise ParameterError(f"{source}: expected groups of parameters, found {type(parameters)}")
    seen: dict[str, str] = {}
    for group, entries in parameters.items():
        if not isinstance(entries, Mapping):
            problems.append(f"group {group!r} must map parameter names to entries")
            continue
        for name, entry in entries.items():
            where = f"{group}.{name}"
            if name in seen:
                problems.append(f"{where}: name already used in group {seen[name]!r}")
            seen[name] = group
            if not isinstance(entry, Mapping):
                problems.append(f"{where}: expected keys {ENTRY_KEYS}")
                continue
            missing = [key for key in ENTRY_KEYS if key not in entry]
            extra = [key for key in entry if key not in ENTRY_KEYS]
            if missing:
                problems.append(f"{where}: missing {missing}")
            if extra:
                problems.append(f"{where}: unknown keys {extra}")
            if "status" in entry and entry["status"] not in STATUSES:
                problems.append(f"{where}: status {entry['status']!r} is not one of {STATUSES}")
    if problems:
        raise ParameterError(f"{source}: " + "; ".join(problems))


def parameter_values(parameters: Mapping) -> dict:
    """Flatten ``{group: {name: entry}}`` to ``{name: value}``."""
    check_parameter_entries(parameters)
    return {
        name: entry["value"] for entries in parameters.values() for name, entry in entries.items()
    }


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render_parameters_markdown(parameters: Mapping) -> str:
    """The parameters as a Markdown page (data/synthetic/PARAMETERS.md).

    Parameters
    ----------
    parameters : dict
        As returned by `load_parameters`.

    Returns
    -------
    str
        An introduction saying the cohort is synthetic and which rows are assumptions, a count
        of parameters per status, and one table row per parameter.
    """
    check_parameter_entries(parameters)
    rows = [
        (group, name, entry)
        for group, entries in parameters.items()
        for name, entry in entries.items()
    ]
    per_status = {
        status: sum(entry["status"] == status for _, _, entry in rows) for status in STATUSES
    }
    lines = [
        "# Parameters of the SYNTHETIC cohort",
        "",
        "These parameters drive the generator of a **SYNTHETIC** cohort "
        "(`tahsb_analysis.synthetic.generator`). The cohort describes no real child. It is "
        "calibrated to the "
        "published findings of Hollis and Belton (2017), listed in the project's `docs/study.md`. Rows "
        'marked **"assumed, not published"** are choices of this project, not findings of the '
        "study: the study did not publish sub-group sizes, percentages per characteristic, onset "
        'ages or response rates. Rows marked "published" or "derived from published" come from '
        "the study's summary; the source column says where.",
        "",
        "Counts are given at the calibrated size (275 children, 91 boys in the in-depth sample), "
        "where they are hit exactly; a larger or smaller cohort scales them proportionally. "
        "Groups: `ta_only` = TA-HSB only, `dual` = TA-HSB and offline HSB, `offline_only` = "
        "offline HSB only. Codes `-9` = not recorded, `-8` = not applicable.",
        "",
        "Generated from `src/tahsb_analysis/data/synthetic_parameters.yaml` by "
        "`tahsb_analysis.synthetic.generator.render_parameters_markdown`; do not edit by hand "
        "(a test "
        "checks that this file is current).",
        "",
        f"{len(rows)} parameters: "
        + ", ".join(f"{per_status[status]} {status}" for status in STATUSES)
        + ".",
        "",
        "| group | parameter | value | status | source | description |",
        "|---|---|---|---|---|---|",
    ]
    for group, name, entry in rows:
        cells = [
            group,
            f"`{name}`",
            _format_value(entry["value"]),
            entry["status"],
            str(entry["source"]),
            str(entry["description"]),
        ]
        lines.append("| " + " | ".join(_escape(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _format_value(value) -> str:
    if isinstance(value, Mapping):
        if any(isinstance(inner, Mapping) for inner in value.values()):
            return "; ".join(f"{key}: {_format_value(inner)}" for key, inner in value.items())
        return ", ".join(f"{key} = {_format_value(inner)}" for key, inner in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_format_value(item) for item in value)
    return str(value)


def _escape(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_cohort_csv(
    tables: Mapping[str, pd.DataFrame], directory: str | Path, codebook: Codebook | None = None
) -> dict[str, Path]:
    """Write the three text tables as CSV files named by the codebook.

    The bytes depend only on the tables: UTF-8 without BOM, "\\n" line endings, no index, so
    the same seed gives byte-identical files on every platform.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``cases``, ``case_file`` and ``behaviours`` as returned by `generate_cohort`.
    directory : str or Path
        Created if it does not exist.
    codebook : Codebook, optional
        Supplies the file names; the packaged codebook when omitted.

    Returns
    -------
    dict of str to Path
        The file written for each table.
    """
    codebook = codebook or load_codebook()
    if sorted(tables) != sorted(TABLE_NAMES):
        raise ValueError(f"expected tables {TABLE_NAMES}, got {tuple(tables)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in TABLE_NAMES:
        path = directory / codebook.table(name).default_filename
        tables[name].to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written[name] = path
    return written


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def generate_cohort(
    parameters: Mapping, seed: int, *, n_cases: int | None = None
) -> dict[str, pd.DataFrame]:
    """Generate the three tables of a synthetic cohort.

    Parameters
    ----------
    parameters : dict
        As returned by `load_parameters`.
    seed : int
        Seed of the `numpy.random.Generator` that drives every random choice; the same seed
        and parameters give the same tables.
    n_cases : int, optional
        Number of children. Omitted, the calibrated size (275), where every count parameter is
        hit exactly. Otherwise every count is scaled proportionally (largest-remainder
        rounding), e.g. for benchmarks.

    Returns
    -------
    dict of str to DataFrame
        ``cases``, ``case_file`` and ``behaviours``. Every cell is a str exactly as it is
        written to CSV (codes such as "yes", "-9"; ages such as "14" or "12.5"); columns are in
        codebook order; rows are sorted by case id (and behaviour number).

    Raises
    ------
    ParameterError
        If the parameters are incomplete, refer to codes the codebook does not allow, or
        contradict each other (e.g. a table of counts that does not add up to its group).
    """
    codebook = load_codebook()
    values = parameter_values(parameters)
    _check_parameters(values, codebook)
    n_reference = int(values["n_cases"])
    n = n_reference if n_cases is None else int(n_cases)
    if n < 1:
        raise ParameterError(f"n_cases must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    sizes = _sizes(values, n)

    cases, sample = _generate_cases(values, sizes, rng)
    behaviours, onsets = _generate_behaviours(values, sizes, sample, rng, codebook)
    case_file = _generate_case_file(values, sample, onsets, rng)

    # In-depth boys' age at referral follows from their onsets: at least the whole years of the
    # latest one, so every onset is below age at referral + 1.
    lag_years = np.array([int(k) for k in values["referral_lag_years"]])
    lag_p = np.array([float(p) for p in values["referral_lag_years"].values()])
    lag = rng.choice(lag_years, size=len(sample["case_index"]), p=lag_p / lag_p.sum())
    low, high = (int(values["age_at_referral_range"][k]) for k in ("min", "max"))
    referral = np.clip(onsets["latest"] // 10 + lag, low, high)
    cases["age_at_referral"][sample["case_index"]] = _INTEGER_TEXT[referral]

    frames = {
        "cases": cases,
        "case_file": case_file,
        "behaviours": behaviours,
    }
    result = {}
    for name in TABLE_NAMES:
        fields = codebook.table(name).field_names
        if set(frames[name]) != set(fields):
            raise RuntimeError(
                f"{name}: generated columns {sorted(frames[name])} != codebook {fields}"
            )
        result[name] = pd.DataFrame({f: frames[name][f] for f in fields}, dtype=str)
    return result


# Lookup tables turn integer arrays into text without per-row Python formatting (fast at 10^6).
_INTEGER_TEXT = np.array([str(i) for i in range(100)], dtype=object)
_TENTHS_TEXT = np.array([f"{i // 10}.{i % 10}" for i in range(_MAX_ONSET + 2)], dtype=object)


def _check_parameters(values: dict, codebook: Codebook) -> None:
    """Refuse parameters that would silently produce a cohort other than the documented one."""
    missing = [name for name in REQUIRED_PARAMETERS if name not in values]
    if missing:
        raise ParameterError(f"parameters missing: {missing}")
    problems = []
    groups = {g: int(values["group_sizes"].get(g, -1)) for g in GROUPS}
    in_depth = {g: int(values["in_depth_group_sizes"].get(g, -1)) for g in GROUPS}
    if set(values["group_sizes"]) != set(GROUPS) or set(values["in_depth_group_sizes"]) != set(
        GROUPS
    ):
        problems.append(f"group_sizes and in_depth_group_sizes need exactly the groups {GROUPS}")
    if sum(groups.values()) != values["n_cases"]:
        problems.append(
            f"group_sizes add up to {sum(groups.values())}, n_cases is {values['n_cases']}"
        )
    if sum(in_depth.values()) != values["in_depth_size"]:
        problems.append(
            f"in_depth_group_sizes add up to {sum(in_depth.values())}, in_depth_size is "
            f"{values['in_depth_size']}"
        )
    if values["in_depth_sex"] != "male":
        problems.append("in_depth_sex must be 'male' (the study's sample is 91 boys)")
    subgroups = dict(values["dual_subgroup_sizes"])
    if sum(subgroups.values()) != in_depth["dual"]:
        problems.append(
            f"dual_subgroup_sizes add up to {sum(subgroups.values())}, not {in_depth['dual']}"
        )
    subgroup_sizes = {
        "ta_only": in_depth["ta_only"],
        "dual_pornography_only": subgroups.get("pornography_only", -1),
        "dual_other_ta_hsb": subgroups.get("other_ta_hsb", -1),
        "offline_only": in_depth["offline_only"],
    }
    police = {
        g: int(values["police_involvement_by_group"].get(g, {}).get("yes", 0)) for g in GROUPS
    }
    # TA-HSB-only boys have no offline HSB to trigger: their porn_trigger_offline is always -8.
    with_offline = {sub: size for sub, size in subgroup_sizes.items() if sub != "ta_only"}
    references = {"group": groups, "in_depth": in_depth, "police": police, "subgroup": with_offline}
    for name, (table, field_name, reference) in _CODE_TABLES.items():
        fld = codebook.table(table).field(field_name)
        allowed = set(fld.valid_codes) | set(fld.missing_values)
        expected = references[reference]
        counts = values[name]
        if set(counts) != set(expected):
            problems.append(f"{name}: needs exactly the groups {tuple(expected)}")
            continue
        for group, size in expected.items():
            table_counts = {str(code): int(count) for code, count in counts[group].items()}
            bad = sorted(set(table_counts) - allowed)
            if bad:
                problems.append(f"{name}.{group}: codes {bad} not allowed for {table}.{field_name}")
            if any(count < 0 for count in table_counts.values()):
                problems.append(f"{name}.{group}: negative count")
            if sum(table_counts.values()) != size:
                problems.append(
                    f"{name}.{group}: counts add up to {sum(table_counts.values())}, "
                    f"group has {size}"
                )

    settings = codebook.behaviour_settings()
    profiles = {}
    for name in ("ta_type_profiles_ta_only", "ta_type_profiles_dual_other"):
        profiles[name] = _parse_profiles(values[name])
        for types in profiles[name]:
            for code in types:
                if settings.get(code) != "online":
                    problems.append(
                        f"{name}: {code!r} is not an online behaviour type in the codebook"
                    )
            if len(set(types)) != len(types):
                problems.append(f"{name}: {' + '.join(types)} repeats a type")
    for name, expected in (
        ("ta_type_profiles_ta_only", subgroup_sizes["ta_only"]),
        ("ta_type_profiles_dual_other", subgroup_sizes["dual_other_ta_hsb"]),
    ):
        total = sum(profiles[name].values())
        if total != expected:
            problems.append(f"{name}: profiles cover {total} boys, the sub-group has {expected}")
        if name.endswith("dual_other") and any(types == (PORNOGRAPHY,) for types in profiles[name]):
            problems.append(f"{name}: a pornography-only profile belongs in dual_subgroup_sizes")
    for name in (
        "aimed_at_other_yes_share_by_type",
        "offline_type_weights",
        "aimed_at_other_not_recorded_rows",
    ):
        unknown = sorted(set(values[name]) - set(settings))
        if unknown:
            problems.append(f"{name}: unknown behaviour types {unknown}")
    offline_types = [code for code, setting in settings.items() if setting == "offline"]
    if sorted(values["offline_type_weights"]) != sorted(offline_types):
        problems.append(f"offline_type_weights needs a weight for each of {offline_types}")
    if max(int(k) for k in values["offline_types_per_child"]) > len(offline_types):
        problems.append("offline_types_per_child asks for more types than the codebook has")
    timing = values["l2_timing_dual_other"]
    if (
        sorted(timing) != ["after", "before", "same_year"]
        or sum(timing.values()) != subgroup_sizes["dual_other_ta_hsb"]
    ):
        problems.append(
            "l2_timing_dual_other needs after, before, same_year adding up to the sub-group"
        )

    # The calibration targets restate what the study implies; the tables above must produce them.
    implied = {
        "p1_children_with_any_ta_hsb": groups["ta_only"] + groups["dual"],
        "p2_children_with_ta_hsb_only": groups["ta_only"],
        "r3_boys_with_any_ta_hsb_in_sample": in_depth["ta_only"] + in_depth["dual"],
        "r3_boys_with_more_than_one_ta_type": sum(
            count for name in profiles for types, count in profiles[name].items() if len(types) > 1
        ),
        "l1_dual_boys_with_porn_trigger": sum(
            int(values["porn_trigger_offline_by_subgroup"][sub].get("yes", 0))
            for sub in ("dual_pornography_only", "dual_other_ta_hsb")
            if sub in values["porn_trigger_offline_by_subgroup"]
        ),
    }
    for name, count in implied.items():
        if count != values[name]:
            problems.append(f"{name} is {values[name]}, but the parameters produce {count}")
    for g in GROUPS:
        boys = int(values["sex_by_group"][g].get("male", 0))
        if boys < in_depth[g]:
            problems.append(
                f"sex_by_group.{g}: {boys} boys, but the in-depth sample needs {in_depth[g]}"
            )
        outcomes = values["cj_outcome_if_police_by_group"][g]
        sanctioned = int(outcomes.get("out_of_court", 0)) + int(outcomes.get("court_order", 0))
        yos = int(values["yos_involvement_by_group"][g].get("yes", 0))
        if yos > sanctioned:
            problems.append(
                f"yos_involvement_by_group.{g}: {yos} yes, but only {sanctioned} boys have an "
                "out-of-court disposal or court order"
            )
    with_pornography = sum(
        count
        for types, count in profiles["ta_type_profiles_dual_other"].items()
        if PORNOGRAPHY in types
    )
    trigger_other = int(
        values["porn_trigger_offline_by_subgroup"].get("dual_other_ta_hsb", {}).get("yes", 0)
    )
    if trigger_other > with_pornography:
        problems.append(
            f"porn_trigger_offline_by_subgroup.dual_other_ta_hsb: {trigger_other} yes, but only "
            f"{with_pornography} of these boys use pornography in their profiles"
        )
    if problems:
        raise ParameterError("synthetic parameters: " + "; ".join(problems))


def _parse_profiles(raw: Mapping) -> dict[tuple[str, ...], int]:
    """'iioc + sexual_texts': 3  ->  {('iioc', 'sexual_texts'): 3}."""
    return {
        tuple(part.strip() for part in str(key).split("+")): int(count)
        for key, count in raw.items()
    }


def _largest_remainder(total: int, weights) -> np.ndarray:
    """Split `total` in proportion to `weights` into integers that add up to `total`.

    When `total` equals the sum of integer weights the weights come back unchanged, which is
    what makes every count exact at the calibrated size. Ties go to the earlier category so the
    split never depends on the random stream.
    """
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=np.int64)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    short = int(total - counts.sum())
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def _scaled(count: int, reference: int, size: int) -> int:
    """`count` out of `reference`, rescaled to `size` (half rounds up)."""
    if reference == 0:
        return 0
    return int(np.floor(count * size / reference + 0.5))


def _shuffled_codes(rng: np.random.Generator, counts: Mapping, size: int) -> np.ndarray:
    """Exactly the (rescaled) number of each code, in random order."""
    codes = [str(code) for code in counts]
    allocation = _largest_remainder(size, [counts[code] for code in counts])
    return rng.permutation(np.repeat(np.array(codes, dtype=object), allocation))


def _scaled_code_count(counts: Mapping, size: int, code: str) -> int:
    """How many of `size` children get `code`, as `_shuffled_codes` would allocate it."""
    codes = [str(c) for c in counts]
    allocation = _largest_remainder(size, [counts[c] for c in counts])
    return int(allocation[codes.index(code)]) if code in codes else 0


def _sizes(values: dict, n: int) -> dict:
    """Group sizes and in-depth sample sizes for a cohort of `n` children."""
    reference = {g: int(values["group_sizes"][g]) for g in GROUPS}
    groups = dict(
        zip(GROUPS, _largest_remainder(n, [reference[g] for g in GROUPS]).tolist(), strict=True)
    )
    in_depth = {
        g: min(groups[g], _scaled(int(values["in_depth_group_sizes"][g]), reference[g], groups[g]))
        for g in GROUPS
    }
    outside_reference = {g: reference[g] - int(values["in_depth_group_sizes"][g]) for g in GROUPS}
    return {
        "n": n,
        "scale": n / int(values["n_cases"]),
        "groups": groups,
        "in_depth": in_depth,
        "outside_reference": outside_reference,
    }


def _generate_cases(values: dict, sizes: dict, rng: np.random.Generator):
    """The `cases` columns, and the in-depth sample (case positions and groups)."""
    n = sizes["n"]
    prefix = str(values["case_id_prefix"])
    width = max(4, len(str(n)))
    if len(prefix) + 1 + width > 20:
        raise ParameterError(
            f"case ids like {prefix}-{'0' * width} would exceed the codebook's 20 characters"
        )
    case_id = np.array([f"{prefix}-{i:0{width}d}" for i in range(1, n + 1)], dtype=object)

    # Groups are spread over the case ids at random, so ids carry no information.
    group_index = rng.permutation(
        np.repeat(np.arange(len(GROUPS)), [sizes["groups"][g] for g in GROUPS])
    )
    sex = np.empty(n, dtype=object)
    learning_disability = np.empty(n, dtype=object)
    age = np.empty(n, dtype=object)
    month = np.empty(n, dtype=object)
    in_sample = np.zeros(n, dtype=bool)

    first = values["assessment_period"]["first"]
    last = values["assessment_period"]["last"]
    months = pd.period_range(first, last, freq="M").strftime("%Y-%m").to_numpy(dtype=object)
    low, high = (int(values["age_at_referral_range"][k]) for k in ("min", "max"))

    for k, g in enumerate(GROUPS):
        members = np.flatnonzero(group_index == k)
        sex[members] = _shuffled_codes(rng, values["sex_by_group"][g], len(members))
        boys = members[sex[members] == "male"]
        # Checked at the calibrated size; in a rescaled cohort rounding may leave one boy short.
        wanted = min(sizes["in_depth"][g], len(boys))
        in_sample[rng.choice(boys, size=wanted, replace=False)] = True
        learning_disability[members] = _shuffled_codes(
            rng, values["learning_disability_by_group"][g], len(members)
        )
        # Ages at referral outside the sample are drawn here; in-depth ones follow their onsets.
        outside = members[~in_sample[members]]
        spec = values["age_at_referral_by_group"][g]
        drawn = np.clip(np.rint(rng.normal(spec["mean"], spec["sd"], len(outside))), low, high)
        age[outside] = _INTEGER_TEXT[drawn.astype(np.int64)]
        month[members] = months[rng.integers(0, len(months), len(members))]
        for name, column in (
            ("age_at_referral_not_recorded_outside_sample", age),
            ("assessment_month_not_recorded_outside_sample", month),
        ):
            count = int(values[name][g])
            reference = sizes["outside_reference"][g]
            mask = _shuffled_codes(
                rng, {"missing": count, "present": reference - count}, len(outside)
            )
            column[outside[mask == "missing"]] = NOT_RECORDED

    groups = np.array(GROUPS, dtype=object)[group_index]
    cases = {
        "case_id": case_id,
        "cohort": np.full(n, str(values["cohort_label"]), dtype=object),
        "data_origin": np.full(n, DATA_ORIGIN, dtype=object),
        "assessment_month": month,
        "sex": sex,
        "age_at_referral": age,
        "learning_disability": learning_disability,
        "offline_hsb": np.array([_OFFLINE_HSB[g] for g in GROUPS], dtype=object)[group_index],
        "ta_hsb": np.array([_TA_HSB[g] for g in GROUPS], dtype=object)[group_index],
        "in_depth_sample": np.where(in_sample, "yes", "no").astype(object),
    }

    case_index = np.flatnonzero(in_sample)
    sample_group = groups[case_index]
    subgroup = sample_group.copy()
    dual = np.flatnonzero(sample_group == "dual")
    split = values["dual_subgroup_sizes"]
    subgroup[dual] = _shuffled_codes(
        rng,
        {
            "dual_pornography_only": split["pornography_only"],
            "dual_other_ta_hsb": split["other_ta_hsb"],
        },
        len(dual),
    )
    sample = {
        "case_index": case_index,
        "case_id": case_id[case_index],
        "group": sample_group,
        "subgroup": subgroup,
    }
    return cases, sample


def _tenths_with_exact_mean(
    rng: np.random.Generator, size: int, mean: float, sd: float, low: float, high: float
) -> np.ndarray:
    """One-decimal values (in tenths) between `low` and `high` whose mean is exactly `mean`.

    Draw from a normal distribution, round, cut to the bounds, then move single tenths up or
    down on randomly chosen children until the sum is right: the spread looks natural and the
    published-style mean is met to one decimal at any size.
    """
    lo, hi = round(low * 10), round(high * 10)
    target = round(mean * 10) * size
    if not lo * size <= target <= hi * size:
        raise ParameterError(f"a mean of {mean} is impossible between {low} and {high}")
    values = np.clip(np.rint(rng.normal(mean * 10, sd * 10, size)), lo, hi).astype(np.int64)
    residual = int(target - values.sum())
    while residual:
        step = 1 if residual > 0 else -1
        movable = np.flatnonzero(values < hi) if step > 0 else np.flatnonzero(values > lo)
        chosen = rng.choice(movable, size=min(abs(residual), len(movable)), replace=False)
        values[chosen] += step
        residual -= step * len(chosen)
    return values


def _uniform_tenths(rng: np.random.Generator, size: int, low: float, high: float) -> np.ndarray:
    return rng.integers(round(low * 10), round(high * 10) + 1, size)


def _generate_behaviours(
    values: dict, sizes: dict, sample: dict, rng: np.random.Generator, codebook: Codebook
):
    """The `behaviours` columns and, per in-depth child, his earliest and latest onset.

    Also decides porn_trigger_offline, because a trigger has to start before the offline HSB
    it triggers; the codes are returned in `onsets["porn_trigger"]`.
    """
    settings = codebook.behaviour_settings()
    type_codes = list(settings)
    type_index = {code: i for i, code in enumerate(type_codes)}
    porn = type_index[PORNOGRAPHY]
    m = len(sample["case_index"])
    subgroup = sample["subgroup"]

    # --- which online types each boy shows (exact profile counts, shuffled) ---------------
    profile_lists: list[tuple[str, ...]] = [(PORNOGRAPHY,)]
    child_profile = np.full(m, -1, dtype=np.int64)
    child_profile[subgroup == "dual_pornography_only"] = 0
    for sub, name in (
        ("ta_only", "ta_type_profiles_ta_only"),
        ("dual_other_ta_hsb", "ta_type_profiles_dual_other"),
    ):
        profiles = _parse_profiles(values[name])
        offset = len(profile_lists)
        profile_lists.extend(profiles)
        members = np.flatnonzero(subgroup == sub)
        keys = {str(offset + i): count for i, count in enumerate(profiles.values())}
        child_profile[members] = _shuffled_codes(rng, keys, len(members)).astype(np.int64)
    longest = max(len(p) for p in profile_lists)
    profile_types = np.full((len(profile_lists), longest), -1, dtype=np.int64)
    for i, types in enumerate(profile_lists):
        profile_types[i, : len(types)] = [type_index[t] for t in types]
    profile_length = (profile_types >= 0).sum(axis=1)
    has_porn = (profile_types == porn).any(axis=1)

    online_children = np.flatnonzero(child_profile >= 0)
    lengths = profile_length[child_profile[online_children]]
    online_child = np.repeat(online_children, lengths)
    position = np.arange(len(online_child)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    online_type = profile_types[child_profile[online_child], position]

    # --- which offline types (weighted, without replacement: Gumbel top-k) ---------------
    offline_codes = [code for code in type_codes if settings[code] == "offline"]
    offline_children = np.flatnonzero(
        np.isin(subgroup, ["dual_pornography_only", "dual_other_ta_hsb", "offline_only"])
    )
    per_child = values["offline_types_per_child"]
    k_values = np.array([int(k) for k in per_child])
    k_p = np.array([float(p) for p in per_child.values()])
    k = rng.choice(k_values, size=len(offline_children), p=k_p / k_p.sum())
    weights = np.array([float(values["offline_type_weights"][c]) for c in offline_codes])
    keys = np.log(weights) + rng.gumbel(size=(len(offline_children), len(offline_codes)))
    ranked = np.argsort(-keys, axis=1)
    chosen = np.arange(len(offline_codes)) < k[:, None]
    offline_child = np.repeat(offline_children, k)
    offline_type = np.array([type_index[c] for c in offline_codes])[ranked[chosen]]

    # --- porn_trigger_offline (exact counts; only boys who use pornography can have yes) --
    trigger = np.full(m, NOT_APPLICABLE, dtype=object)
    table = values["porn_trigger_offline_by_subgroup"]
    for sub in ("dual_pornography_only", "offline_only"):
        members = np.flatnonzero(subgroup == sub)
        trigger[members] = _shuffled_codes(rng, table[sub], len(members))
    members = np.flatnonzero(subgroup == "dual_other_ta_hsb")
    trigger[members] = "no"
    wanted = _scaled_code_count(table["dual_other_ta_hsb"], len(members), "yes")
    users = members[has_porn[child_profile[members]]]
    # Checked at the calibrated size; in a rescaled cohort rounding may leave one user short.
    trigger[rng.choice(users, size=min(wanted, len(users)), replace=False)] = "yes"

    # --- anchors: the first onset of each kind of behaviour, per child (tenths) ------------
    # Kinds: 0 offline, 1 pornography (dual boys: placed relative to the offline HSB),
    # 2 other online. TA-HSB-only boys' pornography counts as kind 2: nothing to relate it to.
    anchor = np.full((m, 3), -1, dtype=np.int64)

    def draw(spec, size, exact):
        if exact:
            return _tenths_with_exact_mean(
                rng, size, spec["mean"], spec["sd"], spec["min"], spec["max"]
            )
        drawn = np.rint(rng.normal(spec["mean"] * 10, spec["sd"] * 10, size))
        return np.clip(drawn, round(spec["min"] * 10), round(spec["max"] * 10)).astype(np.int64)

    ta_only = np.flatnonzero(subgroup == "ta_only")
    anchor[ta_only, 2] = draw(values["first_hsb_age_ta_only"], len(ta_only), exact=True)
    offline_only = np.flatnonzero(subgroup == "offline_only")
    anchor[offline_only, 0] = draw(
        values["first_hsb_age_offline_only"], len(offline_only), exact=True
    )

    dual = np.flatnonzero(np.isin(subgroup, ["dual_pornography_only", "dual_other_ta_hsb"]))
    anchor[dual, 0] = draw(values["first_offline_age_dual"], len(dual), exact=False)

    # L2: the first other TA-HSB follows (gap >= 1 year, exact mean), precedes, or shares the
    # onset of the first offline HSB. Offline onsets are nudged so every onset stays in range.
    other = np.flatnonzero(subgroup == "dual_other_ta_hsb")
    timing = _shuffled_codes(rng, values["l2_timing_dual_other"], len(other))
    gap = np.zeros(len(other), dtype=np.int64)
    after = timing == "after"
    spread = values["l2_gap_after_spread_years"]
    gap[after] = _tenths_with_exact_mean(
        rng,
        int(after.sum()),
        float(values["l2_mean_gap_years"]),
        spread["sd"],
        spread["min"],
        spread["max"],
    )
    before = timing == "before"
    before_range = values["l2_gap_before_years"]
    gap[before] = -_uniform_tenths(rng, int(before.sum()), before_range["min"], before_range["max"])
    first_offline = anchor[other, 0]
    first_offline = np.minimum(first_offline, _MAX_ONSET - np.maximum(gap, 0))
    first_offline = np.maximum(first_offline, _MIN_ONSET - np.minimum(gap, 0))
    anchor[other, 0] = first_offline
    anchor[other, 2] = first_offline + gap

    # L1: pornography that triggers offline HSB began before it; otherwise after it.
    porn_users = dual[has_porn[child_profile[dual]]]
    lead = values["pornography_lead_when_trigger_years"]
    lag = values["pornography_lag_when_not_trigger_years"]
    is_trigger = trigger[porn_users] == "yes"
    shift = np.where(
        is_trigger,
        -_uniform_tenths(rng, len(porn_users), lead["min"], lead["max"]),
        _uniform_tenths(rng, len(porn_users), lag["min"], lag["max"]),
    )
    anchor[porn_users, 1] = np.clip(anchor[porn_users, 0] + shift, _MIN_ONSET, _MAX_ONSET)

    # --- rows and their onsets ------------------------------------------------------------
    row_child = np.concatenate([online_child, offline_child])
    row_type = np.concatenate([online_type, offline_type])
    is_dual_row = np.isin(subgroup[row_child], ["dual_pornography_only", "dual_other_ta_hsb"])
    is_offline_row = np.arange(len(row_child)) >= len(online_child)
    row_kind = np.where(is_offline_row, 0, np.where((row_type == porn) & is_dual_row, 1, 2))
    spread_years = values["later_onset_spread_years"]
    spread_tenths = np.where(
        row_kind == 0, round(spread_years["offline"] * 10), round(spread_years["online"] * 10)
    )
    spread_tenths[row_kind == 1] = 0
    offset = np.floor(rng.random(len(row_child)) * (spread_tenths + 1)).astype(np.int64)
    # The first behaviour of each kind starts exactly at the anchor: subtract each
    # (child, kind)'s smallest offset.
    key = row_child * 3 + row_kind
    smallest = np.full(m * 3, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, key, offset)
    if (anchor[row_child, row_kind] < 0).any():
        raise RuntimeError("a behaviour row has no onset anchor")
    onset = np.minimum(anchor[row_child, row_kind] + offset - smallest[key], _MAX_ONSET)

    # --- aimed_at_other: exact number of yes per type ----------------------------------------
    aimed = np.empty(len(row_child), dtype=object)
    shares = values["aimed_at_other_yes_share_by_type"]
    not_recorded = values["aimed_at_other_not_recorded_rows"]
    for code in type_codes:
        rows = np.flatnonzero(row_type == type_index[code])
        if not len(rows):
            continue
        missing = min(
            len(rows), int(np.floor(int(not_recorded.get(code, 0)) * sizes["scale"] + 0.5))
        )
        yes = int(np.floor(float(shares.get(code, 1.0)) * (len(rows) - missing) + 0.5))
        counts = {NOT_RECORDED: missing, "yes": yes, "no": len(rows) - missing - yes}
        aimed[rows] = _shuffled_codes(rng, counts, len(rows))

    # --- order rows by child, then onset, then type; number them 1..k ------------------------
    order = np.lexsort((row_type, onset, row_child))
    row_child, row_type, onset, aimed = (
        row_child[order],
        row_type[order],
        onset[order],
        aimed[order],
    )
    counts = np.bincount(row_child, minlength=m)
    starts = np.cumsum(counts) - counts
    sequence = np.arange(len(row_child)) - starts[row_child] + 1
    if (counts == 0).any():
        raise RuntimeError("an in-depth child has no behaviour rows")

    types = np.array(type_codes, dtype=object)
    behaviours = {
        "case_id": sample["case_id"][row_child],
        "behaviour_seq": sequence.astype(str).astype(object),
        "behaviour_type": types[row_type],
        "setting": np.array([settings[c] for c in type_codes], dtype=object)[row_type],
        "age_at_onset": _TENTHS_TEXT[onset],
        "aimed_at_other": aimed,
    }
    nonempty = counts > 0
    onsets = {
        "first": np.minimum.reduceat(onset, starts[nonempty]) if len(onset) else onset,
        "latest": np.maximum.reduceat(onset, starts[nonempty]) if len(onset) else onset,
        "porn_trigger": trigger,
    }
    return behaviours, onsets


def _generate_case_file(values: dict, sample: dict, onsets: dict, rng: np.random.Generator) -> dict:
    """The `case_file` columns: exact code counts per in-depth group, shuffled."""
    m = len(sample["case_index"])
    group = sample["group"]
    columns = {
        "case_id": sample["case_id"],
        "age_first_hsb": _TENTHS_TEXT[onsets["first"]],
    }
    simple = {
        "looked_after": "looked_after_by_group",
        "family_stability": "family_stability_by_group",
        "parent_relationship": "parent_relationship_by_group",
        "mental_health_difficulties": "mental_health_difficulties_by_group",
        "unresolved_trauma": "unresolved_trauma_by_group",
        "impulsivity": "impulsivity_by_group",
        "emotional_regulation_problems": "emotional_regulation_problems_by_group",
        "aggression_towards_self": "aggression_towards_self_by_group",
        "aggression_towards_others": "aggression_towards_others_by_group",
        "police_involvement": "police_involvement_by_group",
        "social_care_level": "social_care_level_by_group",
        "school_exclusion_hsb": "school_exclusion_hsb_by_group",
        "therapeutic_intervention": "therapeutic_intervention_by_group",
    }
    for field_name, name in simple.items():
        column = np.empty(m, dtype=object)
        for g in GROUPS:
            members = np.flatnonzero(group == g)
            column[members] = _shuffled_codes(rng, values[name][g], len(members))
        columns[field_name] = column

    # A criminal-justice outcome needs police involvement; youth offending work follows an
    # out-of-court disposal or a court order.
    police = columns["police_involvement"]
    cj = np.where(
        police == "yes", "", np.where(police == NOT_RECORDED, NOT_RECORDED, "none")
    ).astype(object)
    yos = np.full(m, "no", dtype=object)
    for g in GROUPS:
        involved = np.flatnonzero((group == g) & (police == "yes"))
        cj[involved] = _shuffled_codes(
            rng, values["cj_outcome_if_police_by_group"][g], len(involved)
        )
        members = group == g
        wanted = _scaled_code_count(
            values["yos_involvement_by_group"][g], int(members.sum()), "yes"
        )
        eligible = np.flatnonzero(members & np.isin(cj, ["out_of_court", "court_order"]))
        # _check_parameters guarantees enough eligible boys at the calibrated size; rounding in
        # a rescaled cohort can leave one short, and then eligibility wins.
        yos[rng.choice(eligible, size=min(wanted, len(eligible)), replace=False)] = "yes"
    columns["cj_outcome"] = cj
    columns["yos_involvement"] = yos
    columns["porn_trigger_offline"] = onsets["porn_trigger"]

    return columns
