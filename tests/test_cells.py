"""Cells of one row: effect sizes and p cells formatted in one place."""

import pandas as pd

from tahsb_analysis.render.cells import format_effect
from tahsb_analysis.render.numbers import format_p_cell


def test_effect_sizes_and_p_cells_are_formatted_in_one_place():
    def effect(statistic, estimate, low=None, high=None, unit="children"):
        return pd.Series(dict(statistic=statistic, estimate=estimate, ci_low=low,
                              ci_high=high, unit=unit))

    assert format_effect(effect("risk_difference", -0.296, -0.487, -0.002)) == (
        "RD -29.6 (-48.7 to -0.2)"
    )
    assert format_effect(effect("cramers_v", 0.2149)) == "V = 0.21"
    assert format_effect(effect("hodges_lehmann", 3.0, unit="years")) == "HL 3.0"
    assert format_effect(effect("rank_biserial", pd.NA)) == "r n/a"
    assert format_p_cell(0.0004) == "< 0.001"
    assert format_p_cell(0.12345) == "0.123"
    assert format_p_cell(pd.NA) == "n/a"

