"""Every figure the registry draws from the results table has one drawing function; each draws
deterministically, says SYNTHETIC only for synthetic data and draws "no data" from no rows."""

import pytest
from figure_rows import results, texts

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.figures.catalogue import FIGURES, draw_figure
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.figures.style import SYNTHETIC_LABEL, TIER_LABEL
from tahsb_analysis.results.schema import RELEASED, empty_results
from tahsb_analysis.vocabulary import INTERNAL_TIER, RELEASE_TIER

DRAW = list(FIGURES.values())


def test_each_registry_figure_drawn_from_results_has_one_drawing_function_and_vice_versa():
    registry = load_registry()
    assert sorted(registry.figure_names(INTERNAL_TIER, drawn_from="results")) == sorted(FIGURES)
    assert set(registry.figure_names(RELEASE_TIER, drawn_from="results")) <= set(FIGURES)
    # The swimmer plot is drawn from the cohort, not from the results table.
    assert not set(registry.figure_names(INTERNAL_TIER, drawn_from="cohort")) & set(FIGURES)


def test_each_figure_draws_the_rows_of_the_output_the_registry_names():
    registry = load_registry()
    rows = results()
    for name, draw in FIGURES.items():
        assert draw(rows).output == registry.figure(name).output, name


def test_draw_figure_marks_the_tier_and_refuses_an_unknown_name():
    internal = draw_figure("prevalence", results())
    assert TIER_LABEL in texts(internal.figure) and internal.caption.startswith(TIER_LABEL)
    released = results()
    released["disclosure"] = RELEASED
    output = draw_figure("prevalence", released)
    assert TIER_LABEL not in texts(output.figure) + [output.caption, output.alt_text]
    with pytest.raises(KeyError, match="nope"):
        draw_figure("nope", results())


@pytest.mark.parametrize("draw", DRAW)
def test_the_same_results_give_byte_identical_png_svg_and_pdf(draw, tmp_path):
    first = write_figure(draw(results()), tmp_path / "one" / "figure")
    second = write_figure(draw(results()), tmp_path / "two" / "figure")
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


@pytest.mark.parametrize("draw", DRAW)
def test_synthetic_results_put_synthetic_on_the_figure_caption_and_alt_text(draw):
    output = draw(results(synthetic=True))
    assert SYNTHETIC_LABEL in texts(output.figure)
    assert "SYNTHETIC" in output.caption and "SYNTHETIC" in output.alt_text


@pytest.mark.parametrize("draw", DRAW)
def test_real_results_are_not_labelled_synthetic(draw):
    output = draw(results(synthetic=False))
    assert not any("SYNTHETIC" in t for t in texts(output.figure))
    assert "SYNTHETIC" not in output.caption + output.alt_text


@pytest.mark.parametrize("draw", DRAW)
def test_no_rows_at_all_draw_a_no_data_figure(draw):
    output = draw(empty_results())
    assert "no data" in texts(output.figure)
