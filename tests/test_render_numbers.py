"""Numbers as text: percentages, intervals, p-values, rounding half up."""

from decimal import Decimal

import pandas as pd

from tahsb_analysis.render.numbers import (
    ci_label,
    format_ci,
    format_p_value,
    format_percent,
    format_share,
)
from tahsb_analysis.results.numbers import round_half_up


def test_proportion_cell_reads_n_over_denominator_with_percent():
    assert format_share(3, 10, 0.3) == "3/10 (30.0%)"


def test_ci_cell_reads_limits_as_percentages_joined_by_to():
    assert format_ci(0.1078, 0.6032) == "10.8 to 60.3"


def test_percent_rounds_half_up_as_a_reader_would():
    assert format_percent(0.0125) == "1.3%"
    assert format_percent(0.125) == "12.5%"


def test_p_value_below_one_in_a_thousand_reads_less_than():
    assert format_p_value(0.0004) == "p < 0.001"


def test_p_value_otherwise_has_three_decimals():
    assert format_p_value(0.0432) == "p = 0.043"
    assert format_p_value(0.001) == "p = 0.001"


def test_missing_values_are_shown_as_not_available():
    assert format_percent(pd.NA) == "n/a"
    assert format_ci(pd.NA, pd.NA) == "n/a"
    assert format_share(0, 0, pd.NA) == "0/0 (n/a)"


def test_ci_level_is_read_from_the_method_text():
    assert ci_label("Wilson 95% CI") == "95% CI"
    assert ci_label("Clopper-Pearson exact 90% CI") == "90% CI"
    assert ci_label("count") == "CI"



def test_round_half_up_rounds_a_trailing_five_away_from_zero():
    assert round_half_up(0.125, 2) == Decimal("0.13")
    assert round_half_up(-0.125, 2) == Decimal("-0.13")
    assert round_half_up(2.5, 0) == Decimal("3")
