"""What every table layout shares: the rendered table, its tier and banners, the marks of
disclosure control, and the rows of one output.

A layout (generic, group comparison, odds ratios) turns rows into a header, body lines and
footnotes; `finish_table` adds the title, the suppression note and the SYNTHETIC and tier flags,
decided here once for every layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tahsb_analysis.render.labels import output_title
from tahsb_analysis.render.numbers import is_missing
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED
from tahsb_analysis.vocabulary import (
    GROUP_SIZE,
    INTERNAL_TIER,
    MISSING_PREFIX,
    RELEASE_TIER,
    TEST_STATISTICS,
)

SYNTHETIC_BANNER = "SYNTHETIC DATA: describes no real child"
# Every output says which tier it belongs to (a row is "not checked" until the disclosure gate
# marks it): internal outputs must never be mistaken for releasable ones.
INTERNAL_BANNER = "INTERNAL: not checked for release"
# A release file is a candidate until an output checker has read it: never "checked".
RELEASE_BANNER = ("Release candidate: disclosure control applied, not yet checked by an output "
                  "checker")
# A value hidden by the disclosure gate (the ONS convention "[c]": confidential).
SUPPRESSED_MARKER = "[c]"
SUPPRESSED_NOTE = (
    f"{SUPPRESSED_MARKER} Suppressed by disclosure control: a count below the policy's threshold,"
    " a count that would reveal one through a total, or a statistic computed from one; the"
    " release manifest lists each suppressed cell and its reason."
)
_TESTS = frozenset(TEST_STATISTICS)


class TableError(ValueError):
    """An output cannot be rendered (e.g. it is not in the results table)."""


@dataclass(frozen=True)
class RenderedTable:
    """One output as display strings, ready for Markdown or HTML.

    `header` names every column; each entry of `rows` has one string per column. Footnotes are
    numbered from 1 in the order given; body labels refer to method footnotes as "[k]" when a
    table uses more than one method.
    """

    title: str
    header: list[str]
    rows: list[list[str]]
    footnotes: list[str] = field(default_factory=list)
    synthetic: bool = False
    output: str = ""
    tier: str = INTERNAL_TIER


def tier_of(results: pd.DataFrame) -> str:
    """"release" only when every row has been through the disclosure gate, else "internal"."""
    if "disclosure" not in results.columns or not len(results):
        return INTERNAL_TIER
    checked = results["disclosure"].isin([RELEASED, SUPPRESSED]).all()
    return RELEASE_TIER if checked else INTERNAL_TIER


def tier_banner(tier: str) -> str:
    return RELEASE_BANNER if tier == RELEASE_TIER else INTERNAL_BANNER


def is_suppressed(row) -> bool:
    """True for a row the disclosure gate hid (its values are blank and show as [c])."""
    try:
        return row["disclosure"] == SUPPRESSED
    except (KeyError, IndexError):
        return False


def suppression_notes(rows: pd.DataFrame) -> list[str]:
    """The note explaining "[c]", when any of `rows` was suppressed."""
    if "disclosure" in rows.columns and rows["disclosure"].eq(SUPPRESSED).any():
        return [SUPPRESSED_NOTE]
    return []


def output_rows(results: pd.DataFrame, output: str) -> pd.DataFrame:
    """The rows of `results` that belong to `output`, in their original order."""
    return results[results["output"].eq(output).fillna(False).to_numpy(dtype=bool)]


def is_group_size(rows: pd.DataFrame) -> pd.Series:
    """Which rows give the size of a group compared (read for column headings, never a line)."""
    return rows["statistic"].eq(GROUP_SIZE).fillna(False)


def without_group_sizes(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` less the group-size rows: what a layout shows as lines and footnotes."""
    return rows[~is_group_size(rows).to_numpy(dtype=bool)]


def is_test(row) -> bool:
    return row["statistic"] in _TESTS


def is_missing_row(row) -> bool:
    """True for a count of children whose value was not recorded ("missing: ...")."""
    return not is_missing(row["level"]) and str(row["level"]).startswith(MISSING_PREFIX)


def distinct(values) -> list:
    """The values in order of first appearance, each once (works for unhashable values)."""
    seen: list = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def refuse_several_cohorts(rows: pd.DataFrame, output: str) -> None:
    """Raise TableError when `rows` come from more than one cohort (a layout with one column
    per group shows one cohort)."""
    if rows["cohort"].nunique() > 1:
        cohorts = sorted(rows["cohort"].dropna().astype(str).unique())
        raise TableError(
            f"output {output!r} holds rows of several cohorts ({', '.join(cohorts)}); "
            "render one cohort at a time"
        )


@dataclass
class Footnotes:
    """A table's footnotes, numbered from 1 in the order first noted; a text noted again
    keeps its number (cells point to it as "[k]")."""

    texts: list[str] = field(default_factory=list)

    def note(self, text: str) -> int:
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1


def finish_table(rows: pd.DataFrame, output: str, header, table_rows, footnotes,
                 source: pd.DataFrame | None = None) -> RenderedTable:
    """The finished table: the title names the cohort, the suppression note closes the
    footnotes, and the SYNTHETIC flag and the tier come from the rows themselves (from `source`
    when given: the whole results table, for an output without rows)."""
    source = rows if source is None else source
    footnotes = [*footnotes, *suppression_notes(rows)]
    cohorts = distinct(str(c) for c in rows["cohort"].dropna())
    title = output_title(output)
    if cohorts:
        title += f" (cohort {', '.join(cohorts)})"
    return RenderedTable(
        title=title,
        header=header,
        rows=table_rows,
        footnotes=footnotes,
        synthetic=bool(source["synthetic"].fillna(False).any()),
        output=output,
        tier=tier_of(source),
    )
