"""Codes as words: variables, levels, groups, pairs, trajectories, units and output titles.

Codebook fields read as their codebook title and category labels; derived variables (the HSB
groups, trajectories, populations) are labelled here; an output's title comes from the output
registry. An unknown code reads as itself with spaces for underscores, never as an error.
"""

from __future__ import annotations

from functools import lru_cache

from tahsb_analysis.analyses.groups import DUAL_SUBGROUP_LABELS, HSB_GROUP_LABELS
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.numbers import is_missing
from tahsb_analysis.vocabulary import MISSING_PREFIX, PAIR_SEPARATOR

# The whole population's column heading.
ALL_GROUPS = "All"
# Group code of the whole population in a group comparison.
ALL_GROUP_CODE = "all"

# Every statistic of the results vocabulary in words (tests, effect sizes, summaries).
STATISTIC_LABELS = {
    "proportion": "proportion",
    "count": "count",
    "rank": "rank",
    "mean": "mean",
    "sd": "standard deviation",
    "median": "median",
    "q1": "25th percentile",
    "q3": "75th percentile",
    "chi2": "chi-squared test",
    "fisher_exact": "Fisher's exact test",
    "not_tested": "not tested",
    "t": "t-test",
    "welch_t": "Welch's t-test",
    "mann_whitney_u": "Mann-Whitney U test",
    "kruskal_wallis": "Kruskal-Wallis test",
    "anova": "one-way ANOVA",
    "binomial_test": "binomial test",
    "wilcoxon": "Wilcoxon signed-rank test",
    "sign_test": "sign test",
    "z": "z-test",
    "linear_by_linear": "linear-by-linear association test",
    "missing_bounds": "bounds for values not recorded",
    "risk_difference": "risk difference",
    "cramers_v": "Cramér's V",
    "hodges_lehmann": "Hodges-Lehmann estimate",
    "rank_biserial": "rank-biserial correlation",
    "odds_ratio": "odds ratio",
    "weighted_proportion": "proportion weighted by inverse sampling fraction",
    "within_child_correlation": "within-child correlation",
    "percent_agreement": "agreement",
    "cohens_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "gwet_ac1": "Gwet's AC1",
    "krippendorff_alpha": "Krippendorff's alpha",
}

# Labels for derived variables; codebook fields fall back to their codebook title.
VARIABLE_LABELS = {
    "hsb_group": "HSB group",
    "any_ta_hsb": "any TA-HSB",
    "ta_hsb_type": "form of TA-HSB",
    "behaviour_type": "form of HSB",
    "n_ta_hsb_types": "number of forms of TA-HSB",
    "aimed_at_other": "aimed at another person",
    "dual_subgroup": "dual sub-group",
    "onset_order": "which came first",
    "trajectory": "first and later behaviour",
    "trajectory_first": "first behaviour",
    "trajectory_later": "later behaviour",
    "onset_gap": "years from first offline HSB to first other TA-HSB",
    "sex": "sex",
    "age_band": "age band",
    "learning_disability": "learning disability recorded",
    "population": "population",
    # Binary cuts of the ordered responses, modelled as outcomes (finding S1-S2).
    "social_care_section_47": "section 47 (significant harm) vs lower",
    "cj_out_of_court_or_court": "out-of-court disposal or court order",
}
POPULATION_LABELS = {
    "all": "all children assessed",
    "any_ta_hsb": "children with any TA-HSB",
    "in_depth_sample": "in-depth sample",
    "any_online_behaviour": "children with any online behaviour coded",
}
# Groups of the links analyses (L1-L3): the R5 sub-groups and all dual children together.
DUAL_GROUP_LABELS = {**DUAL_SUBGROUP_LABELS, "all_dual": "all dual children"}
ONSET_ORDER_LABELS = {
    "offline_first": "offline HSB first",
    "online_first": "TA-HSB first",
    "same_year": "both in the same year",
    # The L2 paired difference (onset_gap): every child with both onsets, whichever came first.
    "paired_difference": "all with both onset ages (paired difference)",
}
# The kinds of behaviour a trajectory level is made of ("offline -> other_ta").
BEHAVIOUR_KINDS = ("offline", "pornography", "other_ta")
BEHAVIOUR_KIND_LABELS = {
    "offline": "offline HSB",
    "pornography": "inappropriate pornography use",
    "other_ta": "other TA-HSB",
    "online": "TA-HSB",
}
TRAJECTORY_STEP = " -> "
TRAJECTORY_TIE = " + "
SAME_YEAR = "(same year)"
UNIT_SINGULAR = {"children": "child", "behaviours": "behaviour", "years": "year"}
# Short HSB group names for column headings and pairwise comparisons ("TA-HSB only vs dual").
SHORT_GROUP_LABELS = {
    "ta_only": "TA-HSB only",
    "dual": "dual",
    "offline_only": "offline only",
    "neither": "no HSB recorded",
    "all": "all",
    "all_weighted": "all, weighted",
}


@lru_cache(maxsize=1)
def _codebook_labels() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Field titles and category labels from the packaged codebook."""
    codebook = load_codebook()
    titles: dict[str, str] = {}
    categories: dict[str, dict[str, str]] = {}
    for table in codebook.tables.values():
        for fld in table.fields:
            titles.setdefault(fld.name, lower_first(fld.title))
            if fld.is_categorical:
                categories.setdefault(fld.name, {c.value: c.label for c in fld.categories})
    for name, composite in codebook.response_composites.items():
        titles.setdefault(name, lower_first(str(composite.get("title", code_words(name)))))
    behaviour_labels = codebook.behaviour_labels()
    categories["ta_hsb_type"] = behaviour_labels
    categories["behaviour_type"] = behaviour_labels
    return titles, categories


def lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym ("Sex" -> "sex", "HSB" stays)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    """The text with its first letter in capitals, for the start of a label or sentence."""
    return text[:1].upper() + text[1:]


def code_words(code) -> str:
    """An unknown code read as words: underscores become spaces."""
    return str(code).replace("_", " ")


def variable_label(variable) -> str:
    """A variable's name in words, lower case: "hsb_group" -> "HSB group"."""
    if is_missing(variable):
        return ""
    if variable in VARIABLE_LABELS:
        return VARIABLE_LABELS[variable]
    titles, _ = _codebook_labels()
    return titles.get(variable, code_words(variable))


def level_label(variable, level) -> str:
    """A level's label given its variable: ("hsb_group", "dual") -> "dual (TA-HSB and ...)".

    Missing-value levels ("missing: not recorded") read "missing: not recorded"; unknown codes
    read as the code with underscores as spaces.
    """
    if is_missing(level):
        return ""
    level = str(level)
    if level.startswith(MISSING_PREFIX):
        return level
    if variable == "hsb_group":
        if PAIR_SEPARATOR in level:
            return pair_label(level)
        return HSB_GROUP_LABELS.get(level, code_words(level))
    if variable == "dual_subgroup":
        return DUAL_GROUP_LABELS.get(level, code_words(level))
    if variable in ("onset_order", "onset_gap"):  # the gap is summarised for one order
        return ONSET_ORDER_LABELS.get(level, code_words(level))
    if variable in ("trajectory", "trajectory_first", "trajectory_later"):
        # "same_year": the first kinds began in the same year, none came later.
        return "same year (no order)" if level == "same_year" else trajectory_label(level)
    if variable == "population":
        return POPULATION_LABELS.get(level, code_words(level))
    _, categories = _codebook_labels()
    return categories.get(variable, {}).get(level, code_words(level))


def trajectory_steps(level: str) -> list[tuple[tuple[str, ...], bool]]:
    """A trajectory level as its steps in time: [(kinds, same year?), ...].

    "offline -> other_ta" -> [(("offline",), False), (("other_ta",), False)];
    "offline + pornography (same year)" -> [(("offline", "pornography"), True)].
    """
    steps = []
    for step in str(level).split(TRAJECTORY_STEP):
        step = step.strip()
        tie = step.endswith(SAME_YEAR)
        step = step.removesuffix(SAME_YEAR).strip()
        kinds = tuple(k.strip() for k in step.split(TRAJECTORY_TIE.strip()) if k.strip())
        steps.append((kinds, tie or len(kinds) > 1))
    return steps


def behaviour_kind_label(kind: str) -> str:
    """"other_ta" -> "other TA-HSB"; unknown kinds read with spaces for underscores."""
    return BEHAVIOUR_KIND_LABELS.get(str(kind), code_words(kind))


def trajectory_step_label(kinds: tuple[str, ...], same_year: bool) -> str:
    """One step: "offline HSB", or "offline HSB and inappropriate pornography use (same year)"."""
    text = " and ".join(behaviour_kind_label(k) for k in kinds)
    return f"{text} {SAME_YEAR}" if same_year else text


def trajectory_label(level) -> str:
    """A trajectory in words: "offline -> other_ta" -> "offline HSB, then other TA-HSB"."""
    if is_missing(level):
        return ""
    return ", then ".join(trajectory_step_label(k, t) for k, t in trajectory_steps(level))


def is_pair(group) -> bool:
    """True for a pairwise comparison's group ("ta_only vs dual")."""
    return not is_missing(group) and PAIR_SEPARATOR in str(group)


def is_all_group(group) -> bool:
    """True for the whole-population column: group <NA> or "all"."""
    return is_missing(group) or str(group) == ALL_GROUP_CODE


def group_code(group) -> str:
    """A group's code, "all" for the whole population (group <NA> or "all")."""
    return ALL_GROUP_CODE if is_all_group(group) else str(group)


def pair_label(pair: str) -> str:
    """A pairwise comparison's name: "ta_only vs dual" -> "TA-HSB only vs dual"."""
    return PAIR_SEPARATOR.join(
        SHORT_GROUP_LABELS.get(part.strip(), code_words(part.strip()))
        for part in str(pair).split(PAIR_SEPARATOR)
    )


def short_group_label(group: str) -> str:
    """A group's short name: "ta_only" -> "TA-HSB only", "all" -> "all"."""
    if is_pair(group):
        return pair_label(group)
    if str(group) in DUAL_GROUP_LABELS:
        return DUAL_GROUP_LABELS[str(group)]
    return SHORT_GROUP_LABELS.get(str(group), level_label("hsb_group", group))


def group_label(group_variable, group) -> str:
    """A column block's heading: the group's label, or "All" for the whole population."""
    if is_missing(group):
        return ALL_GROUPS
    return upper_first(level_label(group_variable, group))


def output_title(name: str) -> str:
    """The title of an output or a figure, from the output registry; a name the registry does
    not know (a new or test output) reads as its words: "toy_output" -> "Toy output"."""
    title = load_registry().title(name)
    return title if title is not None else upper_first(code_words(name))


def unit_word(unit, count) -> str:
    """"children" / "child" to agree with `count`."""
    if is_missing(unit):
        return ""
    if not is_missing(count) and int(count) == 1:
        return UNIT_SINGULAR.get(str(unit), str(unit))
    return str(unit)
