"""Figures of the links between TA-HSB and offline HSB (L1-L3): the onset gap as a
box-and-point summary, the trajectories of the dual children as a flow diagram."""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.analyses.onset import TIE_LATER
from tahsb_analysis.render.figures.blocks import (
    rows_axis,
    summary_box,
    summary_box_handles,
)
from tahsb_analysis.render.figures.flow import Flow, flow_diagram, flow_layout
from tahsb_analysis.render.figures.output import FigureOutput, finished
from tahsb_analysis.render.figures.rows import (
    by_level,
    ci_limits,
    cohort_text,
    count_text,
    denominator_text,
    drawable,
    findings_words,
    is_na,
    is_synthetic,
    mask,
    median_quartiles,
    method_text,
    missing_words,
    select,
    share_words,
    source_output,
    warning_words,
)
from tahsb_analysis.render.figures.style import (
    BEHAVIOUR_KIND_COLOURS,
    NEUTRAL_GREY,
    mark_synthetic,
    new_figure,
    no_data,
    registry_width,
    style_context,
    wrap_label,
)
from tahsb_analysis.render.tables import (
    BEHAVIOUR_KINDS,
    SUPPRESSED_MARKER,
    behaviour_kind_label,
    ci_label,
    format_ci,
    format_number,
    format_test,
    is_suppressed,
    level_label,
    output_rows,
    short_group_label,
    trajectory_label,
    trajectory_steps,
    upper_first,
)
from tahsb_analysis.vocabulary import (
    MISSING_PREFIX,
    SUMMARY_STATISTICS,
    TEST_STATISTICS,
)

TRAJECTORY_GROUP = "all_dual"
GAP_LABEL = "years from first offline HSB to first other TA-HSB"
NOTHING_LATER = "nothing later"
# A trajectory that is a same-year tie names the first two kinds but no order between them.
NO_ORDER = "same year (no order)"
# Short node names in the flow diagram (the table gives the long ones).
_KIND_SHORT = {"offline": "offline HSB", "pornography": "pornography use",
               "other_ta": "other TA-HSB"}

# --- the onset gap (L2) ------------------------------------------------------------------------


def _summaries_by_group(rows: pd.DataFrame) -> dict[tuple, dict[str, pd.Series]]:
    """{(group, level): {statistic: row}} for the summary rows (mean, sd, median, q1, q3): one
    entry per estimand of a group (the conditional gap "offline_first" and the paired
    difference "paired_difference" are two)."""
    by_group: dict[tuple, dict[str, pd.Series]] = {}
    for _, r in rows[mask(rows["statistic"].isin(SUMMARY_STATISTICS))].iterrows():
        group = "all" if is_na(r["group"]) else str(r["group"])
        level = None if is_na(r["level"]) else str(r["level"])
        by_group.setdefault((group, level), {})[str(r["statistic"])] = r
    return by_group


def _gap_heading(key: tuple, by_statistic: dict, several_levels: bool) -> str:
    """"Other TA-HSB (N = 9)": the children of the first summary row that states them; with
    several estimands, "Other TA-HSB, offline HSB first (N = 9)"."""
    group, level = key
    label = upper_first(short_group_label(group))
    if several_levels and level is not None:
        label += f", {level_label('onset_gap', level)}"
    for statistic in ("mean", "median", "sd", "q1", "q3"):
        row = by_statistic.get(statistic)
        if row is None:
            continue
        for column in ("denominator", "n"):
            if not is_na(row[column]):
                return f"{label} (N = {int(row[column])})"
    return label


def _gap_words(by_statistic: dict) -> str:
    """"median 3.0 (IQR 2.0 to 4.0), mean 3.0 (95% CI 2.2 to 4.0), SD 1.4"."""
    parts = []
    median = median_quartiles(by_statistic)
    if median is not None:
        value, low, high = (format_number(v, 1) for v in median)
        quartiles = all(drawable(by_statistic.get(q)) for q in ("q1", "q3"))
        parts.append(f"median {value}" + (f" (IQR {low} to {high})" if quartiles else ""))
    mean = by_statistic.get("mean")
    if drawable(mean):
        text = f"mean {format_number(mean['estimate'], 1)}"
        if not is_na(mean["ci_low"]) and not is_na(mean["ci_high"]):
            limits = format_ci(mean["ci_low"], mean["ci_high"], percent=False, digits=1)
            text += f" ({ci_label(mean['method'])} {limits})"
        parts.append(text)
    sd = by_statistic.get("sd")
    if drawable(sd):
        parts.append(f"SD {format_number(sd['estimate'], 1)}")
    return ", ".join(parts) or "no data"


def onset_gap_figure(results: pd.DataFrame) -> FigureOutput:
    """Years from first offline HSB to first other TA-HSB (finding L2).

    The results table holds summaries only, so each group (usually the dual children with
    other TA-HSB) gets a box from the 25th to the 75th percentile with the median as a line,
    and below it the mean as a point with its CI as an error bar; a dashed line marks no gap.
    No histogram: individual gaps never reach the results table.
    """
    output = source_output("onset_gap")
    rows = output_rows(results, output)
    synthetic = is_synthetic(results, output)
    by_group = _summaries_by_group(rows)
    several_levels = len({level for _, level in by_group}) > 1
    headings = {g: _gap_heading(g, by_statistic, several_levels)
                for g, by_statistic in by_group.items()}
    means = [s["mean"] for s in by_group.values() if drawable(s.get("mean"))]
    drawn = []
    with style_context():
        height = 1.9 + 0.55 * max(len(by_group), 1)
        fig = new_figure(registry_width("onset_gap"), height=height)
        ax = fig.add_subplot()
        positions = rows_axis(ax, [wrap_label(headings[g], 26) for g in by_group])
        for y, by_statistic in zip(positions, by_group.values(), strict=True):
            mean = by_statistic.get("mean")
            drawn += summary_box(ax, y, median_quartiles(by_statistic),
                                 float(mean["estimate"]) if drawable(mean) else None,
                                 ci_limits(mean) if drawable(mean) else None)
        ax.set_xlabel(wrap_label(GAP_LABEL, 36))  # one line would not fit a single column
        if drawn:
            ax.axvline(0, color=NEUTRAL_GREY, linestyle="--", linewidth=0.7, zorder=1)
            low, high = min([0.0, *drawn]), max([0.0, *drawn])
            margin = max((high - low) * 0.08, 0.5)
            ax.set_xlim(low - margin, high + margin)
            mean_ci = ci_label(means[0]["method"]) if means else "CI"
            fig.legend(summary_box_handles(),
                       ["median and interquartile range", f"mean and its {mean_ci}"],
                       loc="outside lower center", ncol=1, handlelength=1.5)
        else:
            ax.set_yticks([])
            no_data(ax)
        if synthetic:
            mark_synthetic(fig)
    caption, alt_text = _onset_gap_words(results, output, by_group, headings, drawn)
    return finished(fig, caption, alt_text, synthetic, output)


def _onset_gap_words(results, output, by_group, headings, drawn) -> tuple[str, str]:
    rows = output_rows(results, output)
    tests = rows[mask(rows["statistic"].isin(TEST_STATISTICS))]
    missing = rows[mask(rows["level"].str.startswith(MISSING_PREFIX))]
    summary_levels = list(dict.fromkeys(
        level_label(r["variable"], r["level"])
        for by_statistic in by_group.values() for r in by_statistic.values()
        if not is_na(r["level"])
    ))
    means = [s["mean"] for s in by_group.values() if drawable(s.get("mean"))]
    group_words = "; ".join(f"{headings[g]}: {_gap_words(s)}" for g, s in by_group.items())
    caption = (
        f"Years from first offline HSB to first other TA-HSB{cohort_text(results, output)}; "
        f"positive when other TA-HSB came later. {group_words or 'No data'}."
    )
    if len(summary_levels) == 1:  # several estimands are named in their headings
        caption += f" Summaries among children with {summary_levels[0]}."
    if drawn:
        caption += (
            " Box: median and interquartile range (25th to 75th percentile); point and error "
            f"bar: mean and its CI ({method_text(means)}). The dashed line marks no gap."
        )
    caption += "".join(f" {format_test(r)}" for _, r in tests.iterrows())
    # Warnings of the summaries only: a test's warning is in its words above.
    caption += warning_words(rows[mask(rows["statistic"].isin(SUMMARY_STATISTICS))])
    caption += missing_words(missing)
    caption += findings_words(rows)
    alt_text = f"Box-and-point summary of the {GAP_LABEL}: {group_words or 'no data'}."
    return caption, alt_text


# --- trajectories of the dual children (L3) -----------------------------------------------------


def _trajectory_nodes(level: str) -> tuple[str, str]:
    """(first node, later node) of a trajectory level; a same-year tie is a node of its own."""
    steps = trajectory_steps(level)
    first = _step_key(*steps[0])
    later = " -> ".join(_step_key(*step) for step in steps[1:])
    if not later:
        later = NO_ORDER if steps[0][1] else NOTHING_LATER
    return first, later


def _step_key(kinds: tuple[str, ...], same_year: bool) -> str:
    return " + ".join(kinds) + (" (same year)" if same_year else "")


def _node_words(node: str) -> str:
    """A node's short name: "offline HSB", "offline HSB + pornography use (same year)"."""
    if node in (NOTHING_LATER, NO_ORDER):
        return node
    return ", then ".join(
        " + ".join(_KIND_SHORT.get(k, behaviour_kind_label(k)) for k in kinds)
        + (" (same year)" if tie else "")
        for kinds, tie in trajectory_steps(node)
    )


def node_colour(node: str) -> str:
    if node == NOTHING_LATER:
        return NEUTRAL_GREY
    if node == NO_ORDER:
        return BEHAVIOUR_KIND_COLOURS["same_year"]
    kinds, tie = trajectory_steps(node)[0]
    if tie:
        return BEHAVIOUR_KIND_COLOURS["same_year"]
    return BEHAVIOUR_KIND_COLOURS.get(kinds[0], NEUTRAL_GREY)


def _node_order(nodes) -> list[str]:
    """Single kinds in study order (offline, pornography, other TA-HSB), then ties and any
    other node in order of appearance, "same year (no order)" and "nothing later" last."""
    nodes = list(dict.fromkeys(nodes))
    last = [n for n in (NO_ORDER, NOTHING_LATER) if n in nodes]
    ordered = [k for k in BEHAVIOUR_KINDS if k in nodes]
    ordered += [n for n in nodes if n not in ordered and n not in last]
    return ordered + last


def _node_rows(results, output, flows) -> tuple[dict, dict]:
    """({first node: row}, {later node: row}): the rows of trajectory_first and
    trajectory_later that give each node's children (a node's later step "same year (no
    order)" is level TIE_LATER); a node without a row gets none."""
    sides = []
    for variable, side in (("trajectory_first", 0), ("trajectory_later", 1)):
        rows = by_level(select(results, output, variable, TRAJECTORY_GROUP)[0])
        nodes = {flow[side] for flow in flows}
        sides.append({node: rows[_node_level(node)] for node in nodes
                      if _node_level(node) in rows})
    return sides[0], sides[1]


def _node_level(node: str) -> str:
    return TIE_LATER if node == NO_ORDER else node


def _node_labels(nodes: list[str], rows: dict[str, pd.Series]) -> dict[str, str]:
    """"offline HSB (n = 17)": the children of the node's results row, "[c]" when disclosure
    control suppressed it; no n when no row gives it."""
    labels = {}
    for node in nodes:
        label = wrap_label(_node_words(node), 34)
        row = rows.get(node)
        if row is not None and is_suppressed(row):
            label += f" (n = {SUPPRESSED_MARKER})"
        elif row is not None and not is_na(row["n"]):
            label += f" (n = {count_text(row['n'])})"
        labels[node] = label
    return labels


def _flows(proportions: pd.DataFrame) -> list[tuple[str, str, pd.Series]]:
    """(first node, later node, row) of every trajectory with children."""
    return [(*_trajectory_nodes(str(row["level"])), row) for _, row in proportions.iterrows()
            if not is_na(row["level"]) and not is_na(row["n"]) and int(row["n"]) != 0]


def trajectory_figure(results: pd.DataFrame) -> FigureOutput:
    """First kind of behaviour -> later kind, for all dual children.

    A flow diagram: on the left the kind that came first (offline HSB, pornography use, other
    TA-HSB, or kinds that began in the same year as a node of their own), on the right the
    kind that followed ("nothing later" when nothing did), and between them one band per
    trajectory whose width is proportional to its number of children, labelled n/N. Each
    node's n is read from its trajectory_first or trajectory_later row (released or "[c]"),
    never added up from the bands, which leave out suppressed trajectories.
    Trajectories with no children are named in the caption only.
    """
    output = source_output("trajectories")
    proportions, missing = select(results, output, "trajectory", TRAJECTORY_GROUP)
    in_group = missing["group"].eq(TRAJECTORY_GROUP) & missing["variable"].eq("trajectory")
    missing = missing[mask(in_group) | missing["group"].isna().to_numpy(dtype=bool)]
    synthetic = is_synthetic(results, output)
    n_text = denominator_text(proportions)
    flows = _flows(proportions)
    first_rows, later_rows = _node_rows(results, output, flows)
    sources = _node_labels(_node_order(f for f, _, _ in flows), first_rows)
    targets = _node_labels(_node_order(t for _, t, _ in flows), later_rows)
    layout = flow_layout(sources, targets)
    with style_context():
        fig = new_figure(registry_width("trajectories"), height=layout.height_in)
        ax = fig.add_subplot()
        flow_diagram(ax, [Flow(first, later, int(row["n"]),
                               f"{count_text(row['n'])}/{count_text(row['denominator'])}")
                          for first, later, row in flows],
                     sources, targets, node_colour, layout.per_inch)
        ax.set_title(f"All dual children ({n_text})", loc="left")
        if synthetic:
            mark_synthetic(fig)
    caption, alt_text = _trajectory_words(results, output, proportions, missing, n_text)
    return finished(fig, caption, alt_text, synthetic, output)


def _trajectory_words(results, output, proportions, missing, n_text) -> tuple[str, str]:
    rows = output_rows(results, output)
    group_rows = rows[mask(rows["group"].eq(TRAJECTORY_GROUP)
                           & rows["variable"].eq("trajectory"))]
    levels = [r for _, r in proportions.iterrows() if not is_na(r["level"])]
    listing = "; ".join(f"{trajectory_label(r['level'])} {share_words(r)}" for r in levels)
    # Suppressed trajectories (n blank) are not "no children": the release's words say so.
    empty = [trajectory_label(r["level"]) for r in levels
             if not is_na(r["n"]) and int(r["n"]) == 0]
    caption = (
        f"First and later behaviour among all dual children{cohort_text(results, output)}, "
        f"{n_text}. Left: the kind of behaviour that came first; right: the kind that "
        "followed; kinds that began in the same year form a node of their own on the left "
        f"and lead to \"{NO_ORDER}\" on the right. Band widths "
        "are proportional to the number of children; labels give n/N, and each node its "
        "number of children (n), including any trajectory not drawn. "
        f"{upper_first(listing) or 'No trajectory has data'}."
    )
    if empty:
        caption += f" Not drawn (no children): {'; '.join(empty)}."
    caption += warning_words(group_rows)
    caption += missing_words(missing)
    caption += " Sub-groups are given in the table."
    caption += findings_words(group_rows)
    alt_text = (
        "Flow diagram from the kind of behaviour that came first to the kind that followed, "
        f"among all dual children ({n_text}), band widths proportional to the number of "
        f"children: {listing or 'no data'}."
    )
    return caption, alt_text
