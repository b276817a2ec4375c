"""Forest plots of cohort comparisons (render/figures/comparison.py), drawn from hand-made
comparison rows: risk differences in percentage points, suppressed values written [c], the
SYNTHETIC and internal-tier labels, byte-identical files."""

from __future__ import annotations

import pytest
from comparison_helpers import comparison_rows
from matplotlib.text import Text

from tahsb_analysis.render.figures.comparison import NO_COMPARABLE_ROWS, figure_name, forest_figure
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.figures.style import SYNTHETIC_LABEL, TIER_LABEL
from tahsb_analysis.render.tables import SUPPRESSED_MARKER
from tahsb_analysis.results.schema import RELEASED


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text)]


def test_the_forest_plot_draws_risk_differences_in_percentage_points():
    output = forest_figure(comparison_rows(), "prevalence")
    ax = output.figure.axes[0]
    markers = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    assert sorted(float(line.get_xdata()[0]) for line in markers) == pytest.approx([10.0, 20.0])
    assert any(list(line.get_xdata()) == [0.0, 0.0] for line in ax.get_lines())  # line at 0
    assert "Any TA-HSB" in texts(output.figure)
    assert "n/N = 100/200" in output.caption and "Newcombe" in output.caption
    assert "n/N = 100/200" in output.alt_text
    assert output.output == figure_name("prevalence") == "comparison_prevalence"


def test_a_suppressed_comparison_is_written_c_and_not_drawn():
    output = forest_figure(comparison_rows(disclosure=RELEASED), "prevalence")
    assert f"a vs b: {SUPPRESSED_MARKER}" in texts(output.figure)
    ax = output.figure.axes[0]
    markers = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    assert len(markers) == 1
    assert "suppressed by disclosure control" in output.caption


def test_an_empty_section_says_there_are_no_comparable_rows():
    output = forest_figure(comparison_rows(), "links")
    assert NO_COMPARABLE_ROWS in texts(output.figure)
    assert NO_COMPARABLE_ROWS in output.caption


def test_synthetic_sources_put_synthetic_on_the_face_caption_and_alt_text():
    output = forest_figure(comparison_rows(), "prevalence")
    assert SYNTHETIC_LABEL in texts(output.figure)
    assert "SYNTHETIC" in output.caption and "SYNTHETIC" in output.alt_text
    real = forest_figure(comparison_rows(synthetic=False), "prevalence")
    assert not any("SYNTHETIC" in t for t in texts(real.figure) + [real.caption])


def test_rows_not_checked_mark_the_figure_internal_and_released_rows_do_not():
    internal = forest_figure(comparison_rows(), "prevalence")
    assert TIER_LABEL in texts(internal.figure) and internal.caption.startswith(TIER_LABEL)
    released = forest_figure(comparison_rows(disclosure=RELEASED), "prevalence")
    assert TIER_LABEL not in texts(released.figure) + [released.caption]


def test_the_forest_plot_writes_byte_identical_files_twice(tmp_path):
    first = write_figure(forest_figure(comparison_rows(), "prevalence"), tmp_path / "1" / "f")
    second = write_figure(forest_figure(comparison_rows(), "prevalence"), tmp_path / "2" / "f")
    for fmt in ("png", "svg", "pdf", "alt", "caption"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_an_unknown_section_is_refused():
    with pytest.raises(ValueError, match="unknown comparison section 'nope'"):
        forest_figure(comparison_rows(), "nope")
