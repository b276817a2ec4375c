"""Figures draw only what the results table holds, say SYNTHETIC, and save deterministically."""

import matplotlib
import matplotlib.colors
import pandas as pd
import pytest
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.text import Text

from tahsb_analysis.render import figures as figures_module
from tahsb_analysis.render.figure_style import (
    DOUBLE_COLUMN_IN,
    FONT_SIZE_PT,
    HSB_GROUP_COLOURS,
    HSB_GROUP_HATCHES,
    HSB_GROUP_MARKERS,
    INTERNAL_USE_LABEL,
    OKABE_ITO,
    SINGLE_COLUMN_IN,
    SYNTHETIC_LABEL,
    mark_synthetic,
    new_figure,
    save_figure,
    style_context,
)
from tahsb_analysis.render.figures import (
    TIMELINE_FIGURE,
    characteristics_figure,
    forms_per_child_figure,
    onset_gap_figure,
    prevalence_figure,
    response_models_figure,
    responses_figure,
    ta_hsb_types_figure,
    timeline_figure,
    trajectory_figure,
    write_figure,
)
from tahsb_analysis.results.schema import concat_results, empty_results, make_results

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
    rows = []
    for (variable, level), counts in shares.items():
        counts = dict(zip(("ta_only", "dual", "offline_only"), counts, strict=True))
        counts["all"] = sum(counts.values())
        for group, n in counts.items():
            denominator = 0 if group == empty_group else sizes[group]
            n = 0 if group == empty_group else n
            low, high = (None, None) if denominator == 0 else (0.05, 0.9)
            rows.append(share(variable, level, n, denominator, low, high,
                              group_variable="hsb_group", group=group, finding="C5"))
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
    rows += [dict(variable="hsb_group", group_variable="hsb_group", group=group,
                  statistic="group_size", estimate=float(size), n=size, unit="children",
                  method="children in the group (values recorded or not)")
             for group, size in {**sizes, **({empty_group: 0} if empty_group else {})}.items()]
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
    rows = []
    for (variable, level), counts in shares.items():
        counts = dict(zip(("ta_only", "dual", "offline_only"), counts, strict=True))
        counts["all"] = sum(counts.values())
        for group, n in counts.items():
            denominator = 0 if group == empty_group else sizes[group]
            n = 0 if group == empty_group else n
            low, high = (None, None) if denominator == 0 else (0.05, 0.9)
            rows.append(share(variable, level, n, denominator, low, high,
                              group_variable="hsb_group", group=group, finding="S1"))
    rows += [dict(variable="hsb_group", group_variable="hsb_group", group=group,
                  statistic="group_size", estimate=float(size), n=size, unit="children",
                  method="children in the group (values recorded or not)")
             for group, size in {**sizes, **({empty_group: 0} if empty_group else {})}.items()]
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


def trajectory_rows(counts=None, denominator=20):
    rows = [share("trajectory", level, n, denominator, group="all_dual", **DUAL)
            for level, n in (counts or TRAJECTORIES).items()]
    # A sub-group row: in the table, not in the figure.
    rows.append(share("trajectory", "offline -> other_ta", 8, 12, group="other_ta_hsb", **DUAL))
    return rows


FIGURES = [prevalence_figure, ta_hsb_types_figure, forms_per_child_figure,
           characteristics_figure, onset_gap_figure, trajectory_figure, responses_figure,
           response_models_figure]


def texts(figure):
    return [t.get_text() for t in figure.findobj(Text)]


@pytest.mark.parametrize("draw", FIGURES)
def test_the_same_results_give_byte_identical_png_svg_and_pdf(draw, tmp_path):
    first = write_figure(draw(results()), tmp_path / "one" / "figure")
    second = write_figure(draw(results()), tmp_path / "two" / "figure")
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_saving_one_figure_twice_gives_byte_identical_files(tmp_path):
    figure = prevalence_figure(results()).figure
    first = save_figure(figure, tmp_path / "a", "alt")
    second = save_figure(figure, tmp_path / "b", "alt")
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_saved_files_carry_no_date_or_software_version(tmp_path):
    paths = save_figure(prevalence_figure(results()).figure, tmp_path / "f", "alt")
    svg = paths["svg"].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    assert matplotlib.__version__ not in svg
    pdf = paths["pdf"].read_bytes()
    assert b"CreationDate" not in pdf and matplotlib.__version__.encode() not in pdf
    assert b"Software" not in paths["png"].read_bytes()


def test_alt_text_file_is_written_and_gives_n_and_denominator(tmp_path):
    output = prevalence_figure(results())
    paths = write_figure(output, tmp_path / "prevalence")
    alt = paths["alt"].read_text(encoding="utf-8")
    assert paths["alt"].name == "prevalence.alt.txt"
    assert alt == output.alt_text + "\n"
    assert "N = 20" in alt and "9 of 20 children" in alt
    assert paths["caption"].read_text(encoding="utf-8") == output.caption + "\n"


@pytest.mark.parametrize("draw", FIGURES)
def test_synthetic_results_put_synthetic_on_the_figure_caption_and_alt_text(draw):
    output = draw(results(synthetic=True))
    assert SYNTHETIC_LABEL in texts(output.figure)
    assert "SYNTHETIC" in output.caption and "SYNTHETIC" in output.alt_text


@pytest.mark.parametrize("draw", FIGURES)
def test_real_results_are_not_labelled_synthetic(draw):
    output = draw(results(synthetic=False))
    assert not any("SYNTHETIC" in t for t in texts(output.figure))
    assert "SYNTHETIC" not in output.caption + output.alt_text


def test_synthetic_label_is_added_only_once():
    with style_context():
        figure = new_figure()
        mark_synthetic(figure)
        mark_synthetic(figure)
    assert texts(figure).count(SYNTHETIC_LABEL) == 1


def test_prevalence_figure_stacks_the_three_groups_and_notes_any_ta_hsb():
    output = prevalence_figure(results())
    bars = output.figure.axes[0].patches
    assert [round(b.get_width(), 6) for b in bars] == [10.0, 35.0, 55.0]
    assert [round(b.get_x(), 6) for b in bars] == [0.0, 10.0, 45.0]
    assert "any TA-HSB: 45.0%" in texts(output.figure)
    assert "N = 20" in output.caption and "Wilson 95% CI" in output.caption
    assert "Not recorded: HSB group for 1 child; excluded from percentages." in output.caption


def test_types_figure_sorts_by_share_and_labels_n_over_denominator():
    output = ta_hsb_types_figure(results())
    ax = output.figure.axes[0]
    by_height = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True))
    top_label = by_height[-1][1].get_text().replace("\n", " ")
    assert top_label.startswith("possession, making and/or distribution")
    assert "6/9" in texts(output.figure) and "3/9" in texts(output.figure)
    assert "children with any TA-HSB (N = 9)" in output.caption


def test_types_figure_can_use_the_in_depth_sample_as_denominator():
    output = ta_hsb_types_figure(results(), population="in_depth_sample")
    assert "6/15" in texts(output.figure)
    assert "N = 15" in output.caption


def test_forms_figure_orders_levels_numerically_and_states_more_than_one():
    output = forms_per_child_figure(results())
    ax = output.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    assert "More than one form: 6/9 (66.7%, 95% CI 35.0 to 88.0)." in output.caption
    assert ax.get_ylabel() == "children with any TA-HSB (%)"


@pytest.mark.parametrize("draw", FIGURES)
def test_no_rows_at_all_draw_a_no_data_figure(draw):
    output = draw(empty_results())
    assert "no data" in texts(output.figure)


def test_na_estimates_and_absent_levels_are_drawn_as_no_data():
    population = dict(group_variable="population", group="any_ta_hsb")
    frame = concat_results([
        make_results([share("hsb_group", "dual", 0, 0), share("hsb_group", "ta_only", 1, 2)],
                     cohort="c", synthetic=False, analysis="a", output="prevalence_overall"),
        make_results([share("ta_hsb_type", "iioc", 0, 0, **population)],
                     cohort="c", synthetic=False, analysis="a", output="ta_hsb_types"),
        make_results([share("n_ta_hsb_types", "1", 0, 0, **population)],
                     cohort="c", synthetic=False, analysis="a",
                     output="ta_hsb_forms_per_child"),
    ])
    prevalence = prevalence_figure(frame)
    assert len(prevalence.figure.axes[0].patches) == 1
    assert "No data: dual (TA-HSB and offline HSB), offline HSB only." in prevalence.caption
    assert "no data" in texts(ta_hsb_types_figure(frame).figure)
    forms = forms_per_child_figure(frame)
    assert "no data" in texts(forms.figure)
    assert "not in the results" in forms.caption


def test_figures_are_column_width_with_readable_fonts():
    figure = prevalence_figure(results()).figure
    assert figure.get_figwidth() == SINGLE_COLUMN_IN
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text()]
    assert min(sizes) >= FONT_SIZE_PT


def test_bars_use_the_okabe_ito_palette():
    figure = prevalence_figure(results()).figure
    palette = {matplotlib.colors.to_rgba(c) for c in OKABE_ITO.values()}
    assert all(bar.get_facecolor() in palette for bar in figure.axes[0].patches)


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="eps"):
        save_figure(prevalence_figure(results()).figure, tmp_path / "f", "alt", ("eps",))


def test_an_empty_prevalence_segment_is_not_drawn_but_stays_in_the_caption():
    frame = make_results(
        [share("hsb_group", "dual", 2, 2, 0.34, 1.0), share("hsb_group", "neither", 0, 2, 0, 0.66)],
        cohort="c", synthetic=False, analysis="a", output="prevalence_overall",
    )
    output = prevalence_figure(frame)
    assert len(output.figure.axes[0].patches) == 1
    assert "0.0%" not in texts(output.figure)
    assert "no HSB recorded 0/2 (0.0%, 95% CI 0.0 to 66.0)" in output.caption


# --- backgrounds and characteristics (C1-C6) ----------------------------------------------


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


def characteristics_results(synthetic=True, empty_group=None):
    return make_results(characteristics_rows(empty_group), cohort="ttp-2015",
                        synthetic=synthetic, analysis="characteristics",
                        output="characteristics")


def test_characteristics_figure_is_registered_for_the_workflow():
    assert figures_module.FIGURES["characteristics"] is characteristics_figure


def test_characteristics_rows_name_the_level_drawn_and_use_the_first_codebook_level():
    ax = characteristics_figure(characteristics_results()).figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # Top to bottom in the order of the results; family stability shows "stable", the first
    # level of the codebook, although "some instability" comes first in the rows.
    by_height = [label for _, label in sorted(zip(ax.get_yticks(), labels, strict=True),
                                              reverse=True)]
    assert by_height == [
        "Unresolved trauma", "Problems with impulsivity", "Stability of the family: stable",
    ]
    assert ax.get_xlabel() == "children (%)"
    assert ax.get_xlim() == (0.0, 100.0)


def test_characteristics_groups_differ_in_colour_and_marker_shape():
    ax = characteristics_figure(characteristics_results()).figure.axes[0]
    top_row = markers(ax)[:3]
    expected = [(HSB_GROUP_MARKERS[g], HSB_GROUP_COLOURS[g].upper())
                for g in ("ta_only", "dual", "offline_only")]
    assert [(m, c) for m, c, _, _ in top_row] == expected
    assert len({m for m, _ in expected}) == 3
    # Unresolved trauma: 1/4, 6/10, 3/6 as percentages.
    assert [round(x, 6) for _, _, x, _ in top_row] == [25.0, 60.0, 50.0]
    assert len(markers(ax)) == 9


def test_characteristics_ci_lines_span_the_limits_in_percent():
    ax = characteristics_figure(characteristics_results()).figure.axes[0]
    segments = [seg for collection in ax.collections for seg in collection.get_segments()]
    assert len(segments) == 9
    assert all(sorted([seg[0][0], seg[1][0]]) == [5.0, 90.0] for seg in segments)


def test_characteristics_ages_panel_draws_medians_with_iqr_in_years():
    figure = characteristics_figure(characteristics_results()).figure
    ages = figure.axes[1]
    assert ages.get_xlabel() == "years"
    assert [round(x, 6) for _, _, x, _ in markers(ages)] == [14.0, 11.0, 10.5]
    segments = [seg for c in ages.collections for seg in c.get_segments()]
    assert sorted((s[0][0], s[1][0]) for s in segments) == [(9.0, 12.0), (9.5, 12.5),
                                                            (13.0, 15.0)]


def test_characteristics_figure_is_double_column_with_readable_fonts():
    figure = characteristics_figure(characteristics_results()).figure
    assert figure.get_figwidth() == DOUBLE_COLUMN_IN
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text()]
    assert min(sizes) >= FONT_SIZE_PT


def test_characteristics_caption_and_alt_text_give_n_per_group_and_the_ci_method():
    output = characteristics_figure(characteristics_results(synthetic=False))
    for words in (output.caption, output.alt_text):
        assert "TA-HSB only (N = 4), dual (N = 10), offline only (N = 6)" in words
        assert "Wilson 95% CI" in words
    assert "Unresolved trauma: TA-HSB only 1/4 (25.0%, 95% CI 5.0 to 90.0)" in output.alt_text
    assert "median (IQR) in years: TA-HSB only 14.0 (13.0 to 15.0)" in output.alt_text
    assert "C5" in output.caption and "C1" in output.caption


def test_characteristics_figure_survives_an_empty_group_and_says_so(tmp_path):
    output = characteristics_figure(characteristics_results(empty_group="ta_only"))
    top, ages = output.figure.axes[:2]
    assert HSB_GROUP_MARKERS["ta_only"] not in {m for m, _, _, _ in markers(top)}
    assert len(markers(top)) == 6 and len(markers(ages)) == 2
    assert "TA-HSB only (N = 0): no data" in texts(output.figure)
    assert "No data: TA-HSB only." in output.caption
    assert "TA-HSB only no data" in output.alt_text
    paths = write_figure(output, tmp_path / "characteristics")
    assert paths["png"].stat().st_size > 0


def test_characteristics_figure_re_saved_gives_byte_identical_files(tmp_path):
    figure = characteristics_figure(characteristics_results()).figure
    first = save_figure(figure, tmp_path / "a", "alt")
    second = save_figure(figure, tmp_path / "b", "alt")
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_characteristics_figure_without_ages_has_one_panel():
    rows = [r for r in characteristics_rows() if r["variable"] != "age_first_hsb"]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a",
                         output="characteristics")
    figure = characteristics_figure(frame).figure
    assert len(figure.axes) == 1


# --- links between TA-HSB and offline HSB (L1-L3) -----------------------------------------


def links_results(gap=None, trajectories=None, synthetic=False):
    common = dict(cohort="ttp-2015", synthetic=synthetic, analysis="links")
    parts = []
    if gap is not None:
        parts.append(make_results(gap, output="onset_gap", finding="L2", **common))
    if trajectories is not None:
        parts.append(make_results(trajectories, output="trajectories", **common))
    return concat_results(parts)


def test_links_figures_are_registered_for_the_workflow_but_the_timeline_is_not():
    assert figures_module.FIGURES["onset_gap"] is onset_gap_figure
    assert figures_module.FIGURES["trajectories"] is trajectory_figure
    assert timeline_figure not in figures_module.FIGURES.values()
    assert TIMELINE_FIGURE == "dual_timelines"


def test_onset_gap_draws_the_iqr_box_the_median_and_the_mean_with_its_ci():
    ax = onset_gap_figure(links_results(gap_rows())).figure.axes[0]
    (box,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert (round(box.get_x(), 6), round(box.get_width(), 6)) == (2.0, 2.0)
    segments = [seg for c in ax.collections for seg in c.get_segments()]
    vertical = [s for s in segments if s[0][0] == s[1][0]]
    horizontal = [s for s in segments if s[0][1] == s[1][1]]
    assert [round(s[0][0], 6) for s in vertical] == [3.0]  # the median
    assert [(round(s[0][0], 6), round(s[1][0], 6)) for s in horizontal] == [(2.21, 3.95)]
    (mean,) = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert float(mean.get_xdata()[0]) == 3.04
    assert ax.get_xlabel().replace("\n", " ") == (
        "years from first offline HSB to first other TA-HSB"
    )


def test_onset_gap_caption_gives_n_the_summaries_the_ci_method_and_the_test():
    output = onset_gap_figure(links_results(gap_rows()))
    assert (
        "Other TA-HSB (N = 9): median 3.0 (IQR 2.0 to 4.0), mean 3.0 (95% CI 2.2 to 4.0), "
        "SD 1.4" in output.caption
    )
    assert BOOTSTRAP in output.caption
    assert "median paired difference = 3.0 years, p = 0.004" in output.caption
    assert "Bears on published finding(s): L2." in output.caption
    assert "Other TA-HSB (N = 9): median 3.0 (IQR 2.0 to 4.0)" in output.alt_text
    assert "mean and its 95% CI" in texts(output.figure)


def test_onset_gap_with_t_based_ci_names_that_method():
    rows = gap_rows({"mean": {"method": "mean with t-based 95% CI"}})
    output = onset_gap_figure(links_results(rows))
    assert "mean with t-based 95% CI" in output.caption


def test_onset_gap_with_insufficient_data_draws_no_data_and_says_why():
    warning = "insufficient data: fewer than 2 children"
    na = {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None,
          "warning": warning, "n": 1, "denominator": 1}
    rows = gap_rows({s: na for s in ("mean", "sd", "median", "q1", "q3", "wilcoxon")})
    output = onset_gap_figure(links_results(rows))
    assert "no data" in texts(output.figure)
    assert "Other TA-HSB (N = 1): no data." in output.caption
    assert f"p not computed; {warning}." in output.caption
    assert not output.figure.axes[0].patches


def test_onset_gap_without_quartiles_still_draws_the_mean():
    rows = [r for r in gap_rows() if r["statistic"] not in ("median", "q1", "q3")]
    ax = onset_gap_figure(links_results(rows)).figure.axes[0]
    assert not ax.patches
    (mean,) = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert float(mean.get_xdata()[0]) == 3.04


def band_heights(ax):
    """Height of each band where it leaves its first-kind node, top to bottom."""
    bands = [p for p in ax.patches if isinstance(p, PathPatch)]
    vertices = [band.get_path().vertices for band in bands]
    return [round(v[0][1] - v[-2][1], 9) for v in vertices]


def test_trajectory_bands_are_proportional_to_the_children_of_all_dual_only():
    output = trajectory_figure(links_results(trajectories=trajectory_rows()))
    ax = output.figure.axes[0]
    heights = band_heights(ax)
    assert len(heights) == 5  # the sub-group row is not drawn
    # Drawn in node order: offline (-> pornography 3, -> other TA-HSB 8), pornography (5),
    # other TA-HSB (2), the same-year tie (2).
    counts = [3, 8, 5, 2, 2]
    ratios = {round(h / n, 9) for h, n in zip(heights, counts, strict=True)}
    assert len(ratios) == 1
    labels = texts(output.figure)
    for text in ("3/20", "8/20", "5/20", "2/20", "first", "later"):
        assert text in labels


def test_trajectory_nodes_are_first_and_later_kinds_with_the_same_year_tie_its_own_node():
    figure = trajectory_figure(links_results(trajectories=trajectory_rows())).figure
    nodes = [t.replace("\n", " ") for t in texts(figure) if "(n = " in t]
    # A same-year tie names the first two kinds without an order between them.
    assert nodes == [
        "offline HSB (n = 11)", "pornography use (n = 5)", "other TA-HSB (n = 2)",
        "offline HSB + pornography use (same year) (n = 2)",
        "offline HSB (n = 7)", "pornography use (n = 3)", "other TA-HSB (n = 8)",
        "same year (no order) (n = 2)",
    ]
    nodes = [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    palette = {matplotlib.colors.to_rgba(c) for c in OKABE_ITO.values()}
    assert all(node.get_facecolor() in palette or node.get_facecolor()[:3] == (
        matplotlib.colors.to_rgba("#BBBBBB")[:3]) for node in nodes)


def test_trajectory_caption_and_alt_text_give_n_and_each_flow():
    output = trajectory_figure(links_results(trajectories=trajectory_rows()))
    for words in (output.caption, output.alt_text):
        assert "N = 20" in words
        assert "other TA-HSB, then offline HSB 2/20 (10.0%)" in words
    assert ". Offline HSB, then other TA-HSB 8/20 (40.0%);" in output.caption
    assert ": offline HSB, then other TA-HSB 8/20 (40.0%);" in output.alt_text
    assert "same year form a node of their own" in output.caption
    assert "Band widths are proportional to the number of children" in output.caption


def test_a_trajectory_with_no_children_is_named_but_not_drawn():
    counts = {"offline -> other_ta": 4, "pornography -> offline": 0}
    rows = trajectory_rows(counts, denominator=4)
    output = trajectory_figure(links_results(trajectories=rows))
    assert len(band_heights(output.figure.axes[0])) == 1
    assert "Not drawn (no children): inappropriate pornography use, then offline HSB." in (
        output.caption
    )


def test_trajectory_with_empty_denominators_draws_no_data():
    rows = [share("trajectory", "offline -> other_ta", 0, 0, group="all_dual",
                  warning="insufficient data: fewer than 2 children", **DUAL)]
    output = trajectory_figure(links_results(trajectories=rows))
    assert "no data" in texts(output.figure)
    assert "Warning: insufficient data: fewer than 2 children." in output.caption


@pytest.mark.parametrize("draw", [onset_gap_figure, trajectory_figure])
def test_links_figures_re_saved_give_byte_identical_files(draw, tmp_path):
    figure = draw(results()).figure
    first = save_figure(figure, tmp_path / "a", "alt")
    second = save_figure(figure, tmp_path / "b", "alt")
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


# --- the swimmer plot of individual dual children (internal use only) ---------------------


def timelines():
    """Five dual children sorted by first onset; child 5 has no onset age recorded."""
    return pd.DataFrame({
        "child": pd.array([1, 2, 3, 4, 5], dtype="Int64"),
        "dual_subgroup": pd.array(
            ["other_ta_hsb", "pornography_only", "other_ta_hsb", None, "other_ta_hsb"],
            dtype="string"),
        "first_offline": pd.array([8.0, 9.5, 10.0, None, None], dtype="Float64"),
        "first_pornography": pd.array([None, 9.0, 13.0, 10.5, None], dtype="Float64"),
        "first_other_ta": pd.array([11.0, None, 12.5, 13.0, None], dtype="Float64"),
    })


def test_timeline_draws_one_line_per_child_from_first_to_last_onset_in_the_order_given():
    ax = timeline_figure(timelines(), synthetic=False, cohort="c").figure.axes[0]
    segments = [seg for c in ax.collections for seg in c.get_segments()]
    spans = [(float(s[0][0]), float(s[1][0])) for s in sorted(segments,
                                                              key=lambda s: -s[0][1])]
    assert spans == [(8.0, 11.0), (9.0, 9.5), (10.0, 13.0), (10.5, 13.0)]
    assert ax.get_xlabel() == "age (years)"


def test_timeline_marks_each_first_onset_with_its_own_shape_and_okabe_ito_colour():
    ax = timeline_figure(timelines(), synthetic=False, cohort="c").figure.axes[0]
    drawn = {(line.get_marker(), matplotlib.colors.to_hex(line.get_markerfacecolor()).upper()):
             len(line.get_xdata()) for line in ax.get_lines()}
    assert drawn == {
        ("^", OKABE_ITO["orange"]): 3,
        ("D", OKABE_ITO["reddish_purple"]): 3,
        ("o", OKABE_ITO["blue"]): 3,
    }


def test_timeline_legend_names_the_markers_and_the_sub_groups():
    labels = texts(timeline_figure(timelines(), synthetic=False, cohort="c").figure)
    for label in ("first offline HSB", "first inappropriate pornography use",
                  "first other TA-HSB", "other TA-HSB", "sub-group not known",
                  "TA-HSB solely inappropriate pornography use"):
        assert label in labels


def test_timeline_says_internal_use_only_on_the_figure_caption_and_alt_text():
    output = timeline_figure(timelines(), synthetic=False, cohort="c")
    assert INTERNAL_USE_LABEL in texts(output.figure)
    assert output.caption.startswith(
        "INTERNAL USE ONLY, never for release: this figure shows individual children."
    )
    assert "internal use only, never for release" in output.alt_text
    assert "individual" in output.alt_text
    assert output.output == TIMELINE_FIGURE


def test_timeline_caption_gives_n_and_the_order_and_the_alt_text_no_ages():
    output = timeline_figure(timelines(), synthetic=False, cohort="ttp-2015")
    assert "for each of the 5 dual children (cohort ttp-2015)" in output.caption
    assert "first offline HSB (3 of 5 children)" in output.caption
    assert "ordered by age at first onset, earliest at the top" in output.caption
    assert "No onset age recorded for 1 of 5 children (no line)." in output.caption
    assert ("Dual sub-group by line style: TA-HSB solely inappropriate pornography use 1 "
            "(dotted), other TA-HSB 3 (solid), sub-group not known 1 (dashed).") in output.caption
    for age in ("8.0", "9.5", "10.5", "12.5", "13.0"):
        assert age not in output.alt_text


def test_timeline_in_another_order_does_not_claim_to_be_sorted():
    frame = timelines().iloc[[2, 0, 1, 3, 4]].reset_index(drop=True)
    output = timeline_figure(frame, synthetic=False, cohort="c")
    assert "in the order supplied" in output.caption


def test_timeline_marks_synthetic_data_only_when_synthetic():
    synthetic = timeline_figure(timelines(), synthetic=True, cohort="c")
    assert SYNTHETIC_LABEL in texts(synthetic.figure)
    assert synthetic.caption.startswith("SYNTHETIC")
    real = timeline_figure(timelines(), synthetic=False, cohort="c")
    assert not any("SYNTHETIC" in t for t in texts(real.figure))


def test_timeline_of_no_children_draws_no_data():
    empty = timelines().iloc[0:0]
    output = timeline_figure(empty, synthetic=False, cohort="c")
    assert "no data" in texts(output.figure)
    assert "no data" in output.caption and "INTERNAL USE ONLY" in output.caption


def test_timeline_without_any_onset_age_draws_no_data():
    frame = timelines().iloc[[4]]
    output = timeline_figure(frame, synthetic=False, cohort="c")
    assert "no data" in texts(output.figure)
    assert "No onset age recorded for 1 of 1 children" in output.caption


def test_timeline_missing_a_column_is_an_error_naming_it():
    with pytest.raises(ValueError, match="first_other_ta"):
        timeline_figure(timelines().drop(columns="first_other_ta"), synthetic=False,
                        cohort="c")


def test_timeline_with_a_non_numeric_age_does_not_echo_the_value():
    frame = timelines().astype({"first_offline": "object"})
    frame.loc[0, "first_offline"] = "C001 aged ten"
    with pytest.raises(ValueError, match="first_offline") as error:
        timeline_figure(frame, synthetic=False, cohort="c")
    assert "C001" not in str(error.value)


def test_timeline_does_not_modify_its_input():
    frame = timelines()
    before = frame.copy()
    timeline_figure(frame, synthetic=False, cohort="c")
    pd.testing.assert_frame_equal(frame, before)


def test_timeline_saves_byte_identical_files(tmp_path):
    first = write_figure(timeline_figure(timelines(), synthetic=True, cohort="c"),
                         tmp_path / "one" / TIMELINE_FIGURE)
    second = write_figure(timeline_figure(timelines(), synthetic=True, cohort="c"),
                          tmp_path / "two" / TIMELINE_FIGURE)
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt
    assert "INTERNAL USE ONLY" in first["caption"].read_text(encoding="utf-8")
    figure = timeline_figure(timelines(), synthetic=True, cohort="c").figure
    again = [save_figure(figure, tmp_path / name, "alt") for name in ("a", "b")]
    for fmt in ("png", "svg", "pdf"):
        assert again[0][fmt].read_bytes() == again[1][fmt].read_bytes(), fmt


def test_a_single_kind_trajectory_leads_to_nothing_later():
    rows = trajectory_rows({"offline": 3, "offline -> other_ta": 1}, denominator=4)
    figure = trajectory_figure(links_results(trajectories=rows)).figure
    nodes = [t.replace("\n", " ") for t in texts(figure) if "(n = " in t]
    assert nodes[-1] == "nothing later (n = 3)"


def test_onset_gap_summarised_for_offline_first_children_says_so():
    rows = gap_rows({s: {"level": "offline_first"} for s in ("mean", "sd", "median", "q1",
                                                              "q3")})
    output = onset_gap_figure(links_results(rows))
    assert "Summaries among children with offline HSB first." in output.caption


# --- professional responses (S1-S3) -------------------------------------------------------


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


def test_response_figures_are_registered_for_the_workflow():
    assert figures_module.FIGURES["responses"] is responses_figure
    assert figures_module.FIGURES["response_models"] is response_models_figure


def test_responses_draw_the_yes_share_and_the_most_serious_level_per_group():
    output = responses_figure(response_results())
    ax = output.figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "Police involvement because of the HSB", "Therapeutic response",
        "Highest level of children's social care\ninvolvement: section 47 (significant harm)",
    ]
    drawn = bars(ax)
    assert [width for _, _, width in drawn] == [75.0, 40.0, 16.666667, 25.0, 60.0, 83.333333,
                                                50.0, 60.0, 50.0]
    assert ax.get_xlabel() == "children (%)"


def test_response_groups_differ_in_colour_and_in_hatching_for_greyscale():
    drawn = bars(responses_figure(response_results()).figure.axes[0])
    by_group = dict(zip(("ta_only", "dual", "offline_only"), drawn[:3], strict=True))
    for group, (colour, hatch, _) in by_group.items():
        assert colour == HSB_GROUP_COLOURS[group].upper()
        assert hatch == HSB_GROUP_HATCHES[group]
    assert len({hatch for _, hatch, _ in by_group.values()}) == 3


def test_responses_caption_names_the_level_drawn_n_per_group_and_the_ci():
    output = responses_figure(response_results())
    assert "TA-HSB only (N = 4), dual (N = 10), offline only (N = 6)" in output.caption
    assert "Highest level of children's social care involvement: section 47" in output.caption
    assert "Wilson 95% CI" in output.caption
    assert "Police involvement because of the HSB: TA-HSB only 3/4 (75.0%" in output.alt_text


def test_responses_figure_survives_an_empty_group_and_says_so():
    output = responses_figure(response_results(empty_group="ta_only"))
    assert "No data: TA-HSB only." in output.caption
    assert len(bars(output.figure.axes[0])) == 6


def test_forest_plot_draws_group_odds_ratios_on_a_log_axis_with_a_line_at_one():
    output = response_models_figure(response_results())
    ax = output.figure.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "odds ratio (log scale; reference: offline HSB only)"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Police involvement because of the HSB", "Therapeutic response",
    ]
    drawn = markers(ax)
    assert [(m, x) for m, _, x, _ in drawn] == [("o", 3.25), ("s", 0.8), ("s", 0.4)]
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.get_lines())


def test_a_separated_odds_ratio_is_written_not_estimable_instead_of_a_point():
    output = response_models_figure(response_results())
    assert "TA-HSB only: not estimable" in texts(output.figure)
    assert "Therapeutic response (n in model = 18): TA-HSB only not estimable" in output.caption
    assert f"Warning: {SEPARATION}." in output.caption


def test_forest_plot_caption_gives_n_in_model_the_method_and_leaves_ordinal_to_the_table():
    output = response_models_figure(response_results())
    assert ("Police involvement because of the HSB (n in model = 18): TA-HSB only OR 3.25 "
            "(1.10 to 9.61), p = 0.033; dual OR 0.80 (0.30 to 2.10), p = 0.600") in (
        output.caption)
    assert LOGIT in output.caption
    assert "given in the table: highest level of children's social care involvement" in (
        output.caption)
    assert "3.25 (1.10 to 9.61)" in output.alt_text


def test_forest_plot_with_only_na_estimates_draws_no_point():
    models = [odds_ratio("police_involvement", "ta_only", None, warning=SEPARATION),
              odds_ratio("police_involvement", "dual", None, warning=SEPARATION)]
    output = response_models_figure(response_results(models=models))
    assert markers(output.figure.axes[0]) == []
    assert "Dual: not estimable" in " ".join(texts(output.figure)).replace("dual", "Dual")


@pytest.mark.parametrize("draw", [responses_figure, response_models_figure])
def test_response_figures_re_saved_give_byte_identical_files(draw, tmp_path):
    output = draw(response_results())
    first = write_figure(output, tmp_path / "one" / "figure")
    second = write_figure(output, tmp_path / "two" / "figure")
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt
