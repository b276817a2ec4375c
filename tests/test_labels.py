"""Codes as words: levels, pairs, trajectories, statistics and output titles."""

from tahsb_analysis.registry import registry_from_mapping
from tahsb_analysis.render.labels import (
    STATISTIC_LABELS,
    level_label,
    output_title,
    trajectory_label,
    trajectory_steps,
)


def test_pairwise_comparisons_and_new_tests_have_labels():
    assert level_label("hsb_group", "ta_only vs offline_only") == (
        "TA-HSB only vs offline only"
    )
    assert STATISTIC_LABELS["kruskal_wallis"] == "Kruskal-Wallis test"
    assert STATISTIC_LABELS["anova"] == "one-way ANOVA"


def test_dual_groups_levels_and_new_tests_have_labels():
    assert level_label("dual_subgroup", "all_dual") == "all dual children"
    assert level_label("dual_subgroup", "pornography_only") == (
        "TA-HSB solely inappropriate pornography use"
    )
    assert level_label("onset_order", "online_first") == "TA-HSB first"
    assert level_label("onset_order", "same_year") == "both in the same year"
    assert STATISTIC_LABELS["wilcoxon"] == "Wilcoxon signed-rank test"
    assert STATISTIC_LABELS["sign_test"] == "sign test"
    assert STATISTIC_LABELS["binomial_test"] == "binomial test"


def test_trajectory_levels_read_as_first_then_later_behaviour():
    assert trajectory_label("offline -> other_ta") == "offline HSB, then other TA-HSB"
    assert trajectory_label("pornography -> offline") == (
        "inappropriate pornography use, then offline HSB"
    )
    assert trajectory_label("offline + pornography (same year)") == (
        "offline HSB and inappropriate pornography use (same year)"
    )
    assert trajectory_label("offline + pornography (same year) -> other_ta") == (
        "offline HSB and inappropriate pornography use (same year), then other TA-HSB"
    )
    assert trajectory_steps("offline -> other_ta") == [(("offline",), False),
                                                       (("other_ta",), False)]


def test_links_outputs_have_their_titles():
    titles = {
        "onset_order": "Which came first: offline HSB or TA-HSB (dual children)",
        "porn_trigger": "Pornography identified as a trigger for offline HSB (dual children)",
        "onset_gap": "Years from first offline HSB to other TA-HSB",
        "first_hsb_age_by_group": "Age at first HSB by group",
        "trajectories": "First and later behaviour (dual children)",
    }
    for output, title in titles.items():
        assert output_title(output) == title


def test_an_output_title_is_the_registry_title(monkeypatch):
    registry = registry_from_mapping({
        "version": "1",
        "analyses": {"toys": "toy_module:toys"},
        "sections": [{"id": "toys", "title": "Toys", "intro": "Toy outputs."}],
        "outputs": [{"name": "toy_counts", "title": "Counts of toys by colour",
                     "section": "toys", "analysis": "toys", "layout": "generic",
                     "caption": "Toys.", "tiers": ["internal"]}],
    })
    monkeypatch.setattr("tahsb_analysis.render.labels.load_registry", lambda: registry)
    assert output_title("toy_counts") == "Counts of toys by colour"


def test_an_unregistered_output_is_titled_from_its_name():
    assert output_title("toy_output_by_colour") == "Toy output by colour"
