"""Figures of the links between TA-HSB and offline HSB: the onset gap as box and point, the
trajectories of all dual children as a flow diagram with bands proportional to children."""

import matplotlib
import matplotlib.colors
import pytest
from figure_rows import (
    BOOTSTRAP,
    DUAL,
    band_heights,
    gap_rows,
    results,
    share,
    texts,
    trajectory_rows,
)
from matplotlib.patches import Rectangle

from tahsb_analysis.render.figures.links import onset_gap_figure, trajectory_figure
from tahsb_analysis.render.figures.style import OKABE_ITO, save_figure
from tahsb_analysis.results.schema import concat_results, make_results


def links_results(gap=None, trajectories=None, synthetic=False):
    common = dict(cohort="ttp-2015", synthetic=synthetic, analysis="links")
    parts = []
    if gap is not None:
        parts.append(make_results(gap, output="onset_gap", finding="L2", **common))
    if trajectories is not None:
        parts.append(make_results(trajectories, output="trajectories", **common))
    return concat_results(parts)


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


def test_a_single_kind_trajectory_leads_to_nothing_later_without_an_n_no_row_gives():
    rows = trajectory_rows({"offline": 3, "offline -> other_ta": 1}, denominator=4,
                           nodes={"trajectory_first": {"offline": 4},
                                  "trajectory_later": {"other_ta": 1}})
    figure = trajectory_figure(links_results(trajectories=rows)).figure
    labels = [t.replace("\n", " ") for t in texts(figure)]
    assert "nothing later" in labels
    assert [t for t in labels if "(n = " in t] == ["offline HSB (n = 4)", "other TA-HSB (n = 1)"]


def released(rows, suppressed_levels):
    """The rows as the release tier gives them: `suppressed_levels` ((variable, level)) blank
    and marked suppressed, every other row released."""
    out = []
    for row in rows:
        if row["group"] == "all_dual" and (row["variable"], row["level"]) in suppressed_levels:
            row = dict(row, n=None, estimate=None, disclosure="suppressed")
        else:
            row = dict(row, disclosure="released")
        out.append(row)
    return out


def node_labels(rows):
    figure = trajectory_figure(links_results(trajectories=rows)).figure
    return [t.replace("\n", " ") for t in texts(figure) if "(n = " in t]


def test_a_node_gives_its_released_total_not_the_sum_of_the_bands_drawn():
    # offline -> pornography (3) is suppressed and not drawn; the released node total of
    # offline HSB first is still 11, not the 8 of the one band that is drawn.
    rows = released(trajectory_rows(), {("trajectory", "offline -> pornography")})
    labels = node_labels(rows)
    assert labels[0] == "offline HSB (n = 11)"
    assert "pornography use (n = 3)" not in labels  # no band reaches it: not drawn


def test_a_suppressed_node_total_is_shown_as_c():
    suppressed = {("trajectory", "other_ta -> offline"), ("trajectory_first", "other_ta"),
                  ("trajectory_later", "offline")}
    labels = node_labels(released(trajectory_rows(), suppressed))
    assert labels == [
        "offline HSB (n = 11)", "pornography use (n = 5)",
        "offline HSB + pornography use (same year) (n = 2)",
        "offline HSB (n = [c])", "pornography use (n = 3)", "other TA-HSB (n = 8)",
        "same year (no order) (n = 2)",
    ]


def test_onset_gap_summarised_for_offline_first_children_says_so():
    rows = gap_rows({s: {"level": "offline_first"} for s in ("mean", "sd", "median", "q1",
                                                              "q3")})
    output = onset_gap_figure(links_results(rows))
    assert "Summaries among children with offline HSB first." in output.caption


def test_onset_gap_draws_the_conditional_gap_and_the_paired_difference_on_their_own_lines():
    levels = {s: {"level": "offline_first"} for s in ("mean", "sd", "median", "q1", "q3")}
    rows = gap_rows(levels)
    rows.append(dict(rows[0], level="paired_difference", estimate=1.5, ci_low=0.4, ci_high=2.6,
                     n=12, denominator=12, method="mean paired difference with t-based 95% CI"))
    output = onset_gap_figure(links_results(rows))
    ax = output.figure.axes[0]
    means = sorted(float(line.get_xdata()[0]) for line in ax.get_lines()
                   if line.get_marker() == "o")
    assert means == [1.5, 3.04]  # neither mean hides the other
    assert "Other TA-HSB, offline HSB first (N = 9): median 3.0" in output.caption
    assert (
        "Other TA-HSB, all with both onset ages (paired difference) (N = 12): mean 1.5 "
        "(95% CI 0.4 to 2.6)" in output.caption
    )
    assert "Summaries among children with" not in output.caption  # each heading names them
