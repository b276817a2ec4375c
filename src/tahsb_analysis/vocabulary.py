"""Words several layers share, defined once: the statistics of the results table, how missing
values and pairwise comparisons are written in it, and the two tiers.

Analyses write these words into results rows; disclosure control, comparison, tables, figures
and pages read them back. No imports: every layer may use this module.
"""

from __future__ import annotations

# --- how a results row writes a missing value, a pair and an empty population -----------------

# Level of a row counting children whose value was not recorded: "missing: not recorded".
MISSING_PREFIX = "missing: "
# Group of a pairwise comparison row: "TA-HSB only vs offline HSB only".
PAIR_SEPARATOR = " vs "
# Joins the labels of adjacent categories merged before disclosure control ("12-14 or 15-18").
MERGED_SEPARATOR = " or "
# Warning on a row whose population has no children (estimate and CI left empty).
EMPTY_DENOMINATOR_WARNING = "empty denominator: no children in this population"

# --- the statistic column ---------------------------------------------------------------------

PROPORTION = "proportion"
COUNT = "count"
RANK = "rank"
# Children in a group of a group comparison (recorded and missing values together): the N of
# the group's column heading, a row of its own so that no renderer has to add counts up.
GROUP_SIZE = "group_size"
ODDS_RATIO = "odds_ratio"
ODDS_RATIO_FIRTH = "odds_ratio_firth"
# Trend test of an ordered variable (Mantel's M^2 = (N - 1) r^2).
LINEAR_BY_LINEAR = "linear_by_linear"
# A share's bounds when every "not recorded" value is no (ci_low) and yes (ci_high); its
# estimate is the complete-case share. A sensitivity analysis, never the primary result.
MISSING_BOUNDS = "missing_bounds"
# Words in the method of a sensitivity-analysis row, and of a test kept beside the primary one
# (not in the multiplicity family).
SENSITIVITY_ANALYSIS = "sensitivity analysis"
SECONDARY_TEST = "secondary test"
# The warning that opens a Firth row when it, not the Wald row beside it, is the estimate.
FIRTH_PRIMARY = "primary estimate, as events per variable are few"

# Summaries of a distribution (of ages, gaps): each describes the children counted in `n`.
SUMMARY_STATISTICS = ("mean", "sd", "median", "q1", "q3")
# Tests: the estimate is the test statistic, the row carries the p-value.
TEST_STATISTICS = (
    "chi2", "fisher_exact", "not_tested", "t", "welch_t", "mann_whitney_u", "kruskal_wallis",
    "anova", "binomial_test", "wilcoxon", "sign_test", "z", LINEAR_BY_LINEAR,
)
# Effect sizes of a comparison between two groups or two cohorts.
EFFECT_STATISTICS = (
    "risk_difference", "cramers_v", "hodges_lehmann", "rank_biserial", "mean_difference",
)
MODEL_STATISTICS = (ODDS_RATIO, ODDS_RATIO_FIRTH)
COUNT_STATISTICS = (PROPORTION, COUNT)
# A share over all HSB groups weighted by each group's inverse sampling fraction
# (analyses/design_weights.py); computed from the groups' counts, it shows none of its own.
WEIGHTED_PROPORTION = "weighted_proportion"
# The correlation between two behaviours of one child (analyses/clustered.py).
WITHIN_CHILD_CORRELATION = "within_child_correlation"
DESIGN_STATISTICS = (WEIGHTED_PROPORTION, WITHIN_CHILD_CORRELATION)

# Agreement between coders of the same case files (analyses/coding_reliability.py): not
# counts of children; n is the case files compared.
PERCENT_AGREEMENT = "percent_agreement"
COHENS_KAPPA = "cohens_kappa"
FLEISS_KAPPA = "fleiss_kappa"
GWET_AC1 = "gwet_ac1"
KRIPPENDORFF_ALPHA = "krippendorff_alpha"
AGREEMENT_STATISTICS = (PERCENT_AGREEMENT, COHENS_KAPPA, FLEISS_KAPPA, GWET_AC1,
                        KRIPPENDORFF_ALPHA)

# Every value the results table's `statistic` column may hold (checked by its schema).
STATISTICS = (
    *COUNT_STATISTICS, RANK, GROUP_SIZE, *SUMMARY_STATISTICS, *TEST_STATISTICS,
    *EFFECT_STATISTICS, *MODEL_STATISTICS, *DESIGN_STATISTICS, MISSING_BOUNDS,
    *AGREEMENT_STATISTICS,
)

# --- tiers ------------------------------------------------------------------------------------

INTERNAL_TIER = "internal"
RELEASE_TIER = "release"
