"""Generate the SYNTHETIC cohort that stands in for the confidential case files.

The cohort is calibrated to what Hollis and Belton (2017) published. Every count the study
implies (groups, the in-depth sample, R3, R5, L1, L2) is hit exactly by allocating that many
codes and shuffling them with the seeded generator; everything the study did not publish comes
from `data/synthetic_parameters.yaml`, where it is marked "assumed, not published".
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from tahsb_analysis.input.codebook import TABLE_NAMES, Codebook, Field, load_codebook
from tahsb_analysis.synthetic.allocation import (
    INTEGER_TEXT,
    TENTHS_TEXT,
    largest_remainder,
    scaled,
    scaled_code_count,
    shuffled_codes,
)
from tahsb_analysis.synthetic.behaviours import generate_behaviours
from tahsb_analysis.synthetic.parameters import (
    GROUPS,
    NOT_RECORDED,
    ParameterError,
    check_parameters,
    parameter_values,
)

_TA_HSB = {"ta_only": "yes", "dual": "yes", "offline_only": "no"}
_OFFLINE_HSB = {"ta_only": "no", "dual": "yes", "offline_only": "yes"}

# The generator only ever writes synthetic rows; the label is not a parameter on purpose.
DATA_ORIGIN = "synthetic"


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
    parameters: Mapping, seed: int, *, n_cases: int | None = None,
    codebook: Codebook | None = None,
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
    codebook : Codebook, optional
        The codebook whose columns to write (the packaged one when omitted). A field the
        generator has no parameters for gets `default_column`'s values.

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
    codebook = codebook or load_codebook()
    values = parameter_values(parameters)
    check_parameters(values, codebook)
    n_reference = int(values["n_cases"])
    n = n_reference if n_cases is None else int(n_cases)
    if n < 1:
        raise ParameterError(f"n_cases must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    sizes = _sizes(values, n)

    cases, sample = _generate_cases(values, sizes, rng)
    behaviours, onsets = generate_behaviours(values, sizes, sample, rng, codebook)
    case_file = _generate_case_file(values, sample, onsets, rng)

    # In-depth boys' age at referral follows from their onsets: at least the whole years of the
    # latest one, so every onset is below age at referral + 1.
    lag_years = np.array([int(k) for k in values["referral_lag_years"]])
    lag_p = np.array([float(p) for p in values["referral_lag_years"].values()])
    lag = rng.choice(lag_years, size=len(sample["case_index"]), p=lag_p / lag_p.sum())
    low, high = (int(values["age_at_referral_range"][k]) for k in ("min", "max"))
    referral = np.clip(onsets["latest"] // 10 + lag, low, high)
    cases["age_at_referral"][sample["case_index"]] = INTEGER_TEXT[referral]

    frames = {
        "cases": cases,
        "case_file": case_file,
        "behaviours": behaviours,
    }
    result = {}
    for name in TABLE_NAMES:
        fields = codebook.table(name).field_names
        rows = len(next(iter(frames[name].values())))
        for field_name in fields:
            if field_name not in frames[name]:
                # A field added to the codebook after the generator was written.
                frames[name][field_name] = default_column(
                    codebook.table(name).field(field_name), rows, seed, name)
        if set(frames[name]) != set(fields):
            raise RuntimeError(
                f"{name}: generated columns {sorted(frames[name])} != codebook {fields}"
            )
        result[name] = pd.DataFrame({f: frames[name][f] for f in fields}, dtype=str)
    return result


def default_column(fld: Field, rows: int, seed: int, table: str) -> np.ndarray:
    """Values of a codebook field the generator has no parameters for (a field a user added):
    drawn uniformly over its valid codes (yes/no, categories), or its whole numbers or
    one-decimal numbers from minimum to maximum (0 to 10 without limits). No value is missing.

    The draws come from their own generator, seeded by the cohort's seed and the field's name,
    so adding a field leaves every other column of the cohort exactly as it was, and the
    shipped cohorts regenerate with the new column and still validate. A free-text, identifier
    or month field cannot be invented: ParameterError says so.
    """
    rng = np.random.default_rng([seed, zlib.crc32(f"{table}.{fld.name}".encode())])
    if fld.is_boolean or fld.is_categorical:
        codes = np.array(fld.valid_codes, dtype=object)
        return codes[rng.integers(0, len(codes), rows)]
    low = 0.0 if fld.minimum is None else float(fld.minimum)
    high = 10.0 if fld.maximum is None else float(fld.maximum)
    if fld.type == "integer":
        values = rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, rows)
        return np.array([str(v) for v in values], dtype=object)
    if fld.type == "number":
        values = np.round(rng.uniform(low, high, rows), 1)
        return np.array([f"{v:g}" for v in values], dtype=object)
    raise ParameterError(
        f"{table}.{fld.name}: the synthetic generator has no parameters for this {fld.type} "
        "field and cannot invent one without categories; give it categories, or add it to "
        "the generator (src/tahsb_analysis/synthetic/generator.py)"
    )


def _sizes(values: dict, n: int) -> dict:
    """Group sizes and in-depth sample sizes for a cohort of `n` children."""
    reference = {g: int(values["group_sizes"][g]) for g in GROUPS}
    groups = dict(
        zip(GROUPS, largest_remainder(n, [reference[g] for g in GROUPS]).tolist(), strict=True)
    )
    in_depth = {
        g: min(groups[g], scaled(int(values["in_depth_group_sizes"][g]), reference[g], groups[g]))
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
    columns = {
        name: np.empty(n, dtype=object)
        for name in ("sex", "learning_disability", "age_at_referral", "assessment_month")
    }
    in_sample = np.zeros(n, dtype=bool)
    for k, g in enumerate(GROUPS):
        _draw_group(values, sizes, g, np.flatnonzero(group_index == k), columns, in_sample, rng)

    cases = {
        "case_id": case_id,
        "cohort": np.full(n, str(values["cohort_label"]), dtype=object),
        "data_origin": np.full(n, DATA_ORIGIN, dtype=object),
        "assessment_month": columns["assessment_month"],
        "sex": columns["sex"],
        "age_at_referral": columns["age_at_referral"],
        "learning_disability": columns["learning_disability"],
        "offline_hsb": np.array([_OFFLINE_HSB[g] for g in GROUPS], dtype=object)[group_index],
        "ta_hsb": np.array([_TA_HSB[g] for g in GROUPS], dtype=object)[group_index],
        "in_depth_sample": np.where(in_sample, "yes", "no").astype(object),
    }
    groups = np.array(GROUPS, dtype=object)[group_index]
    return cases, _in_depth_sample(values, case_id, groups, in_sample, rng)


def _draw_group(values, sizes, g, members, columns, in_sample, rng) -> None:
    """Fill the `cases` columns of the children of group `g` (positions `members`) and choose
    its boys in the in-depth sample. Ages at referral outside the sample are drawn here;
    in-depth ones follow their onsets."""
    first = values["assessment_period"]["first"]
    last = values["assessment_period"]["last"]
    months = pd.period_range(first, last, freq="M").strftime("%Y-%m").to_numpy(dtype=object)
    low, high = (int(values["age_at_referral_range"][k]) for k in ("min", "max"))
    sex, age = columns["sex"], columns["age_at_referral"]
    sex[members] = shuffled_codes(rng, values["sex_by_group"][g], len(members))
    boys = members[sex[members] == "male"]
    # Checked at the calibrated size; in a rescaled cohort rounding may leave one boy short.
    wanted = min(sizes["in_depth"][g], len(boys))
    in_sample[rng.choice(boys, size=wanted, replace=False)] = True
    columns["learning_disability"][members] = shuffled_codes(
        rng, values["learning_disability_by_group"][g], len(members)
    )
    outside = members[~in_sample[members]]
    spec = values["age_at_referral_by_group"][g]
    drawn = np.clip(np.rint(rng.normal(spec["mean"], spec["sd"], len(outside))), low, high)
    age[outside] = INTEGER_TEXT[drawn.astype(np.int64)]
    columns["assessment_month"][members] = months[rng.integers(0, len(months), len(members))]
    for name, column in (
        ("age_at_referral_not_recorded_outside_sample", age),
        ("assessment_month_not_recorded_outside_sample", columns["assessment_month"]),
    ):
        count = int(values[name][g])
        reference = sizes["outside_reference"][g]
        mask = shuffled_codes(rng, {"missing": count, "present": reference - count}, len(outside))
        column[outside[mask == "missing"]] = NOT_RECORDED


def _in_depth_sample(values, case_id, groups, in_sample, rng) -> dict:
    """The in-depth sample: case positions, ids, groups, and sub-groups (the dual boys split
    by R5 into dual_pornography_only and dual_other_ta_hsb)."""
    case_index = np.flatnonzero(in_sample)
    sample_group = groups[case_index]
    subgroup = sample_group.copy()
    dual = np.flatnonzero(sample_group == "dual")
    split = values["dual_subgroup_sizes"]
    subgroup[dual] = shuffled_codes(
        rng,
        {
            "dual_pornography_only": split["pornography_only"],
            "dual_other_ta_hsb": split["other_ta_hsb"],
        },
        len(dual),
    )
    return {
        "case_index": case_index,
        "case_id": case_id[case_index],
        "group": sample_group,
        "subgroup": subgroup,
    }


def _generate_case_file(values: dict, sample: dict, onsets: dict, rng: np.random.Generator) -> dict:
    """The `case_file` columns: exact code counts per in-depth group, shuffled."""
    m = len(sample["case_index"])
    group = sample["group"]
    columns = {
        "case_id": sample["case_id"],
        "age_first_hsb": TENTHS_TEXT[onsets["first"]],
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
            column[members] = shuffled_codes(rng, values[name][g], len(members))
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
        cj[involved] = shuffled_codes(
            rng, values["cj_outcome_if_police_by_group"][g], len(involved)
        )
        members = group == g
        wanted = scaled_code_count(
            values["yos_involvement_by_group"][g], int(members.sum()), "yes"
        )
        eligible = np.flatnonzero(members & np.isin(cj, ["out_of_court", "court_order"]))
        # check_parameters guarantees enough eligible boys at the calibrated size; rounding in
        # a rescaled cohort can leave one short, and then eligibility wins.
        yos[rng.choice(eligible, size=min(wanted, len(eligible)), replace=False)] = "yes"
    columns["cj_outcome"] = cj
    columns["yos_involvement"] = yos
    columns["porn_trigger_offline"] = onsets["porn_trigger"]

    return columns
