"""A figure's words travel with it: the alt text and caption files beside the image, and the
tier stated on the face and in the words (suppressed values said for released figures)."""

from figure_rows import results, texts

from tahsb_analysis.render.figures.output import SUPPRESSED_WORDS, mark_tier, write_figure
from tahsb_analysis.render.figures.prevalence import prevalence_figure
from tahsb_analysis.render.figures.style import TIER_LABEL
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED


def test_alt_text_file_is_written_and_gives_n_and_denominator(tmp_path):
    output = prevalence_figure(results())
    paths = write_figure(output, tmp_path / "prevalence")
    alt = paths["alt"].read_text(encoding="utf-8")
    assert paths["alt"].name == "prevalence.alt.txt"
    assert alt == output.alt_text + "\n"
    assert "N = 20" in alt and "9 of 20 children" in alt
    assert paths["caption"].read_text(encoding="utf-8") == output.caption + "\n"


def released(suppressed_output=None):
    """The test results as if released, with one row of `suppressed_output` suppressed."""
    frame = results()
    frame["disclosure"] = RELEASED
    if suppressed_output is not None:
        first = frame.index[frame["output"].eq(suppressed_output)][0]
        frame.loc[first, "disclosure"] = SUPPRESSED
    return frame


def test_an_internal_figure_says_not_checked_on_its_face_caption_and_alt_text():
    output = mark_tier(prevalence_figure(results()), results(), "prevalence")
    assert TIER_LABEL in texts(output.figure)
    assert output.caption.startswith(TIER_LABEL) and output.alt_text.startswith(TIER_LABEL)


def test_a_released_figure_mentions_suppression_only_when_its_own_output_has_some():
    # The registry draws "prevalence" from the rows of "prevalence_overall".
    own = released("prevalence_overall")
    output = mark_tier(prevalence_figure(own), own, "prevalence")
    assert TIER_LABEL not in texts(output.figure)
    assert output.caption.endswith(SUPPRESSED_WORDS) and output.alt_text.endswith(
        SUPPRESSED_WORDS)
    other = released("ta_hsb_types")
    output = mark_tier(prevalence_figure(other), other, "prevalence")
    assert SUPPRESSED_WORDS not in output.caption + output.alt_text
