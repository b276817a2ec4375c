"""The range of TA-HSB in the in-depth sample (findings R1-R5), on the behaviours table.

Which online behaviour types the children displayed and how they rank (R1, R2), how many
distinct types each child displayed (R3), whether the behaviour was aimed at another person
(R4), and the two sub-groups of dual children (R5). Returns rows of the results table.

Every count is a groupby over the behaviour rows (no loop over children), so the same code runs
on the 91 case files of the study and on a cohort of a million.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.clustered import clustered_share_fields
from tahsb_analysis.analyses.design_weights import (
    NOT_ESTIMABLE_WARNING,
    UNWEIGHTED_NOTE,
    WEIGHTED_METHOD,
    sampling_design,
    stratified_share,
)
from tahsb_analysis.analyses.groups import (
    DUAL_SUBGROUPS,
    dual_subgroup,
    hsb_group,
    online_behaviours,
)
from tahsb_analysis.analyses.inference import ci_method_label, proportion_ci
from tahsb_analysis.analyses.missing import MISSING_METHOD, missing_rows, short_label
from tahsb_analysis.input.codebook import Field, load_codebook
from tahsb_analysis.input.cohort import Cohort, id_positions, missing_column
from tahsb_analysis.results.schema import make_results
from tahsb_analysis.vocabulary import (
    EMPTY_DENOMINATOR_WARNING,
    MISSING_PREFIX,
    WEIGHTED_PROPORTION,
)

ANALYSIS = "ta_hsb_range"
WEIGHTED_OUTPUT = "ta_hsb_range_weighted"
GROUPS = ("ta_only", "dual", "offline_only")
TA_GROUPS = ("ta_only", "dual")
POPULATION = "population"
IN_DEPTH = "in_depth_sample"
ANY_TA_HSB = "any_ta_hsb"
# Children with at least one online behaviour coded: the population of the child-level R4 share.
# It equals any_ta_hsb except for children whose ta_hsb flag is missing.
ANY_ONLINE = "any_online_behaviour"
MORE_THAN_ONE = "more than one"
RANK_METHOD = "rank by number of children (ties share the lower rank)"
EMPTY_WARNING = {
    "children": EMPTY_DENOMINATOR_WARNING,
    "behaviours": "empty denominator: no behaviours in this population",
}
# A dual child with no online behaviour coded has no sub-group; the validation refuses such a
# child (ta_hsb = yes needs an online behaviour), so this reason only guards against bad input.
NO_ONLINE_BEHAVIOUR_REASON = "not recorded"

_REQUIRED_COLUMNS = {
    "cases": ("case_id", "in_depth_sample", "ta_hsb", "offline_hsb",
              missing_column("ta_hsb"), missing_column("offline_hsb")),
    "behaviours": ("case_id", "behaviour_type", "setting", "aimed_at_other",
                   missing_column("aimed_at_other")),
}


def ta_hsb_range(
    cohort: Cohort, *, ci_method: str = "wilson", confidence: float = 0.95
) -> pd.DataFrame:
    """All R1-R5 rows for one cohort: types, forms per child, direction, dual sub-groups.

    The population is the children of the in-depth sample (``cases.in_depth_sample``). A child
    (or behaviour) whose value is missing is left out of that share's denominator and counted
    in a row of level "missing: not recorded" / "missing: not applicable" (only when there is
    at least one). A share whose denominator is 0 has estimate and CI <NA> and a warning.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort; its cases and behaviours tables are used, never modified.
    ci_method : {"wilson", "clopper-pearson"}
        Confidence interval of each proportion (see `inference.proportion_ci`).
    confidence : float
        Coverage of the intervals, strictly between 0 and 1.

    Returns
    -------
    pandas.DataFrame
        A results table (`results.RESULT_COLUMNS`) with outputs "ta_hsb_types" (R1, R2),
        "ta_hsb_forms_per_child" (R3), "ta_hsb_aimed_at_other" (R4) and "dual_subgroups" (R5).

    References
    ----------
    Hollis, V. and Belton, E. (2017). Children and young people who engage in
    technology-assisted harmful sexual behaviour. London: NSPCC.
    """
    ci_label = ci_method_label(ci_method, confidence)  # raises ValueError for an unknown method
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    _check_columns(cohort)
    codebook = load_codebook()
    online_types = [t for t, s in codebook.behaviour_settings().items() if s == "online"]
    fields = {
        "ta_hsb": codebook.table("cases").field("ta_hsb"),
        "offline_hsb": codebook.table("cases").field("offline_hsb"),
        "aimed_at_other": codebook.table("behaviours").field("aimed_at_other"),
    }
    children = _in_depth_children(cohort.cases, fields)
    online = _online_behaviours_of(cohort.behaviours, children["case_id"])
    aimed = _child_aimed_at_other(online, fields["aimed_at_other"])

    settings = {"ci_method": ci_method, "confidence": confidence, "ci_label": ci_label}
    parts = [
        _types_rows(children, online, online_types, settings),
        _forms_per_child_rows(children, online, settings),
        _aimed_at_other_rows(online, aimed, fields["aimed_at_other"], settings),
        _dual_subgroup_rows(children, online, aimed, settings),
    ]
    rows = _name_pooled(pd.concat([p for p in parts if len(p)], ignore_index=True))
    weighted = _weighted_twins(rows, children, online, online_types, fields, settings, cohort)
    return make_results(pd.concat([rows, weighted], ignore_index=True), cohort=cohort.label,
                        synthetic=cohort.synthetic, analysis=ANALYSIS)


def _child_rows_of(children, online, online_types, fields, settings) -> pd.DataFrame:
    """The child-level shares of R1-R4 (types, forms per child, children with any behaviour
    aimed at another person) of some children: rerun per HSB group for the weighted twins."""
    online = online[_is_in(online["case_id"], children["case_id"])]
    aimed = _child_aimed_at_other(online, fields["aimed_at_other"])
    aimed_rows = _aimed_at_other_rows(online, aimed, fields["aimed_at_other"], settings)
    parts = [_types_rows(children, online, online_types, settings),
             _forms_per_child_rows(children, online, settings),
             aimed_rows[aimed_rows["group"].eq(ANY_ONLINE).fillna(False)]]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _weighted_twins(rows, children, online, online_types, fields, settings, cohort):
    """Output "ta_hsb_range_weighted": each pooled child-level share weighted by the HSB
    groups' inverse sampling fractions (`design_weights.stratified_share`), the groups being
    those the pooled population holds (the in-depth sample: all three; children with TA-HSB or
    with an online behaviour: TA-HSB only and dual). Internal only (outputs.yaml): the range
    tables show no per-group counts, and a weighted share beside the unweighted one of the
    same two groups would give both groups' counts away (two equations, two unknowns)."""
    by_group = {}
    for group in GROUPS:
        of_group = children[children["hsb_group"].eq(group).fillna(False).to_numpy(dtype=bool)]
        by_group[group] = _child_rows_of(of_group.reset_index(drop=True), online, online_types,
                                         fields, settings)
    populations = {IN_DEPTH: GROUPS, ANY_TA_HSB: TA_GROUPS, ANY_ONLINE: TA_GROUPS}
    pooled = rows[rows["statistic"].eq("proportion").fillna(False)
                  & rows["unit"].eq("children").fillna(False)
                  & rows["group"].isin(list(populations)).fillna(False)]
    twins = []
    key = ["output", "variable", "level", "group"]
    for _, row in pooled.iterrows():
        groups = populations[row["group"]]
        design = sampling_design(cohort.cases, groups)
        yes, known = [], []
        for group in groups:
            same = by_group[group]
            match = np.logical_and.reduce([same[c].astype("string").eq(str(row[c])).fillna(False)
                                           for c in key]) if len(same) else []
            found = same[match] if len(same) else same
            yes.append(int(found["n"].iloc[0]) if len(found) else 0)
            known.append(int(found["denominator"].iloc[0]) if len(found) else 0)
        result = stratified_share(yes, known, design, settings["confidence"])
        twins.append({
            **{c: row[c] for c in ("variable", "level", "group_variable", "group", "finding",
                                   "unit")},
            "output": WEIGHTED_OUTPUT, "statistic": WEIGHTED_PROPORTION,
            "estimate": result["estimate"], "ci_low": result["ci_low"],
            "ci_high": result["ci_high"], "n": int(sum(known)), "denominator": int(sum(known)),
            "method": WEIGHTED_METHOD.format(percent=f"{settings['confidence'] * 100:g}%"),
            "warning": None if not np.isnan(result["estimate"]) else NOT_ESTIMABLE_WARNING,
        })
    return pd.DataFrame(twins)


def _name_pooled(rows: pd.DataFrame) -> pd.DataFrame:
    """Shares over the in-depth sample (or its children with TA-HSB) pool HSB groups sampled at
    different fractions, unweighted: their method says what they describe (their weighted
    twins, output "ta_hsb_range_weighted", are internal only: see `_weighted_twins`)."""
    pooled = (rows["group"].isin([IN_DEPTH, ANY_TA_HSB, ANY_ONLINE])
              & rows["statistic"].eq("proportion")).to_numpy(dtype=bool)
    rows.loc[pooled, "method"] = rows.loc[pooled, "method"] + "; " + UNWEIGHTED_NOTE
    return rows


# ---------------------------------------------------------------------------------------------
# Populations


def _in_depth_children(cases: pd.DataFrame, fields: dict[str, Field]) -> pd.DataFrame:
    """One row per in-depth child: id, the two HSB flags, hsb_group and why a value is missing."""
    in_depth = cases["in_depth_sample"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    chosen = cases.loc[in_depth]
    ta_reason = _missing_reason(chosen[missing_column("ta_hsb")], fields["ta_hsb"])
    offline_reason = _missing_reason(chosen[missing_column("offline_hsb")], fields["offline_hsb"])
    # Arrays, not Series: the reasons are positional, the cases rows keep their own index.
    return pd.DataFrame(
        {
            "case_id": chosen["case_id"].astype("string").array,
            "ta_hsb": chosen["ta_hsb"].astype("boolean").array,
            "offline_hsb": chosen["offline_hsb"].astype("boolean").array,
            "ta_hsb_reason": ta_reason.array,
            "hsb_group": hsb_group(chosen).array,
            # The group is missing when either flag is; the TA-HSB flag's reason comes first.
            "hsb_group_reason": ta_reason.fillna(offline_reason).array,
        },
        index=pd.RangeIndex(len(chosen)),
    )


def _online_behaviours_of(behaviours: pd.DataFrame, case_ids: pd.Series) -> pd.DataFrame:
    """Online behaviour rows of the given children (the validation already keeps behaviours to
    in-depth children; filtering again keeps this function right for any input)."""
    online = online_behaviours(behaviours)
    online = online[_is_in(online["case_id"], case_ids)]
    return pd.DataFrame(
        {
            "case_id": online["case_id"].astype("string").to_numpy(),
            "behaviour_type": online["behaviour_type"].astype("string").to_numpy(),
            "setting": "online",
            "aimed_at_other": online["aimed_at_other"].astype("boolean").array,
            "aimed_at_other__missing": online[missing_column("aimed_at_other")]
            .astype("string")
            .to_numpy(),
        }
    )


def _distinct_types(online: pd.DataFrame) -> pd.DataFrame:
    """Each (child, online type) pair once: two behaviours of the same type count once."""
    return online[["case_id", "behaviour_type"]].drop_duplicates()


def _child_aimed_at_other(online: pd.DataFrame, fld: Field) -> pd.DataFrame:
    """Child-level R4 value for every child with at least one online behaviour.

    yes when at least one online behaviour is aimed at another person; no when every one is
    known and none is; missing when none is yes and at least one is missing (the reason is
    that of the first missing code, in codebook order, among the child's behaviours).
    Indexed by case_id; columns `value` (boolean) and `reason` (string).
    """
    codes = list(fld.missing_values)
    code_index = pd.Index(codes, dtype=object).get_indexer(
        online["aimed_at_other__missing"].to_numpy(dtype=object)
    )
    per_row = pd.DataFrame(
        {
            "case_id": online["case_id"],
            "yes": online["aimed_at_other"].eq(True).fillna(False).to_numpy(dtype=bool),
            "missing": online["aimed_at_other"].isna().to_numpy(dtype=bool),
            # -1 (present) sorts after every code, so min() picks the first missing code.
            "code": np.where(code_index < 0, len(codes), code_index),
        }
    )
    child = per_row.groupby("case_id", sort=False).agg(
        yes=("yes", "any"), missing=("missing", "any"), code=("code", "min")
    )
    is_missing = (~child["yes"] & child["missing"]).to_numpy(dtype=bool)
    value = pd.array(child["yes"].to_numpy(dtype=bool), dtype="boolean")
    value[is_missing] = pd.NA
    labels = np.array([short_label(fld.missing_label(c)) for c in codes] + [None], dtype=object)
    reason = labels[child["code"].to_numpy(dtype=np.int64)]
    reason[~is_missing] = None
    return pd.DataFrame(
        {"value": value, "reason": pd.array(reason, dtype="string")}, index=child.index
    )


# ---------------------------------------------------------------------------------------------
# One helper per output


def _types_rows(children, online, online_types, settings) -> pd.DataFrame:
    """R1, R2: children with each online type, of the in-depth sample and of any TA-HSB."""
    pairs = _distinct_types(online)
    type_codes = pd.Categorical(pairs["behaviour_type"], categories=online_types).codes
    any_ta_ids = children.loc[children["ta_hsb"].eq(True).fillna(False), "case_id"]
    of_any_ta = _is_in(pairs["case_id"], any_ta_ids)
    n_in_depth = _count_codes(type_codes, len(online_types))
    n_any_ta = _count_codes(type_codes[of_any_ta], len(online_types))
    total = len(children)
    any_ta_total = int(children["ta_hsb"].eq(True).sum())
    ta_missing = int(children["ta_hsb"].isna().sum())

    common = {"variable": "ta_hsb_type", "level": online_types, "group_variable": POPULATION}
    in_depth_rows = _proportion_rows(
        {**common, "group": IN_DEPTH}, n_in_depth, total, 0, "children", settings
    )
    any_ta_rows = _proportion_rows(
        {**common, "group": ANY_TA_HSB}, n_any_ta, any_ta_total, ta_missing, "children", settings
    )
    rank = pd.Series(n_any_ta).rank(method="min", ascending=False).to_numpy(dtype=float)
    rank_rows = pd.DataFrame(
        {
            **common,
            "group": ANY_TA_HSB,
            "statistic": "rank",
            "estimate": rank if any_ta_total else np.full(len(rank), np.nan),
            "n": n_any_ta,
            "denominator": any_ta_total,
            "unit": "children",
            "method": RANK_METHOD,
            "warning": None if any_ta_total else _empty_warning(ta_missing, "children"),
            "finding": "R1",
        }
    )
    missing = _missing_rows(
        children["ta_hsb_reason"], "ta_hsb", {"group_variable": POPULATION, "group": IN_DEPTH}
    )
    proportions = pd.concat([in_depth_rows, any_ta_rows], ignore_index=True)
    proportions["finding"] = "R1;R2"
    missing["finding"] = "R1;R2"
    rows = pd.concat([proportions, rank_rows, missing], ignore_index=True)
    rows["output"] = "ta_hsb_types"
    return rows


def _forms_per_child_rows(children, online, settings) -> pd.DataFrame:
    """R3: number of distinct online types per child, and the share with more than one."""
    per_child = _distinct_types(online).groupby("case_id", sort=False).size()
    n_types = (
        children["case_id"].map(per_child).fillna(0).to_numpy(dtype=np.int64)
        if len(per_child)
        else np.zeros(len(children), dtype=np.int64)
    )
    any_ta = children["ta_hsb"].eq(True).fillna(False).to_numpy(dtype=bool)
    total = len(children)
    any_ta_total = int(any_ta.sum())
    ta_missing = int(children["ta_hsb"].isna().sum())

    counts = np.bincount(n_types[any_ta], minlength=2)
    # Levels 1..max; a level "0" would only appear for a child the validation refuses.
    first = 0 if counts[0] else 1
    levels = np.arange(first, len(counts))
    common = {"variable": "n_ta_hsb_types", "group_variable": POPULATION}
    per_count = _proportion_rows(
        {**common, "level": [str(k) for k in levels], "group": ANY_TA_HSB},
        counts[levels], any_ta_total, ta_missing, "children", settings,
    )
    more_any_ta = _proportion_rows(
        {**common, "level": MORE_THAN_ONE, "group": ANY_TA_HSB},
        [int((n_types[any_ta] > 1).sum())], any_ta_total, ta_missing, "children", settings,
    )
    # The published 68% does not say its denominator: also report it of the whole sample.
    more_in_depth = _proportion_rows(
        {**common, "level": MORE_THAN_ONE, "group": IN_DEPTH},
        [int((n_types > 1).sum())], total, 0, "children", settings,
    )
    missing = _missing_rows(
        children["ta_hsb_reason"], "ta_hsb", {"group_variable": POPULATION, "group": IN_DEPTH}
    )
    rows = pd.concat([per_count, more_any_ta, more_in_depth, missing], ignore_index=True)
    rows["finding"] = "R3"
    rows["output"] = "ta_hsb_forms_per_child"
    return rows


def _aimed_at_other_rows(online, aimed, fld: Field, settings) -> pd.DataFrame:
    """R4: share of online behaviours, and of children, aimed at another person."""
    value = online["aimed_at_other"]
    behaviours_missing = int(value.isna().sum())
    labels = {"variable": "aimed_at_other", "level": "yes", "group_variable": POPULATION,
              "group": IN_DEPTH}
    by_behaviour = _proportion_rows(
        labels, [int(value.eq(True).sum())], len(online) - behaviours_missing,
        behaviours_missing, "behaviours", settings,
    )
    # Behaviours of one child are alike: the interval treats children as clusters, and the
    # within-child correlation gets a row of its own (analyses/clustered.py).
    if len(by_behaviour) and by_behaviour["denominator"].iloc[0] > 0:
        ci_fields, correlation = clustered_share_fields(
            online["case_id"], value, settings["confidence"])
        for column, field_value in ci_fields.items():
            by_behaviour[column] = field_value
        # Level <NA>: the correlation is of the variable, not of its level "yes".
        by_behaviour = pd.concat(
            [by_behaviour, pd.DataFrame([{**labels, "level": None, **correlation}])],
            ignore_index=True)
    behaviour_missing = _missing_rows(
        _missing_reason(online["aimed_at_other__missing"], fld), "aimed_at_other",
        {"group_variable": POPULATION, "group": IN_DEPTH}, unit="behaviours",
    )
    children_missing = int(aimed["value"].isna().sum())
    by_child = _proportion_rows(
        {"variable": "aimed_at_other", "level": "yes", "group_variable": POPULATION,
         "group": ANY_ONLINE},
        [int(aimed["value"].eq(True).sum())], len(aimed) - children_missing, children_missing,
        "children", settings,
    )
    child_missing = _missing_rows(
        aimed["reason"], "aimed_at_other", {"group_variable": POPULATION, "group": ANY_ONLINE}
    )
    rows = pd.concat([by_behaviour, behaviour_missing, by_child, child_missing],
                     ignore_index=True)
    rows["finding"] = "R4"
    rows["output"] = "ta_hsb_aimed_at_other"
    return rows


def _dual_subgroup_rows(children, online, aimed, settings) -> pd.DataFrame:
    """R5: the two sub-groups of dual children, and how often each aims TA-HSB at another."""
    dual = children["hsb_group"].eq("dual").fillna(False).to_numpy(dtype=bool)
    dual_children = children.loc[dual].reset_index(drop=True)
    subgroup = pd.Categorical(
        dual_subgroup(dual_children, online).astype("string"), categories=list(DUAL_SUBGROUPS)
    )
    with_subgroup = subgroup.codes >= 0
    without_subgroup = int((~with_subgroup).sum())

    group_missing = _missing_rows(
        children["hsb_group_reason"].where(children["hsb_group"].isna()), "hsb_group",
        {"group_variable": POPULATION, "group": IN_DEPTH},
    )
    shares = _proportion_rows(
        {"variable": "dual_subgroup", "level": list(DUAL_SUBGROUPS),
         "group_variable": "hsb_group", "group": "dual"},
        _count_codes(subgroup.codes, len(DUAL_SUBGROUPS)), int(with_subgroup.sum()),
        without_subgroup, "children", settings,
    )
    no_subgroup = pd.Series(
        np.where(with_subgroup, None, NO_ONLINE_BEHAVIOUR_REASON), dtype="string"
    )
    subgroup_missing = _missing_rows(
        no_subgroup, "dual_subgroup", {"group_variable": "hsb_group", "group": "dual"}
    )

    # Child-level R4 value (same rule as the whole sample) of each dual child with a sub-group.
    members = pd.DataFrame(
        {
            "subgroup": subgroup[with_subgroup],
            "case_id": dual_children.loc[with_subgroup, "case_id"].to_numpy(),
        }
    )
    value = members["case_id"].map(aimed["value"]).astype("boolean")
    members["yes"] = value.eq(True).fillna(False).to_numpy(dtype=bool)
    members["missing"] = value.isna().to_numpy(dtype=bool)
    members["reason"] = members["case_id"].map(aimed["reason"]).astype("string")
    sums = members.groupby("subgroup", observed=False).agg(
        yes=("yes", "sum"), missing=("missing", "sum"), size=("case_id", "size")
    )
    missing_count = sums["missing"].to_numpy(dtype=np.int64)
    by_subgroup = _proportion_rows(
        {"variable": "aimed_at_other", "level": "yes", "group_variable": "dual_subgroup",
         "group": list(DUAL_SUBGROUPS)},
        sums["yes"].to_numpy(dtype=np.int64), sums["size"].to_numpy(dtype=np.int64)
        - missing_count, missing_count, "children", settings,
    )
    aimed_missing = _missing_rows_by_group(
        members["reason"], members["subgroup"], "aimed_at_other", "dual_subgroup"
    )
    rows = pd.concat(
        [group_missing, shares, subgroup_missing, by_subgroup, aimed_missing], ignore_index=True
    )
    rows["finding"] = "R5"
    rows["output"] = "dual_subgroups"
    return rows


# ---------------------------------------------------------------------------------------------
# Row builders


def _proportion_rows(labels: dict, n, denominator, excluded, unit: str, settings
                     ) -> pd.DataFrame:
    """Proportion rows n/denominator with CI, vectorised over levels.

    `excluded` is how many children (or behaviours) of the population were left out of the
    denominator for a missing value; it is named in the warning when the denominator is 0.
    """
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    denominator = np.broadcast_to(np.asarray(denominator, dtype=np.int64), n.shape).copy()
    excluded = np.broadcast_to(np.asarray(excluded, dtype=np.int64), n.shape)
    estimate = np.full(n.shape, np.nan)
    np.divide(n, denominator, out=estimate, where=denominator > 0)
    low, high = proportion_ci(n, denominator, settings["ci_method"], settings["confidence"])
    warning = [
        None if d > 0 else _empty_warning(int(k), unit)
        for d, k in zip(denominator, excluded, strict=True)  # one per level, not per child
    ]
    return pd.DataFrame(
        {
            **labels,
            "statistic": "proportion",
            "estimate": estimate,
            "ci_low": low,
            "ci_high": high,
            "n": n,
            "denominator": denominator,
            "unit": unit,
            "method": settings["ci_label"],
            "warning": warning,
        },
        index=pd.RangeIndex(len(n)),
    )


def _missing_rows(reasons: pd.Series, variable: str, labels: dict,
                  unit: str = "children") -> pd.DataFrame:
    """One count row per missing-value reason that occurs; `reasons` has one entry per member
    of the population (<NA> where the value is present), so its length is the denominator."""
    rows = missing_rows(reasons, variable=variable, denominator=len(reasons), unit=unit, **labels)
    return pd.DataFrame(rows, index=pd.RangeIndex(len(rows)))


def _missing_rows_by_group(reasons: pd.Series, groups: pd.Series, variable: str,
                           group_variable: str) -> pd.DataFrame:
    """`_missing_rows` within each level of `groups` (a Categorical), with one groupby."""
    frame = pd.DataFrame({"group": groups, "reason": reasons})
    sizes = frame.groupby("group", observed=False).size()
    counts = frame.dropna(subset=["reason"]).groupby(["group", "reason"], observed=True).size()
    counts = counts[counts > 0].reset_index(name="count")
    return pd.DataFrame(
        {
            "variable": variable,
            "level": MISSING_PREFIX + counts["reason"].astype("string"),
            "group_variable": group_variable,
            "group": counts["group"].astype("string"),
            "statistic": "count",
            "estimate": counts["count"].to_numpy(dtype=float),
            "n": counts["count"].to_numpy(dtype=np.int64),
            "denominator": counts["group"].map(sizes).to_numpy(dtype=np.int64),
            "unit": "children",
            "method": MISSING_METHOD["children"],
        },
        index=pd.RangeIndex(len(counts)),
    )


def _is_in(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """Which `values` are among `ids`, as a numpy mask (`cohort.id_positions`: Series.isin on
    Arrow strings walks the ids in Python, which is slow for a million children)."""
    return id_positions(values, ids) >= 0


def _count_codes(codes: np.ndarray, size: int) -> np.ndarray:
    """How often each category code 0..size-1 occurs (code -1, no category, is ignored)."""
    codes = np.asarray(codes)
    return np.bincount(codes[codes >= 0], minlength=size)[:size]


def _empty_warning(excluded: int, unit: str) -> str:
    if not excluded:
        return EMPTY_WARNING[unit]
    return f"{EMPTY_WARNING[unit]} with a known value ({excluded} left out for a missing value)"


def _missing_reason(codes: pd.Series, fld: Field) -> pd.Series:
    """The short reason ("not recorded", "not applicable") of each missing code, else <NA>."""
    labels = {code.value: short_label(code.label) for code in fld.missing_codes}
    text = pd.Series(codes, copy=False).astype("string").reset_index(drop=True)
    return text.map(labels).astype("string")


def _check_columns(cohort: Cohort) -> None:
    if not isinstance(cohort, Cohort):
        raise TypeError(
            f"ta_hsb_range needs a Cohort from validation.validate_cohort, got "
            f"{type(cohort).__name__}"
        )
    for table, columns in _REQUIRED_COLUMNS.items():
        absent = [c for c in columns if c not in cohort.table(table).columns]
        if absent:
            raise ValueError(
                f"the {table} table of cohort {cohort.label!r} lacks column(s) {absent}; "
                "build the cohort with validation.validate_cohort"
            )
