"""Hand-made results rows for the table tests (tiny frames whose rendering is known)."""


from tahsb_analysis.results.schema import make_results

WILSON = "Wilson 95% CI"


def proportion(level, n, denominator, estimate, low, high, **extra):
    return dict(
        variable="hsb_group", level=level, statistic="proportion", estimate=estimate,
        ci_low=low, ci_high=high, n=n, denominator=denominator, unit="children",
        method=WILSON, **extra,
    )


def overall_rows():
    """prevalence_overall: 3/10 with Wilson limits 0.1078-0.6032 (statsmodels
    proportion_confint(3, 10, method="wilson")), and 2 children not recorded."""
    rows = [
        proportion("any_ta_hsb", 3, 10, 0.3, 0.1078, 0.6032, finding="P1"),
        proportion("ta_only", 1, 10, 0.1, 0.0179, 0.4042, finding="P2"),
        dict(variable="hsb_group", level="missing: not recorded", statistic="count", n=2,
             denominator=12, unit="children", method="count of children not recorded"),
    ]
    return make_results(rows, cohort="ttp-2015", synthetic=True, analysis="prevalence",
                        output="prevalence_overall")


def by_sex_rows():
    """prevalence_by_sex: two groups, a missing count for sex, two tests."""
    rows = [
        proportion("any_ta_hsb", 3, 10, 0.3, 0.1078, 0.6032, group_variable="sex",
                   group="male"),
        proportion("any_ta_hsb", 1, 4, 0.25, 0.0456, 0.6994, group_variable="sex",
                   group="female"),
        dict(variable="sex", level="missing: not recorded", statistic="count", n=2,
             denominator=16, unit="children", method="count of children not recorded"),
        dict(variable="hsb_group", group_variable="sex", statistic="fisher_exact",
             estimate=0.5, p_value=0.0432, n=14,
             method="Fisher-Freeman-Halton exact test, Monte Carlo p-value",
             warning="exact test used: expected count below 5"),
        dict(variable="any_ta_hsb", group_variable="sex", statistic="chi2", estimate=12.3456,
             p_value=0.0004, n=14, method="Pearson chi-squared test (1 df)"),
    ]
    return make_results(rows, cohort="ttp-2015", synthetic=False, analysis="prevalence",
                        output="prevalence_by_sex")


def column(rendered, heading):
    return [row[rendered.header.index(heading)] for row in rendered.rows]


GROUPS = ("ta_only", "dual", "offline_only", "all")


PAIRS = ("ta_only vs dual", "ta_only vs offline_only")


HOLM = dict(p_adjust_method="Holm")


BY_GROUP = dict(group_variable="hsb_group")


def group_sizes_of(sizes: dict, group_variable="hsb_group", **extra) -> list[dict]:
    """Group-size rows as compare_groups writes them: statistic "group_size", the group
    variable as both variable and group_variable, N as estimate and n, level <NA>."""
    return [dict(variable=group_variable, group_variable=group_variable, group=group,
                 statistic="group_size", estimate=float(size), n=size, unit="children",
                 method="children in the group (values recorded or not)", **extra)
            for group, size in sizes.items()]


def characteristic_share(variable, level, group, n, denominator, low, high, **extra):
    estimate = None if denominator == 0 else n / denominator
    return dict(variable=variable, level=level, group=group, statistic="proportion",
                estimate=estimate, ci_low=low, ci_high=high, n=n, denominator=denominator,
                unit="children", method=WILSON, **BY_GROUP, **extra)


def age_summary(group, mean, sd, low, high, median, q1, q3, n):
    common = dict(variable="age_first_hsb", group=group, n=n, denominator=n, unit="years",
                  finding="C1", **BY_GROUP)
    return [
        dict(common, statistic="mean", estimate=mean, ci_low=low, ci_high=high,
             method="mean with t-based 95% CI"),
        dict(common, statistic="sd", estimate=sd, method="standard deviation (n - 1)"),
        dict(common, statistic="median", estimate=median, method="median and quartiles"),
        dict(common, statistic="q1", estimate=q1, method="median and quartiles"),
        dict(common, statistic="q3", estimate=q3, method="median and quartiles"),
    ]


# Children per group in `characteristics_rows` (recorded or not: dual 51 + 1 not recorded).
CHARACTERISTICS_SIZES = {"ta_only": 14, "dual": 52, "offline_only": 25, "all": 91}


def characteristics_rows(synthetic=True, with_sizes=True):
    """Three variables, hand-made numbers (limits illustrative): a yes/no variable (C4), a
    categorical one (C2, two levels for brevity) and an age (C1); every p adjusted by Holm."""
    mh = dict(finding="C4")
    rows = [
        characteristic_share("mental_health_difficulties", "yes", "ta_only", 3, 14, 0.076,
                             0.476, **mh),
        characteristic_share("mental_health_difficulties", "yes", "dual", 26, 51, 0.377,
                             0.641, **mh),
        characteristic_share("mental_health_difficulties", "yes", "offline_only", 11, 25,
                             0.267, 0.629, **mh),
        characteristic_share("mental_health_difficulties", "yes", "all", 40, 90, 0.346, 0.547,
                             **mh),
        dict(variable="mental_health_difficulties", level="missing: not recorded",
             group="dual", statistic="count", estimate=1, n=1, denominator=52,
             unit="children", method="count of children whose value is missing", **BY_GROUP,
             **mh),
        dict(variable="mental_health_difficulties", level="missing: not recorded",
             group="all", statistic="count", estimate=1, n=1, denominator=91,
             unit="children", method="count of children whose value is missing", **BY_GROUP,
             **mh),
        dict(variable="mental_health_difficulties", statistic="chi2", estimate=6.28,
             p_value=0.0432, p_adjusted=0.1296, n=90, denominator=90, unit="children",
             method="Pearson chi-squared test (2 df)", **BY_GROUP, **HOLM, **mh),
        dict(variable="mental_health_difficulties", level="yes", group="ta_only vs dual",
             statistic="risk_difference", estimate=0.25, ci_low=0.031, ci_high=0.442, n=65,
             denominator=65, unit="children",
             method="risk difference (reference minus comparison), Newcombe hybrid score "
             "95% CI", **BY_GROUP, **mh),
        dict(variable="mental_health_difficulties", group="ta_only vs dual", statistic="chi2",
             estimate=5.1, p_value=0.024, p_adjusted=0.096, n=65, denominator=65,
             unit="children", method="Pearson chi-squared test (1 df)", **BY_GROUP, **HOLM,
             **mh),
    ]
    for group, n, denominator in (("ta_only", 8, 14), ("dual", 12, 52), ("all", 26, 90)):
        for level, count in (("stable", n), ("unstable", denominator - n)):
            rows.append(characteristic_share("family_stability", level, group, count,
                                             denominator, 0.1, 0.6, finding="C2"))
    rows += [
        dict(variable="family_stability", statistic="fisher_exact", p_value=0.0004,
             p_adjusted=0.0012, n=90, denominator=90, unit="children",
             method="Fisher-Freeman-Halton exact test, Monte Carlo p-value (999 tables, seed 0)",
             warning="exact test used: expected count below 5 (minimum 3.23)", finding="C2",
             **BY_GROUP, **HOLM),
        dict(variable="family_stability", group="ta_only vs dual", statistic="cramers_v",
             estimate=0.2149, n=66, denominator=66, unit="children", method="Cramer's V",
             finding="C2", **BY_GROUP),
    ]
    rows += age_summary("ta_only", 11.44, 2.1, 10.4, 12.4, 11.2, 9.8, 13.0, 14)
    rows += age_summary("all", 10.4, 2.7, 9.9, 11.0, 10.3, 8.5, 12.6, 91)
    common = dict(variable="age_first_hsb", finding="C1", **BY_GROUP)
    rows += [
        dict(common, statistic="kruskal_wallis", estimate=1.39, p_value=0.5, p_adjusted=1.0,
             n=91, denominator=91, unit="children", method="Kruskal-Wallis H test (ties "
             "corrected)", **HOLM),
        dict(common, group="ta_only vs offline_only", statistic="hodges_lehmann", estimate=3.0,
             n=39, denominator=39, unit="years",
             method="Hodges-Lehmann shift (reference minus comparison)"),
        dict(common, group="ta_only vs offline_only", statistic="rank_biserial", estimate=0.52,
             n=39, denominator=39, unit="children", method="rank-biserial correlation"),
        dict(common, group="ta_only vs offline_only", statistic="mann_whitney_u",
             estimate=120.0, p_value=0.01, p_adjusted=0.03, n=39, denominator=39,
             unit="children", method="Mann-Whitney U test (two-sided)", **HOLM),
    ]
    if with_sizes:
        rows += group_sizes_of(CHARACTERISTICS_SIZES)
    return make_results(rows, cohort="ttp-2015", synthetic=synthetic,
                        analysis="characteristics", output="characteristics")


def line(rendered, variable, level):
    """The body line of `level` within the block of `variable` (labels as displayed)."""
    current = None
    for row in rendered.rows:
        current = row[0] or current
        if current == variable and row[1] == level:
            return dict(zip(rendered.header, row, strict=True))
    raise AssertionError(f"no line {variable!r} / {level!r} in {rendered.rows}")


DUAL = dict(group_variable="dual_subgroup")


LINKS = dict(cohort="ttp-2015", synthetic=False, analysis="links")


BOOTSTRAP = "mean with bootstrap percentile 95% CI (9999 resamples, seed 7)"


QUARTILES = "median and quartiles"


def dual_share(variable, level, group, n, denominator, low=None, high=None, **extra):
    estimate = None if denominator == 0 else n / denominator
    return dict(variable=variable, level=level, group=group, statistic="proportion",
                estimate=estimate, ci_low=low, ci_high=high, n=n, denominator=denominator,
                unit="children", method=WILSON, **DUAL, **extra)


def onset_order_results():
    """Dual children 8 + 12 = 20; which kind came first (limits are illustrative)."""
    rows = [
        dual_share("onset_order", "offline_first", "pornography_only", 3, 8, 0.14, 0.69),
        dual_share("onset_order", "online_first", "pornography_only", 5, 8, 0.31, 0.86),
        dual_share("onset_order", "offline_first", "other_ta_hsb", 9, 12, 0.47, 0.91),
        dual_share("onset_order", "same_year", "other_ta_hsb", 3, 12, 0.09, 0.53),
        dual_share("onset_order", "offline_first", "all_dual", 12, 20, 0.39, 0.78),
        dual_share("onset_order", "online_first", "all_dual", 5, 20, 0.11, 0.47),
        dual_share("onset_order", "same_year", "all_dual", 3, 20, 0.05, 0.36),
        dict(variable="onset_order", level="missing: onset age not recorded", group="all_dual",
             statistic="count", n=2, unit="children", method="count of children", **DUAL),
    ]
    return make_results(rows, output="onset_order", finding="L2", **LINKS)


def gap_rows(overrides=None):
    """The onset gap of 9 children with other TA-HSB; `overrides` changes rows by statistic."""
    common = dict(variable="onset_gap", group="other_ta_hsb", unit="years", n=9,
                  denominator=9, **DUAL)
    rows = [
        dict(common, statistic="mean", estimate=3.04, ci_low=2.21, ci_high=3.95,
             method=BOOTSTRAP),
        dict(common, statistic="sd", estimate=1.36, method="standard deviation"),
        dict(common, statistic="median", estimate=3.0, method=QUARTILES),
        dict(common, statistic="q1", estimate=2.0, method=QUARTILES),
        dict(common, statistic="q3", estimate=4.0, method=QUARTILES),
        dict(common, statistic="wilcoxon", estimate=3.0, p_value=0.0039,
             method="Wilcoxon signed-rank test, two-sided"),
    ]
    for row in rows:
        row.update((overrides or {}).get(row["statistic"], {}))
    return rows


def first_hsb_age_rows():
    rows = []
    for group, (median, n) in {"ta_only": (14.0, 4), "dual": (11.0, 10),
                               "offline_only": (10.5, 6)}.items():
        common = dict(variable="age_first_hsb", group_variable="hsb_group", group=group,
                      unit="years", n=n, denominator=n)
        rows += [
            dict(common, statistic="mean", estimate=median + 0.2, ci_low=median - 1,
                 ci_high=median + 1.4, method="mean with t-based 95% CI"),
            dict(common, statistic="sd", estimate=1.5, method="standard deviation"),
            dict(common, statistic="median", estimate=median, method=QUARTILES),
            dict(common, statistic="q1", estimate=median - 1, method=QUARTILES),
            dict(common, statistic="q3", estimate=median + 1, method=QUARTILES),
        ]
    rows.append(dict(variable="age_first_hsb", group_variable="hsb_group",
                     statistic="kruskal_wallis", estimate=6.1, p_value=0.047, n=20,
                     method="Kruskal-Wallis test"))
    rows += group_sizes_of({"ta_only": 4, "dual": 10, "offline_only": 6})
    return rows


LOGIT = ("logistic regression (statsmodels Logit), adjusted for age at referral; reference "
         "group offline HSB only; Wald 95% CI")


ORDINAL = ("proportional-odds logistic regression (statsmodels OrderedModel), adjusted for age "
           "at referral; reference group offline HSB only; Wald 95% CI")


SEPARATION = ("quasi-complete separation: no child of offline HSB only excluded from school; "
              "odds ratio not estimable")


EPV = "few events per variable (EPV = 4.2 < 10): estimates unstable"


def odds_ratio(outcome, term, estimate, low, high, p, n=88, method=LOGIT, **extra):
    return dict(variable=outcome, level=term, group_variable="hsb_group",
                statistic="odds_ratio", estimate=estimate, ci_low=low, ci_high=high,
                p_value=p, n=n, denominator=n, unit="children", method=method, **extra)


def response_model_rows():
    """Police involvement (two groups and age), school exclusion with TA-HSB only separated,
    social care level by proportional odds with few events per variable, 3 children missing."""
    rows = [
        odds_ratio("police_involvement", "age_at_referral", 1.2, 1.01, 1.43, 0.04),
        odds_ratio("police_involvement", "dual", 0.8, 0.3, 2.1, 0.6, finding="S2"),
        odds_ratio("police_involvement", "ta_only", 3.25, 1.1, 9.61, 0.033, finding="S2"),
        odds_ratio("school_exclusion_hsb", "ta_only", None, None, None, None,
                   warning=SEPARATION, finding="S3"),
        odds_ratio("school_exclusion_hsb", "dual", 1.5, 0.5, 4.4, 0.4, finding="S3"),
        odds_ratio("social_care_level", "ta_only", 0.5, 0.2, 1.3, 0.15, n=90, method=ORDINAL,
                   warning=EPV),
        odds_ratio("social_care_level", "dual", 0.9, 0.4, 1.9, 0.75, n=90, method=ORDINAL,
                   warning=EPV),
        odds_ratio("social_care_section_47", "ta_only", 2.0, 0.7, 5.7, 0.2),
        odds_ratio("cj_out_of_court_or_court", "ta_only", 4.1, 1.2, 14.0, 0.02),
        odds_ratio("punitive_response", "ta_only", 5.0, 1.5, 16.7, 0.009, finding="S2"),
        dict(variable="police_involvement", level="missing: not recorded", statistic="count",
             estimate=3, n=3, unit="children", group_variable="hsb_group",
             method="count of children whose value is missing"),
    ]
    return make_results(rows, cohort="ttp-2015", synthetic=True, analysis="responses",
                        output="response_models")


def response_rows():
    """The responses output as compare_groups writes it: a yes/no response, a categorical
    one and a composite, for the groups and all, with a test."""
    rows = []
    for group, n, denominator in (("ta_only", 12, 19), ("dual", 30, 107),
                                  ("offline_only", 20, 149), ("all", 62, 275)):
        rows.append(characteristic_share("police_involvement", "yes", group, n, denominator,
                                         0.2, 0.8, finding="S2"))
        rows.append(characteristic_share("punitive_response", "yes", group, n + 1,
                                         denominator, 0.2, 0.8, finding="S2"))
        for level, count in (("none", denominator - n), ("section_47", n)):
            rows.append(characteristic_share("social_care_level", level, group, count,
                                             denominator, 0.1, 0.9))
    rows.append(dict(variable="police_involvement", statistic="chi2", estimate=20.1,
                     p_value=0.0001, n=275, denominator=275, unit="children",
                     method="Pearson chi-squared test (2 df)", **BY_GROUP))
    rows += group_sizes_of({"ta_only": 19, "dual": 107, "offline_only": 149, "all": 275})
    return make_results(rows, cohort="ttp-2015", synthetic=True, analysis="responses",
                        output="responses")

