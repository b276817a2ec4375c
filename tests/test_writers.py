"""Markdown, HTML and CSV of a rendered table: banners first, escaped, deterministic."""

from io import StringIO

import pandas as pd
import pytest
from table_rows import by_sex_rows, overall_rows

from tahsb_analysis.render.rendered_table import INTERNAL_BANNER, SYNTHETIC_BANNER
from tahsb_analysis.render.tables import render_table, write_table
from tahsb_analysis.render.writers import table_to_csv, table_to_html, table_to_markdown
from tahsb_analysis.results.schema import RESULT_COLUMNS, concat_results, make_results


@pytest.fixture
def overall():
    return overall_rows()


@pytest.fixture
def by_sex():
    return by_sex_rows()


def test_markdown_starts_with_the_tier_then_the_synthetic_banner_when_synthetic(overall):
    lines = table_to_markdown(render_table(overall, "prevalence_overall")).splitlines()
    assert lines[0] == f"**{INTERNAL_BANNER}**"
    assert SYNTHETIC_BANNER in lines[2]


def test_markdown_has_no_synthetic_banner_for_real_data(by_sex):
    assert "SYNTHETIC" not in table_to_markdown(render_table(by_sex, "prevalence_by_sex"))


def test_markdown_lays_out_header_rows_and_numbered_footnotes(overall):
    lines = table_to_markdown(render_table(overall, "prevalence_overall")).splitlines()
    assert "| Variable | Level | All: n/N (%) | All: 95% CI |" in lines
    assert "| HSB group | Any TA-HSB | 3/10 (30.0%) | 10.8 to 60.3 |" in lines
    assert "1. Wilson 95% CI." in lines


def test_html_shows_the_synthetic_banner_first_when_synthetic(overall):
    page = table_to_html(render_table(overall, "prevalence_overall"))
    body = page.split("<body>", 1)[1].lstrip().splitlines()
    assert body[0] == f'<p class="tier internal">{INTERNAL_BANNER}</p>'
    assert body[1] == f'<p class="synthetic">{SYNTHETIC_BANNER}</p>'


def test_html_has_no_synthetic_banner_for_real_data(by_sex):
    assert "SYNTHETIC" not in table_to_html(render_table(by_sex, "prevalence_by_sex"))


def test_html_escapes_text_and_loads_nothing_from_outside():
    rows = [dict(variable="x", level="<script>&", statistic="proportion", estimate=0.5, n=1,
                 denominator=2, unit="children", method='Wilson 95% CI "<b>"')]
    frame = make_results(rows, cohort="c", synthetic=True, analysis="a", output="x_out")
    page = table_to_html(render_table(frame, "x_out"))
    assert "<script>" not in page
    assert "&lt;script&gt;&amp;" in page
    assert "<b>" not in page
    assert "http" not in page
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page


def test_csv_round_trips_to_exactly_the_rows_of_that_output(overall, by_sex):
    both = concat_results([overall, by_sex])
    text = table_to_csv(both, "prevalence_by_sex")
    back = pd.read_csv(StringIO(text), dtype=RESULT_COLUMNS, keep_default_na=True)
    pd.testing.assert_frame_equal(back, by_sex)


def test_csv_keeps_numbers_unrounded_with_newline_endings(overall):
    text = table_to_csv(overall, "prevalence_overall")
    assert "0.1078" in text and "0.6032" in text
    assert "\r" not in text
    assert text.endswith("\n")


def test_write_table_writes_every_format_deterministically(overall, tmp_path):
    first = write_table(overall, "prevalence_overall", tmp_path / "a" / "prevalence")
    again = write_table(overall, "prevalence_overall", tmp_path / "b" / "prevalence")
    assert sorted(p.name for p in first.values()) == [
        "prevalence.csv", "prevalence.docx", "prevalence.html", "prevalence.md",
        "prevalence.tex",
    ]
    for key in first:
        assert first[key].read_bytes() == again[key].read_bytes()


def test_markdown_escapes_pipes_in_cells():
    rows = [dict(variable="v", level="a|b", statistic="count", n=4, unit="children",
                 method="count")]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="x")
    assert "| V | A\\|b | 4 |" in table_to_markdown(render_table(frame, "x")).splitlines()

