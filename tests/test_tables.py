"""render_table picks the layout the output registry names; unknown outputs are generic."""

import pytest
from table_rows import characteristics_rows, overall_rows

from tahsb_analysis.registry import registry_from_mapping
from tahsb_analysis.render.rendered_table import RELEASE_BANNER, TableError
from tahsb_analysis.render.tables import render_table, table_layout
from tahsb_analysis.render.writers import table_to_markdown


@pytest.fixture
def overall():
    return overall_rows()


def test_an_output_missing_from_the_results_is_an_error_naming_those_present(overall):
    with pytest.raises(TableError, match="prevalence_overall"):
        render_table(overall, "prevalnce_overall")


def test_a_known_output_without_rows_renders_an_empty_table_that_says_so(overall):
    rendered = render_table(overall, "ta_hsb_types")
    assert rendered.rows == []
    assert rendered.footnotes == ["No results for this output."]


def test_a_table_is_release_tier_only_when_every_row_went_through_the_gate(overall):
    checked = overall.assign(disclosure="released")
    assert render_table(checked, "prevalence_overall").tier == "release"
    half = checked.copy()
    half.loc[half.index[0], "disclosure"] = "not checked"
    assert render_table(half, "prevalence_overall").tier == "internal"
    lines = table_to_markdown(render_table(checked, "prevalence_overall")).splitlines()
    assert lines[0] == f"**{RELEASE_BANNER}**"



def toy_registry(layout: str):
    """A registry of one output, "toy_comparison", laid out as `layout`."""
    return registry_from_mapping({
        "version": "1",
        "analyses": {"toys": "toy_module:toys"},
        "sections": [{"id": "toys", "title": "Toys", "intro": "Toy outputs."}],
        "outputs": [{"name": "toy_comparison", "title": "Toys compared", "section": "toys",
                     "analysis": "toys", "layout": layout, "caption": "Toys.",
                     "tiers": ["internal"]}],
    })


def toy_rows():
    """Two groups' shares and a test, as a group comparison writes them."""
    rows = characteristics_rows()
    rows = rows[rows["variable"].eq("mental_health_difficulties").to_numpy(dtype=bool)]
    return rows.assign(output="toy_comparison")


@pytest.mark.parametrize("layout", ["generic", "group_comparison", "odds_ratios"])
def test_the_layout_is_the_one_the_registry_names(monkeypatch, layout):
    registry = toy_registry(layout)
    for module in ("tables", "labels"):
        monkeypatch.setattr(f"tahsb_analysis.render.{module}.load_registry", lambda: registry)
    assert table_layout("toy_comparison") == layout
    rendered = render_table(toy_rows(), "toy_comparison")
    assert rendered.title == "Toys compared (cohort ttp-2015)"
    columns = {  # the first columns and a column only this layout has
        "generic": (["Variable", "Level"], "TA-HSB only: n/N (%)"),
        "group_comparison": (["Variable", "Level"], "p adj."),
        "odds_ratios": (["Outcome", "Term"], "OR (95% CI)"),
    }
    first, own = columns[layout]
    assert rendered.header[:2] == first
    assert own in rendered.header


def test_an_unregistered_output_renders_generic_with_a_title_from_its_name():
    rows = toy_rows().assign(output="toy_output")
    assert table_layout("toy_output") == "generic"
    rendered = render_table(rows, "toy_output")
    assert rendered.title == "Toy output (cohort ttp-2015)"
    assert rendered.header[2:4] == ["TA-HSB only: n/N (%)", "TA-HSB only: 95% CI"]


def test_registered_group_comparisons_and_models_use_their_own_layouts():
    assert table_layout("characteristics") == "group_comparison"
    assert table_layout("first_hsb_age_by_group") == "group_comparison"
    assert table_layout("responses") == "group_comparison"
    assert table_layout("response_models") == "odds_ratios"
    assert table_layout("prevalence_overall") == "generic"
