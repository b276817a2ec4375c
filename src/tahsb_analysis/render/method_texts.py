"""What each method of the results table is, in words, written once: the study page's methods
section (render/pages/methods.py) and the draft's methods paragraph
(render/methods_paragraph.py) both read these texts, so the two never drift apart.

Texts cite as ``[@key]`` (keys of render/references.py). Each `MethodText` says which rows use
it (`present`), so a text is shown only when its method is on a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from tahsb_analysis.vocabulary import (
    MISSING_BOUNDS,
    MISSING_PREFIX,
    SENSITIVITY_ANALYSIS,
    WEIGHTED_PROPORTION,
    WITHIN_CHILD_CORRELATION,
)

# --- texts the study page shows as notes under a kind of statistic or a method ------------------

ORDERED_TESTS_TEXT = (
    "Variables whose categories are ordered in the codebook (family stability, relationship "
    "with parents, social-care level, criminal-justice outcome) are tested as ordered: "
    "Kruskal-Wallis on the level codes across the groups [@kruskal1952] and the "
    "linear-by-linear (Mantel trend) test for each pair [@mantel1963; @agresti2013] are "
    "primary; the chi-squared or exact test of the same table is kept as a secondary test, "
    "outside the multiplicity family."
)
COMPLETE_CASE_TEXT = (
    "The primary analyses use the children whose value was recorded (complete case)."
)
BOUNDS_TEXT = (
    "As a sensitivity analysis, each share with a value not recorded is given with its bounds "
    "if every such value were no and if every one were yes; the bounds never replace the "
    "primary result."
)
SCENARIO_TESTS_TEXT = (
    "As a sensitivity analysis, each test of the group comparisons is rerun with every value "
    "not recorded counted as one level, once per level (for a yes/no variable: all yes, then "
    "all no), to show whether its conclusion at the 5% level could change; the reruns never "
    "replace the primary result."
)
# The method text of every rerun test (analyses/sensitivity.py) ends with this.
SCENARIO_TESTS_MARK = "every value not recorded counted as"
IMPUTATION_TEXT = (
    "As a sensitivity analysis, the response models are refitted after multiple imputation by "
    "chained equations, with 20 imputed data sets and predictive mean matching "
    "[@vanbuuren2011], pooled by Rubin's rules [@rubin1987] with the Barnard-Rubin degrees of "
    "freedom [@barnard1999]; the pooled estimates never replace the primary result."
)
FIRTH_TEXT = (
    "Firth's penalised logistic regression [@firth1993; @heinze2002] is used for every term "
    "of a logistic model with fewer than 10 events per variable, where it is the primary "
    "estimate (the Wald row beside it says so), and otherwise only for a group term the "
    "ordinary model could not estimate (separation); the penalty removes the small-sample bias "
    "of the odds ratio and keeps it finite (profile-likelihood intervals, penalised "
    "likelihood-ratio p-values)."
)
PROPORTIONAL_ODDS_TEXT = (
    "Ordered responses are modelled by proportional-odds logistic regression [@mccullagh1980], "
    "fitted to convergence (Newton steps on the analytic Hessian, as R's MASS::polr); the "
    "proportional-odds assumption is checked by Brant's Wald test that the binary logistic "
    "models of each cut-point share their coefficients [@brant1990], reported in each row's "
    "warning."
)
ONSET_GAP_TEXT = (
    "The onset gap (L2) is given as two estimands: the study's gap is conditional on offline "
    "HSB first (dual children with other TA-HSB whose first offline HSB began in an earlier "
    "whole year of age; same-year onsets left out), so it is positive by construction and says "
    "how long after, when offline came first; the mean paired difference covers every such "
    "child with both onset ages, whichever came first (same-year onsets kept at their recorded "
    "difference), is zero when neither tends to come first, and is tested by the paired "
    "Wilcoxon (or sign) test over the same children. By default the conditional gap, positive "
    "and right-skewed, has the modified Cox interval on the log scale [@olsson2005] and the paired "
    "difference a t interval: in simulation at 5 to 26 children they covered about 93% or more "
    "for gamma and lognormal gaps, where the t interval alone fell to 86% and bootstrap "
    "percentile and BCa [@efron1987] intervals to 77%."
)
WEIGHTED_TEXT = (
    "Shares of the whole in-depth sample (the \"All\" column) pool HSB groups that the sample "
    "draws at different fractions (a group's in-depth children over its children in the "
    "prevalence cohort), so they describe the sample studied; the \"All, weighted\" column "
    "weights each group's share by the group's share of the prevalence cohort (inverse sampling "
    "fraction; stratified estimator with finite-population-corrected variance and a Wilson "
    "interval at its effective sample size [@kish1965]) and describes all the children the "
    "service assessed: read the unweighted share for the sample, the weighted one for the "
    "service's children."
)
CLUSTER_TEXT = (
    "Shares of behaviours count several behaviours of one child, which are alike: their "
    "intervals treat children as clusters (cluster-robust GEE sandwich variance [@liang1986] "
    "with the small-sample factor K/(K-1) [@cameron2008], Wilson interval at the effective "
    "sample size), and the within-child correlation of the behaviours (GEE exchangeable working "
    "correlation) is given in a row of its own."
)

# --- the draft's methods paragraph: one text per method, shown when a row uses it ---------------

STUDY = "study"
ESTIMATES = "estimates"
TESTS = "tests"
MODELS = "models"
MULTIPLICITY = "multiplicity"
MISSING_DATA = "missing data"
DESIGN = "design"
TOPICS = (STUDY, ESTIMATES, DESIGN, TESTS, MODELS, MULTIPLICITY, MISSING_DATA)


def _methods(results: pd.DataFrame) -> pd.Series:
    return results["method"].astype("string").fillna("")


def method_contains(*words: str) -> Callable[[pd.DataFrame], bool]:
    """Present when some row's method contains one of `words` (case as written)."""
    def present(results: pd.DataFrame) -> bool:
        methods = _methods(results)
        return any(bool(methods.str.contains(word, regex=False).any()) for word in words)
    return present


def statistic_is(*statistics: str) -> Callable[[pd.DataFrame], bool]:
    def present(results: pd.DataFrame) -> bool:
        return bool(results["statistic"].isin(statistics).fillna(False).any())
    return present


def level_is(level: str) -> Callable[[pd.DataFrame], bool]:
    def present(results: pd.DataFrame) -> bool:
        return bool(results["level"].eq(level).fillna(False).any())
    return present


def has_missing_values(results: pd.DataFrame) -> bool:
    """Some row counts children (or behaviours) whose value was not recorded, or is a
    missing-data sensitivity analysis."""
    levels = results["level"].astype("string").fillna("")
    return bool(levels.str.startswith(MISSING_PREFIX).any()
                or _methods(results).str.startswith(SENSITIVITY_ANALYSIS).any())


def always(results: pd.DataFrame) -> bool:
    return True


@dataclass(frozen=True)
class MethodText:
    """A sentence (or a few) of the methods paragraph under `topic`, shown when `present`."""

    name: str
    topic: str
    text: str
    present: Callable[[pd.DataFrame], bool]


METHOD_TEXTS = (
    MethodText("study", STUDY,
               "The analyses reproduce those of the published study [@hollis2017]; every "
               "statistic is one row of a single results table, which names its method, "
               "numerator, denominator and confidence interval.", always),
    MethodText("wilson", ESTIMATES,
               "Proportions are given with Wilson score {level} confidence intervals "
               "[@wilson1927].", method_contains("Wilson")),
    MethodText("clopper_pearson", ESTIMATES,
               "Proportions are given with Clopper-Pearson exact {level} confidence intervals "
               "[@clopper1934].", method_contains("Clopper-Pearson")),
    MethodText("newcombe", ESTIMATES,
               "Differences between two groups' proportions are risk differences with "
               "Newcombe's hybrid score interval [@newcombe1998].",
               method_contains("Newcombe")),
    MethodText("t_mean", ESTIMATES,
               "Means are given with t-based {level} confidence intervals, with standard "
               "deviations, medians and quartiles.", method_contains("mean with t-based")),
    MethodText("onset_gap", ESTIMATES, ONSET_GAP_TEXT, level_is("paired_difference")),
    MethodText("bootstrap_bca", ESTIMATES,
               "Bootstrap intervals of a mean are bias-corrected and accelerated (BCa) "
               "[@efron1987].", method_contains("bootstrap BCa")),
    MethodText("bootstrap_percentile", ESTIMATES,
               "Bootstrap intervals of a mean are percentile intervals [@efron1987].",
               method_contains("bootstrap percentile")),
    MethodText("hodges_lehmann", ESTIMATES,
               "Differences in location between two groups are Hodges-Lehmann shifts "
               "[@hodges1963].", method_contains("Hodges-Lehmann")),
    MethodText("rank_biserial", ESTIMATES,
               "The rank-biserial correlation gives the size of each Mann-Whitney comparison.",
               method_contains("rank-biserial")),
    MethodText("cramers_v", ESTIMATES,
               "Cramér's V gives the strength of association of each contingency table.",
               method_contains("Cramer's V")),
    MethodText("weighted", DESIGN, WEIGHTED_TEXT, statistic_is(WEIGHTED_PROPORTION)),
    MethodText("clustered", DESIGN, CLUSTER_TEXT,
               lambda r: statistic_is(WITHIN_CHILD_CORRELATION)(r)
               or method_contains("cluster-robust")(r)),
    MethodText("chi2", TESTS,
               "Categorical variables are compared between groups by Pearson's chi-squared "
               "test [@pearson1900].", method_contains("Pearson chi-squared")),
    MethodText("fisher", TESTS,
               "Where an expected count was below 5, Fisher's exact test [@fisher1922] is used "
               "instead.", method_contains("Fisher's exact")),
    MethodText("fisher_freeman_halton", TESTS,
               "Tables larger than 2 x 2 with an expected count below 5 are tested by the "
               "Fisher-Freeman-Halton exact test [@freeman1951], its p-value by Monte Carlo "
               "simulation.", method_contains("Fisher-Freeman-Halton")),
    MethodText("ordered_tests", TESTS, ORDERED_TESTS_TEXT,
               method_contains("primary test of an ordered variable")),
    MethodText("kruskal_wallis", TESTS,
               "Ages and other numeric variables are compared across the groups by the "
               "Kruskal-Wallis test [@kruskal1952].", method_contains("Kruskal-Wallis H test (")),
    MethodText("anova", TESTS,
               "Ages and other numeric variables are compared across the groups by one-way "
               "analysis of variance.", method_contains("one-way ANOVA")),
    MethodText("mann_whitney", TESTS,
               "Pairs of groups are compared by the Mann-Whitney U test [@mann1947].",
               method_contains("Mann-Whitney")),
    MethodText("wilcoxon", TESTS,
               "Paired differences are tested by the Wilcoxon signed-rank test "
               "[@wilcoxon1945].", method_contains("Wilcoxon signed-rank")),
    MethodText("sign_test", TESTS,
               "Paired differences are tested by the sign test.",
               method_contains("sign test")),
    MethodText("binomial", TESTS,
               "A share is tested against one half by the exact binomial test.",
               method_contains("exact binomial")),
    MethodText("welch", TESTS,
               "Means of two cohorts are compared by Welch's t-test.",
               method_contains("Welch")),
    MethodText("intersection_union", TESTS,
               "A claim made of several parts is tested as an intersection-union test "
               "[@berger1982]: it holds only when every part does.",
               method_contains("intersection-union")),
    MethodText("logistic", MODELS,
               "Odds ratios come from logistic regression adjusted for age at referral, with "
               "Wald {level} confidence intervals.",
               method_contains("logistic regression (statsmodels Logit)")),
    MethodText("proportional_odds", MODELS, PROPORTIONAL_ODDS_TEXT,
               method_contains("proportional-odds logistic regression (")),
    MethodText("firth", MODELS, FIRTH_TEXT, method_contains("Firth penalised")),
    MethodText("complete_case", MISSING_DATA, COMPLETE_CASE_TEXT, has_missing_values),
    MethodText("bounds", MISSING_DATA, BOUNDS_TEXT, statistic_is(MISSING_BOUNDS)),
    MethodText("scenario_tests", MISSING_DATA, SCENARIO_TESTS_TEXT,
               method_contains(SCENARIO_TESTS_MARK)),
    MethodText("imputation", MISSING_DATA, IMPUTATION_TEXT,
               method_contains("multiple imputation")),
)

MULTIPLICITY_CITATIONS = {"Holm": "[@holm1979]", "Benjamini-Hochberg": "[@benjamini1995]"}
_LEVEL = re.compile(r"(\d+(?:\.\d+)?%) CI")


def confidence_words(results: pd.DataFrame) -> str:
    """The confidence level the rows' methods name ("95%"), the most common one; "95%" when
    no method names one."""
    levels = _methods(results).str.extract(_LEVEL)[0].dropna()
    return str(levels.value_counts().sort_index().idxmax()) if len(levels) else "95%"


def texts_present(results: pd.DataFrame) -> list[MethodText]:
    """The method texts whose methods are on a row of `results`, in `METHOD_TEXTS` order."""
    return [text for text in METHOD_TEXTS if text.present(results)]
