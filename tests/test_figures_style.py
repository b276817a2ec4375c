"""One figure style: column widths, readable fonts, the Okabe-Ito palette, the SYNTHETIC label,
and saving that gives byte-identical files without dates or software versions."""

import matplotlib
import matplotlib.colors
import pytest
from figure_rows import results, texts
from matplotlib.text import Text

from tahsb_analysis.render.figures.prevalence import prevalence_figure
from tahsb_analysis.render.figures.style import (
    FONT_RANGE_PT,
    OKABE_ITO,
    SINGLE_COLUMN_IN,
    SYNTHETIC_LABEL,
    mark_synthetic,
    new_figure,
    save_figure,
    style_context,
)


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


def test_synthetic_label_is_added_only_once():
    with style_context():
        figure = new_figure()
        mark_synthetic(figure)
        mark_synthetic(figure)
    assert texts(figure).count(SYNTHETIC_LABEL) == 1


def test_figures_are_column_width_with_readable_fonts():
    figure = prevalence_figure(results()).figure
    assert figure.get_figwidth() == SINGLE_COLUMN_IN
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text()]
    assert FONT_RANGE_PT[0] <= min(sizes) and max(sizes) <= FONT_RANGE_PT[1]


def test_bars_use_the_okabe_ito_palette():
    figure = prevalence_figure(results()).figure
    palette = {matplotlib.colors.to_rgba(c) for c in OKABE_ITO.values()}
    assert all(bar.get_facecolor() in palette for bar in figure.axes[0].patches)


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="eps"):
        save_figure(prevalence_figure(results()).figure, tmp_path / "f", "alt", ("eps",))
