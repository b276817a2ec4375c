"""The swimmer plot of individual dual children: one line per child, internal use only, counts
but no ages in the alt text, never echoing a child's value in an error."""

import matplotlib
import matplotlib.colors
import pandas as pd
import pytest
from figure_rows import texts

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.figures.style import (
    INTERNAL_USE_LABEL,
    OKABE_ITO,
    SYNTHETIC_LABEL,
    save_figure,
)
from tahsb_analysis.render.figures.timelines import TIMELINE_FIGURE, timeline_figure
from tahsb_analysis.vocabulary import INTERNAL_TIER, RELEASE_TIER


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


def test_the_timeline_is_the_registry_figure_drawn_from_the_cohort_and_never_released():
    registry = load_registry()
    assert registry.figure_names(INTERNAL_TIER, drawn_from="cohort") == [TIMELINE_FIGURE]
    assert TIMELINE_FIGURE not in registry.figure_names(RELEASE_TIER, drawn_from=None)
