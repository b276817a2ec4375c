"""Small hand-made results tables for the figure tests, and helpers that read drawn figures.

Not a test module: the figure tests import it (tests/ is on the path, as for conftest).
"""

import matplotlib.colors
from matplotlib.patches import PathPatch
from matplotlib.text import Text

from tahsb_analysis.results.schema import concat_results, make_results

WILSON = "Wilson 95% CI"


def share(variable, level, n, denominator, low=None, high=None, **extra):
    estimate = None if denominator == 0 else n / denominator
    return dict(variable=variable, level=level, statistic="proportion", estimate=estimate,
                ci_low=low, ci_high=high, n=n, denominator=denominator, unit="children",
                method=WILSON, **extra)


def results(synthetic=True):
    """One small cohort of 20 children, 9 with any TA-HSB (limits are illustrative)."""
    common = dict(cohort="ttp-2015", synthetic=synthetic, analysis="hand")
    overall = make_results(
        [
            share("hsb_group", "any_ta_hsb", 9, 20, 0.26, 0.66),
            share("hsb_group", "ta_only", 2, 20, 0.03, 0.30),
            share("hsb_group", "dual", 7, 20, 0.18, 0.57),
            share("hsb_group", "offline_only", 11, 20, 0.34, 0.74),
            dict(variable="hsb_group", level="missing: not recorded", statistic="count", n=1,
                 denominator=21, unit="children", method="count"),
        ],
        output="prevalence_overall", **common,
    )
    population = dict(group_variable="population", group="any_ta_hsb")
    types = make_results(
        [
            share("ta_hsb_type", "sexual_texts", 3, 9, 0.12, 0.65, **population),
            share("ta_hsb_type", "iioc", 6, 9, 0.35, 0.88, **population),
            share("ta_hsb_type", "iioc", 6, 15, 0.2, 0.6, group_variable="population",
                  group="in_depth_sample"),
        ],
        output="ta_hsb_types", **common,
    )
    forms = make_results(
        [
            share("n_ta_hsb_types", "2", 4, 9, 0.19, 0.73, **population),
            share("n_ta_hsb_types", "1", 3, 9, 0.12, 0.65, **population),
            share("n_ta_hsb_types", "3", 2, 9, 0.06, 0.55, **population),
            share("n_ta_hsb_types", "more than one", 6, 9, 0.35, 0.88, **population),
        ],
        output="ta_hsb_forms_per_child", **common,
    )
    characteristics = make_results(characteristics_rows(), output="characteristics", **common)
    gap = make_results(gap_rows(), output="onset_gap", finding="L2", **common)
    trajectories = make_results(trajectory_rows(), output="trajectories", finding="L2;L3",
                                **common)
    responses = make_results(response_rows(), output="responses", **common)
    models = make_results(model_rows(), output="response_models", **common)
    return concat_results([overall, types, forms, characteristics, gap, trajectories,
                           responses, models])


def group_size_rows(sizes, empty_group=None):
    """The N of each group (results rows of statistic "group_size", as compare_groups makes)."""
    sizes = {**sizes, **({empty_group: 0} if empty_group else {})}
    return [dict(variable="hsb_group", group_variable="hsb_group", group=group,
                 statistic="group_size", estimate=float(size), n=size, unit="children",
                 method="children in the group (values recorded or not)")
            for group, size in sizes.items()]


def group_share_rows(shares, sizes, empty_group, finding):
    """Share rows of each (variable, level): counts of TA-HSB only, dual and offline only, plus
    all; `empty_group` gets a denominator of 0 and no estimate."""
    rows = []
    for (variable, level), counts in shares.items():
        counts = dict(zip(("ta_only", "dual", "offline_only"), counts, strict=True))
        counts["all"] = sum(counts.values())
        for group, n in counts.items():
            denominator = 0 if group == empty_group else sizes[group]
            n = 0 if group == empty_group else n
            low, high = (None, None) if denominator == 0 else (0.05, 0.9)
            rows.append(share(variable, level, n, denominator, low, high,
                              group_variable="hsb_group", group=group, finding=finding))
    return rows


def characteristics_rows(empty_group=None):
    """Two yes/no variables, one categorical (first codebook level "stable") and one age for
    the three groups and all; `empty_group` gets denominators of 0 and no estimates."""
    sizes = {"ta_only": 4, "dual": 10, "offline_only": 6, "all": 20}
    shares = {
        ("unresolved_trauma", "yes"): (1, 6, 3),
        ("impulsivity", "yes"): (1, 5, 3),
        ("family_stability", "some_instability"): (1, 4, 3),
        ("family_stability", "stable"): (3, 2, 1),
    }
    rows = group_share_rows(shares, sizes, empty_group, finding="C5")
    ages = {"ta_only": (14.0, 13.0, 15.0), "dual": (11.0, 9.5, 12.5),
            "offline_only": (10.5, 9.0, 12.0), "all": (11.5, 9.5, 13.0)}
    for group, values in ages.items():
        for statistic, value in zip(("median", "q1", "q3"), values, strict=True):
            empty = group == empty_group
            rows.append(dict(variable="age_first_hsb", group_variable="hsb_group", group=group,
                             statistic=statistic, estimate=None if empty else value,
                             n=0 if empty else sizes[group],
                             denominator=0 if empty else sizes[group], unit="years",
                             method="median and quartiles", finding="C1"))
    rows.append(dict(variable="impulsivity", group_variable="hsb_group", statistic="chi2",
                     estimate=2.0, p_value=0.3, n=20, method="Pearson chi-squared test"))
    rows += group_size_rows(sizes, empty_group)
    return rows


def response_rows(empty_group=None):
    """A yes/no response, a composite and the ordered social care level for the three groups
    and all; `empty_group` gets denominators of 0 and no estimates."""
    sizes = {"ta_only": 4, "dual": 10, "offline_only": 6, "all": 20}
    shares = {
        ("police_involvement", "yes"): (3, 4, 1),
        ("therapeutic_response", "yes"): (1, 6, 5),
        ("social_care_level", "none"): (2, 4, 3),
        ("social_care_level", "section_47"): (2, 6, 3),
    }
    rows = group_share_rows(shares, sizes, empty_group, finding="S1")
    rows += group_size_rows(sizes, empty_group)
    return rows


LOGIT = ("logistic regression (statsmodels Logit), adjusted for age at referral; reference "
         "group offline HSB only; Wald 95% CI")
SEPARATION = "quasi-complete separation: no event in offline HSB only; odds ratio not estimable"


def odds_ratio(outcome, term, estimate, low=None, high=None, p=None, n=18, **extra):
    return dict(variable=outcome, level=term, group_variable="hsb_group",
                statistic="odds_ratio", estimate=estimate, ci_low=low, ci_high=high,
                p_value=p, n=n, denominator=n, unit="children", method=LOGIT, **extra)


def model_rows():
    """Police involvement for both groups (and age, not drawn), therapeutic response with
    TA-HSB only separated, and the ordered social care level (table only)."""
    return [
        odds_ratio("police_involvement", "ta_only", 3.25, 1.1, 9.61, 0.033, finding="S2"),
        odds_ratio("police_involvement", "dual", 0.8, 0.3, 2.1, 0.6, finding="S2"),
        odds_ratio("police_involvement", "age_at_referral", 1.2, 1.0, 1.4, 0.04),
        odds_ratio("therapeutic_response", "ta_only", None, warning=SEPARATION),
        odds_ratio("therapeutic_response", "dual", 0.4, 0.2, 0.9, 0.02),
        dict(odds_ratio("social_care_level", "ta_only", 0.5, 0.2, 1.3, 0.15),
             method="proportional-odds logistic regression (statsmodels OrderedModel)"),
        dict(variable="police_involvement", level="missing: not recorded", statistic="count",
             n=2, unit="children", method="count"),
    ]


DUAL = dict(group_variable="dual_subgroup")
BOOTSTRAP = "mean with bootstrap percentile 95% CI (9999 resamples, seed 7)"


def gap_rows(overrides=None):
    """The onset gap of 9 children with other TA-HSB: mean 3.04 [2.21, 3.95], median 3.0,
    IQR 2.0-4.0; `overrides` changes rows by statistic."""
    common = dict(variable="onset_gap", group="other_ta_hsb", unit="years", n=9,
                  denominator=9, **DUAL)
    rows = [
        dict(common, statistic="mean", estimate=3.04, ci_low=2.21, ci_high=3.95,
             method=BOOTSTRAP),
        dict(common, statistic="sd", estimate=1.36, method="standard deviation"),
        dict(common, statistic="median", estimate=3.0, method="median and quartiles"),
        dict(common, statistic="q1", estimate=2.0, method="median and quartiles"),
        dict(common, statistic="q3", estimate=4.0, method="median and quartiles"),
        dict(common, statistic="wilcoxon", estimate=3.0, p_value=0.0039,
             method="Wilcoxon signed-rank test, two-sided"),
    ]
    for row in rows:
        row.update((overrides or {}).get(row["statistic"], {}))
    return rows


# 20 dual children: 11 offline first (8 then other TA-HSB, 3 then pornography), 5 pornography
# first, 2 other TA-HSB first, 2 offline and pornography in the same year with nothing later.
TRAJECTORIES = {
    "offline -> other_ta": 8,
    "pornography -> offline": 5,
    "offline -> pornography": 3,
    "other_ta -> offline": 2,
    "offline + pornography (same year)": 2,
}


# The nodes of TRAJECTORIES, counted by hand: the children of each first and later step.
TRAJECTORY_NODES = {
    "trajectory_first": {"offline": 11, "pornography": 5, "other_ta": 2,
                         "offline + pornography (same year)": 2},
    "trajectory_later": {"offline": 7, "pornography": 3, "other_ta": 8, "same_year": 2},
}


def trajectory_rows(counts=None, denominator=20, nodes=None):
    """Trajectory rows of all dual children (TRAJECTORIES and their nodes by default), and
    the node rows `nodes` ({variable: {level: n}}) when the counts are given."""
    if counts is None:
        counts, nodes = TRAJECTORIES, TRAJECTORY_NODES
    rows = [share("trajectory", level, n, denominator, group="all_dual", **DUAL)
            for level, n in counts.items()]
    rows += [share(variable, level, n, denominator, group="all_dual", **DUAL)
             for variable, levels in (nodes or {}).items() for level, n in levels.items()]
    # A sub-group row: in the table, not in the figure.
    rows.append(share("trajectory", "offline -> other_ta", 8, 12, group="other_ta_hsb", **DUAL))
    return rows


def texts(figure):
    return [t.get_text() for t in figure.findobj(Text)]


def markers(ax):
    """(marker, face colour, x, y) of every drawn marker of an axes, top to bottom."""
    found = []
    for artist in ax.get_lines():
        if artist.get_marker() in (None, "None", "") or not len(artist.get_xdata()):
            continue
        colour = matplotlib.colors.to_hex(artist.get_markerfacecolor()).upper()
        found.append((artist.get_marker(), colour, float(artist.get_xdata()[0]),
                      float(artist.get_ydata()[0])))
    return sorted(found, key=lambda m: -m[3])


def band_heights(ax):
    """Height of each band where it leaves its first-kind node, top to bottom."""
    bands = [p for p in ax.patches if isinstance(p, PathPatch)]
    vertices = [band.get_path().vertices for band in bands]
    return [round(v[0][1] - v[-2][1], 9) for v in vertices]


def response_results(synthetic=True, empty_group=None, models=None):
    common = dict(cohort="ttp-2015", synthetic=synthetic, analysis="responses")
    return concat_results([
        make_results(response_rows(empty_group), output="responses", **common),
        make_results(model_rows() if models is None else models, output="response_models",
                     **common),
    ])


def bars(ax):
    """Drawn bars (width > 0) of an axes as (face colour, hatch, width), top to bottom."""
    found = [(matplotlib.colors.to_hex(b.get_facecolor()).upper(), b.get_hatch() or "",
              round(b.get_width(), 6), b.get_y()) for b in ax.patches if b.get_width() > 0]
    return [f[:3] for f in sorted(found, key=lambda f: -f[3])]
