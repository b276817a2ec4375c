"""The browser check itself (tests/browser_helpers.py): it must see what a user's browser
would complain about, on hand-made pages, before the workflow test trusts its silence."""

from __future__ import annotations

import struct

from browser_helpers import (
    WINDOW,
    PageView,
    comparison_page_items,
    console_errors,
    missing_items,
    study_page_items,
)

CLEAN = """<!doctype html><html><head><meta charset="utf-8"><title>clean</title></head><body>
<figure id="figure-a"><img alt="a red dot" src="data:image/png;base64,{png}">
<figcaption>Figure 1. A dot.</figcaption></figure>
<table id="table-b"><caption>Table 1. Nothing.</caption><tr><td>1</td></tr></table>
</body></html>"""
# A 1 x 1 red PNG (written by hand, not by the code under test).
RED_DOT = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAA"
           "AABJRU5ErkJggg==")
BROKEN = """<!doctype html><html><head><title>broken</title></head><body>
<p id="here">text</p><img alt="gone" src="no-such-figure.png">
<script>console.error("drawn wrongly"); console.log("only a message"); notAFunction();</script>
</body></html>"""


def test_a_clean_page_has_no_errors_its_items_and_a_screenshot_of_the_window(browser, tmp_path):
    page = tmp_path / "clean.html"
    page.write_text(CLEAN.format(png=RED_DOT), encoding="utf-8")
    shot = tmp_path / "clean.png"
    view = browser.view(page, screenshot=shot)
    assert view.errors == [] and view.broken_images == [] and view.images == 1
    assert {"figure-a", "table-b"} <= view.ids
    assert view.captions == ["Figure 1. A dot.", "Table 1. Nothing."]
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width == WINDOW[0] and 0 < height <= WINDOW[1]
    assert missing_items(view, ["figure-a", "table-b", "table-c"]) == ["table-c"]


def test_a_broken_page_reports_console_errors_exceptions_and_an_image_that_did_not_load(
        browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(BROKEN, encoding="utf-8")
    view = browser.view(page)
    assert view.broken_images == [0]
    joined = "\n".join(view.errors)
    assert len(view.errors) == 3, joined
    assert "console.error: drawn wrongly" in joined
    assert "notAFunction is not defined" in joined
    assert "no-such-figure.png" in joined
    assert "only a message" not in joined  # console.log is not an error


def test_console_errors_keeps_errors_asserts_exceptions_and_error_log_entries_only():
    events = [
        {"method": "Runtime.consoleAPICalled",
         "params": {"type": "warning", "args": [{"value": "minor"}]}},
        {"method": "Runtime.consoleAPICalled",
         "params": {"type": "assert", "args": [{"value": "x"}, {"value": 2}]}},
        {"method": "Runtime.exceptionThrown",
         "params": {"exceptionDetails": {"text": "Uncaught", "exception": {}}}},
        {"method": "Log.entryAdded",
         "params": {"entry": {"level": "warning", "source": "other", "text": "deprecated"}}},
        {"method": "Log.entryAdded",
         "params": {"entry": {"level": "error", "source": "network", "text": "Failed",
                              "url": "file:///f.png"}}},
        {"method": "Page.loadEventFired", "params": {}},
    ]
    assert console_errors(events) == [
        "console.assert: x 2", "uncaught exception: Uncaught", "network: Failed file:///f.png"]


def test_missing_items_matches_ids_exactly_unless_asked_for_prefixes():
    view = PageView(url="file:///x", ids={"table-characteristics_missing_bounds",
                                          "figure-comparison_links_1"})
    assert missing_items(view, ["table-characteristics"]) == ["table-characteristics"]
    assert missing_items(view, ["figure-comparison_links"], prefixes=True) == []
    assert missing_items(view, ["figure-comparison_range"], prefixes=True) == [
        "figure-comparison_range"]


def test_the_expected_items_follow_the_registry_tiers():
    internal, release = study_page_items("internal"), study_page_items("release")
    # The one-line-per-child timelines are drawn for the internal page only (outputs.yaml).
    assert "figure-dual_timelines" in internal and "figure-dual_timelines" not in release
    assert "table-prevalence_overall" in release and "figure-prevalence" in release
    comparison = comparison_page_items()
    assert "figure-comparison_prevalence" in comparison
    assert comparison[-1] == "table-replication-side-by-side"
