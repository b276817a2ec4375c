"""The parameters of the SYNTHETIC cohort: reading, checking and listing them.

Every parameter has a value, a status ("published", "derived from published" or "assumed, not
published"), a source and a description (`data/synthetic_parameters.yaml`). `check_parameters`
refuses parameters that contradict each other or the codebook, so that the generator never
silently produces a cohort other than the documented one; `render_parameters_markdown` writes
the page that travels with the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from tahsb_analysis.input.codebook import Codebook
from tahsb_analysis.yaml_files import load_yaml

STATUSES = ("published", "derived from published", "assumed, not published")
ENTRY_KEYS = ("value", "status", "source", "description")

# Group codes in the study's order; `cases` flags follow from them.
GROUPS = ("ta_only", "dual", "offline_only")

# In-depth boys fall in four sub-groups: ta_only, offline_only, and the dual boys split in two
# by R5: dual_pornography_only and dual_other_ta_hsb.
PORNOGRAPHY = "inappropriate_pornography"

NOT_RECORDED = "-9"
NOT_APPLICABLE = "-8"

# Which codebook field each table of code counts fills, and which group sizes it must add up to.
CODE_TABLES = {
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
REQUIRED_PARAMETERS = tuple(CODE_TABLES) + _OTHER_PARAMETERS


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
    raw = load_yaml(path)
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
# Consistency
# --------------------------------------------------------------------------------------------


def check_parameters(values: dict, codebook: Codebook) -> None:
    """Refuse parameters that would silently produce a cohort other than the documented one.

    Raises
    ------
    ParameterError
        Listing every problem found: a parameter missing, counts that do not add up to their
        group, codes or behaviour types the codebook does not know, calibration targets the
        tables do not produce.
    """
    missing = [name for name in REQUIRED_PARAMETERS if name not in values]
    if missing:
        raise ParameterError(f"parameters missing: {missing}")
    groups = {g: int(values["group_sizes"].get(g, -1)) for g in GROUPS}
    in_depth = {g: int(values["in_depth_group_sizes"].get(g, -1)) for g in GROUPS}
    subgroups = dict(values["dual_subgroup_sizes"])
    subgroup_sizes = {
        "ta_only": in_depth["ta_only"],
        "dual_pornography_only": subgroups.get("pornography_only", -1),
        "dual_other_ta_hsb": subgroups.get("other_ta_hsb", -1),
        "offline_only": in_depth["offline_only"],
    }
    problems = _size_problems(values, groups, in_depth, subgroups)
    problems += _code_table_problems(values, codebook, groups, in_depth, subgroup_sizes)
    settings = codebook.behaviour_settings()
    profiles = {
        name: parse_profiles(values[name])
        for name in ("ta_type_profiles_ta_only", "ta_type_profiles_dual_other")
    }
    problems += _profile_problems(profiles, settings, subgroup_sizes)
    problems += _behaviour_type_problems(values, settings, subgroup_sizes)
    problems += _target_problems(values, groups, in_depth, profiles)
    if problems:
        raise ParameterError("synthetic parameters: " + "; ".join(problems))


def _size_problems(values: dict, groups: dict, in_depth: dict, subgroups: dict) -> list[str]:
    """Group, in-depth and dual sub-group sizes that do not add up."""
    problems = []
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
    if sum(subgroups.values()) != in_depth["dual"]:
        problems.append(
            f"dual_subgroup_sizes add up to {sum(subgroups.values())}, not {in_depth['dual']}"
        )
    return problems


def _code_table_problems(
    values: dict, codebook: Codebook, groups: dict, in_depth: dict, subgroup_sizes: dict
) -> list[str]:
    """Tables of code counts with codes the codebook does not allow, negative counts, or
    counts that do not add up to the group they describe."""
    police = {
        g: int(values["police_involvement_by_group"].get(g, {}).get("yes", 0)) for g in GROUPS
    }
    # TA-HSB-only boys have no offline HSB to trigger: their porn_trigger_offline is always -8.
    with_offline = {sub: size for sub, size in subgroup_sizes.items() if sub != "ta_only"}
    references = {"group": groups, "in_depth": in_depth, "police": police, "subgroup": with_offline}
    problems = []
    for name, (table, field_name, reference) in CODE_TABLES.items():
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
    return problems


def _profile_problems(profiles: dict, settings: dict, subgroup_sizes: dict) -> list[str]:
    """TA-HSB type profiles with unknown or repeated types, or not covering their sub-group."""
    problems = []
    for name in ("ta_type_profiles_ta_only", "ta_type_profiles_dual_other"):
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
    return problems


def _behaviour_type_problems(values: dict, settings: dict, subgroup_sizes: dict) -> list[str]:
    """Per-type parameters naming types the codebook does not know, and onset timings that do
    not cover their sub-group."""
    problems = []
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
    return problems


def _target_problems(values: dict, groups: dict, in_depth: dict, profiles: dict) -> list[str]:
    """Calibration targets the tables do not produce, and tables that contradict each other
    (boys, youth offending work, pornography triggers)."""
    problems = []
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
    return problems


def parse_profiles(raw: Mapping) -> dict[tuple[str, ...], int]:
    """'iioc + sexual_texts': 3  ->  {('iioc', 'sexual_texts'): 3}."""
    return {
        tuple(part.strip() for part in str(key).split("+")): int(count)
        for key, count in raw.items()
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
        "calibrated to the published findings of Hollis and Belton (2017), listed in the "
        "project's `docs/study.md`. Rows "
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
        "`tahsb_analysis.synthetic.parameters.render_parameters_markdown`; do not edit by hand "
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
