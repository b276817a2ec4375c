"""Figures draw only what the results table holds, say SYNTHETIC, and save deterministically."""

import matplotlib
import matplotlib.colors
import pytest
from matplotlib.text import Text

from tahsb_analysis import figures as figures_module
from tahsb_analysis.figure_style import (
    DOUBLE_COLUMN_IN,
    FONT_SIZE_PT,
    HSB_GROUP_COLOURS,
    HSB_GROUP_MARKERS,
    OKABE_ITO,
    SINGLE_COLUMN_IN,
    SYNTHETIC_LABEL,
    mark_synthetic,
    new_figure,
    save_figure,
    style_context,
)
from tahsb_analysis.figures import (
    characteristics_figure,
    forms_per_child_figure,
    prevalence_figure,
    ta_hsb_types_figure,
    write_figure,
)
from tahsb_analysis.results import concat_results, empty_results, make_results

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
    return concat_results([overall, types, forms, characteristics])


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
    return rows


FIGURES = [prevalence_figure, ta_hsb_types_figure, forms_per_child_figure,
           characteristics_figure]


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
