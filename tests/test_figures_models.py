"""The forest plot of the response models: odds ratios on a log axis with a line at 1,
"not estimable" written instead of a point, ordered outcomes left to the table."""

import pytest
from figure_rows import (
    LOGIT,
    SEPARATION,
    markers,
    odds_ratio,
    response_results,
    texts,
)

from tahsb_analysis.render.figures.groups import responses_figure
from tahsb_analysis.render.figures.models import response_models_figure
from tahsb_analysis.render.figures.output import write_figure


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
