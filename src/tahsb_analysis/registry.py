"""The output registry: every table, figure and report section declared once.

`data/outputs.yaml` says, for each output (a block of results rows with the same `output`), its
title, report section, findings, the analysis that makes its rows, its table layout, its
figures, the tiers it goes to, and how its counts add up (for disclosure control). The
workflow plans its files from it, and tables, figures, the pages, the manifest and the
disclosure gate read it, so nothing else lists outputs.

Deliberately light: only `yaml` is imported, so Snakemake can plan without pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tahsb_analysis.vocabulary import INTERNAL_TIER as INTERNAL
from tahsb_analysis.vocabulary import RELEASE_TIER as RELEASE
from tahsb_analysis.yaml_files import load_yaml

TIERS = (INTERNAL, RELEASE)
LAYOUTS = ("generic", "group_comparison", "odds_ratios", "scenario_tests", "reliability")
FIGURE_SOURCES = ("results", "cohort")
# Journal column widths a figure is drawn at: single column 85 mm, double column 174 mm.
FIGURE_WIDTHS = ("single", "double")
# Keys of an output's `disclosure` block, and the gate's variable-level keys.
_OUTPUT_STRUCTURE_KEYS = ("group_sums", "shared_margins", "shared_cells", "derived_from")
_VARIABLE_STRUCTURE_KEYS = ("structural_zeros", "exclusive", "aggregates", "level_sums")


class RegistryError(ValueError):
    """The output registry is malformed (the message names the entry and the key)."""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    comparison_intro: str = ""


@dataclass(frozen=True)
class Figure:
    """A figure drawn from the rows of `output` (or, `drawn_from: cohort`, from the typed
    cohort: individual-level, so never released)."""

    name: str
    output: str
    title: str
    caption: str
    tiers: tuple[str, ...]
    drawn_from: str = "results"
    width: str = "double"  # the journal column it is drawn for (FIGURE_WIDTHS)


@dataclass(frozen=True)
class Output:
    name: str
    title: str
    section: str
    findings: tuple[str, ...]
    analysis: str
    layout: str
    caption: str
    tiers: tuple[str, ...]
    figures: tuple[Figure, ...] = ()
    disclosure: dict = field(default_factory=dict)
    # What secondary suppression keeps first: headline, finding, breakdown or detail.
    release_priority: str = "finding"


@dataclass(frozen=True)
class Registry:
    version: str
    sections: tuple[Section, ...]
    outputs: tuple[Output, ...]
    variables: dict
    files: dict
    # analysis name -> "module:function" of the pure function that makes its rows
    analysis_functions: dict = field(default_factory=dict)

    # --- lookups -------------------------------------------------------------------------

    def output(self, name: str) -> Output:
        for output in self.outputs:
            if output.name == name:
                return output
        raise KeyError(f"output {name!r} is not in the output registry; "
                       f"known: {[o.name for o in self.outputs]}")

    def has_output(self, name: str) -> bool:
        return any(output.name == name for output in self.outputs)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"section {section_id!r} is not in the output registry")

    def table_outputs(self, tier: str = INTERNAL) -> list[str]:
        """Names of the outputs rendered as tables in `tier`, in registry order."""
        return [output.name for output in self.outputs if tier in output.tiers]

    def figures(self, tier: str = INTERNAL, drawn_from: str | None = "results") -> list[Figure]:
        """Figures drawn in `tier` (from the results table by default; None: all)."""
        return [figure for output in self.outputs for figure in output.figures
                if tier in figure.tiers and (drawn_from is None or figure.drawn_from == drawn_from)]

    def figure(self, name: str) -> Figure:
        for output in self.outputs:
            for figure in output.figures:
                if figure.name == name:
                    return figure
        raise KeyError(f"figure {name!r} is not in the output registry")

    def figure_names(self, tier: str = INTERNAL, drawn_from: str | None = "results") -> list[str]:
        return [figure.name for figure in self.figures(tier, drawn_from)]

    def analyses(self) -> list[str]:
        """The analyses the workflow runs, in registry order."""
        return list(self.analysis_functions)

    def title(self, name: str) -> str | None:
        """Title of an output or a figure, or None when neither is registered."""
        for output in self.outputs:
            if output.name == name:
                return output.title
            for figure in output.figures:
                if figure.name == name:
                    return figure.title
        return None

    def section_of(self, output: str) -> str | None:
        return self.output(output).section if self.has_output(output) else None

    def section_items(self, section_id: str, tier: str = INTERNAL) -> list[tuple[str, str]]:
        """What a report section shows, in order: ("table", output) then ("figure", name) for
        each figure of that output, for every output of the section in `tier`."""
        items: list[tuple[str, str]] = []
        for output in self.outputs:
            if output.section != section_id:
                continue
            if tier in output.tiers:
                items.append(("table", output.name))
            items += [("figure", figure.name) for figure in output.figures
                      if tier in figure.tiers]
        return items

    def outputs_of_analysis(self, analysis: str) -> list[str]:
        return [output.name for output in self.outputs if output.analysis == analysis]

    def figure_sources(self) -> dict[str, tuple[str, ...]]:
        """For each figure drawn from the results table, the outputs whose rows it shows (a
        released figure takes their disclosure status)."""
        return {figure.name: (figure.output,) for output in self.outputs
                for figure in output.figures if figure.drawn_from == "results"}

    def disclosure_structure(self) -> dict:
        """The structure of the counts, in the form the disclosure gate reads: every output,
        the variable-level rules, and each output's relations with its name filled in."""
        structure: dict = {"outputs": [output.name for output in self.outputs],
                           "priorities": {o.name: o.release_priority for o in self.outputs}}
        for key in _VARIABLE_STRUCTURE_KEYS:
            structure[key] = self.variables.get(key, [] if key != "exclusive" else {})
        structure["group_sums"] = [
            {"output": output.name, **rule}
            for output in self.outputs for rule in output.disclosure.get("group_sums", [])
        ]
        structure["shared_margins"] = [
            margin for output in self.outputs
            for margin in output.disclosure.get("shared_margins", [])
        ]
        structure["shared_cells"] = [
            {"output": output.name, **rule}
            for output in self.outputs for rule in output.disclosure.get("shared_cells", [])
        ]
        structure["derived_from"] = [
            {"output": output.name, **output.disclosure["derived_from"]}
            for output in self.outputs if "derived_from" in output.disclosure
        ]
        return structure


def registry_path() -> Path:
    return Path(str(resources.files("tahsb_analysis") / "data" / "outputs.yaml"))


@lru_cache(maxsize=4)
def load_registry(path: str | Path | None = None) -> Registry:
    """The output registry (the packaged one unless `path` is given), checked."""
    path = Path(path) if path is not None else registry_path()
    data = load_yaml(path)
    return registry_from_mapping(data, source=path.name)


def registry_from_mapping(data, source: str = "<memory>") -> Registry:
    if not isinstance(data, dict):
        raise RegistryError(f"{source}: the registry must be a mapping")
    for key in ("version", "sections", "outputs"):
        if key not in data:
            raise RegistryError(f"{source}: top-level key {key!r} is missing")
    sections = tuple(
        Section(str(entry["id"]), str(entry["title"]), " ".join(str(entry["intro"]).split()),
                " ".join(str(entry.get("comparison_intro", "")).split()))
        for entry in data["sections"]
    )
    section_ids = {section.id for section in sections}
    outputs = tuple(_output(entry, section_ids, source) for entry in data["outputs"])
    _check_unique(outputs, source)
    variables = data.get("variables") or {}
    unknown = set(variables) - set(_VARIABLE_STRUCTURE_KEYS)
    if unknown:
        raise RegistryError(f"{source}: variables: unknown keys {sorted(unknown)}")
    files = {name: " ".join(str(text).split()) for name, text in (data.get("files") or {}).items()}
    analyses = {str(name): str(target) for name, target in (data.get("analyses") or {}).items()}
    for name, target in analyses.items():
        if target.count(":") != 1 or not all(target.split(":")):
            raise RegistryError(f"{source}: analysis {name!r}: {target!r} is not module:function")
    for output in outputs:
        if output.analysis not in analyses:
            raise RegistryError(f"{source}: output {output.name!r}: analysis {output.analysis!r} "
                                f"is not one of the registered analyses {sorted(analyses)}")
    return Registry(str(data["version"]), sections, outputs, variables, files, analyses)


_OUTPUT_KEYS = {"name", "title", "section", "findings", "analysis", "layout", "caption", "tiers",
                "figures", "disclosure", "release_priority"}
RELEASE_PRIORITIES = ("headline", "finding", "breakdown", "detail")
_FIGURE_KEYS = {"name", "title", "caption", "tiers", "drawn_from", "width"}


def _output(entry: dict, section_ids: set[str], source: str) -> Output:
    name = entry.get("name")
    where = f"{source}: output {name!r}"
    unknown = set(entry) - _OUTPUT_KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("name", "title", "section", "analysis", "layout", "caption", "tiers"):
        if not entry.get(key):
            raise RegistryError(f"{where}: {key!r} is required")
    if entry["section"] not in section_ids:
        raise RegistryError(f"{where}: section {entry['section']!r} is not one of "
                            f"{sorted(section_ids)}")
    if entry["layout"] not in LAYOUTS:
        raise RegistryError(f"{where}: layout {entry['layout']!r} is not one of {LAYOUTS}")
    tiers = _tiers(entry["tiers"], where)
    disclosure = entry.get("disclosure") or {}
    unknown = set(disclosure) - set(_OUTPUT_STRUCTURE_KEYS)
    if unknown:
        raise RegistryError(f"{where}: disclosure: unknown keys {sorted(unknown)}")
    figures = tuple(_figure(figure, entry, where) for figure in entry.get("figures") or [])
    priority = entry.get("release_priority", "finding")
    if priority not in RELEASE_PRIORITIES:
        raise RegistryError(f"{where}: release_priority {priority!r} is not one of "
                            f"{RELEASE_PRIORITIES}")
    return Output(
        name=str(name), title=str(entry["title"]), section=str(entry["section"]),
        findings=tuple(str(f) for f in entry.get("findings") or ()),
        analysis=str(entry["analysis"]), layout=str(entry["layout"]),
        caption=" ".join(str(entry["caption"]).split()), tiers=tiers, figures=figures,
        disclosure=disclosure, release_priority=priority,
    )


def _figure(entry: dict, output: dict, where: str) -> Figure:
    where = f"{where}, figure {entry.get('name')!r}"
    unknown = set(entry) - _FIGURE_KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown keys {sorted(unknown)}")
    if not entry.get("name") or not entry.get("caption") or not entry.get("width"):
        raise RegistryError(f"{where}: 'name', 'caption' and 'width' are required")
    if entry["width"] not in FIGURE_WIDTHS:
        raise RegistryError(f"{where}: width {entry['width']!r} is not one of {FIGURE_WIDTHS} "
                            "(single column 85 mm, double column 174 mm)")
    drawn_from = entry.get("drawn_from", "results")
    if drawn_from not in FIGURE_SOURCES:
        raise RegistryError(f"{where}: drawn_from {drawn_from!r} is not one of {FIGURE_SOURCES}")
    tiers = _tiers(entry.get("tiers", output["tiers"]), where)
    if drawn_from == "cohort" and RELEASE in tiers:
        raise RegistryError(f"{where}: a figure drawn from the cohort shows individual children "
                            "and can never be released")
    return Figure(name=str(entry["name"]), output=str(output["name"]),
                  title=str(entry.get("title") or output["title"]),
                  caption=" ".join(str(entry["caption"]).split()), tiers=tiers,
                  drawn_from=drawn_from, width=str(entry["width"]))


def _tiers(tiers, where: str) -> tuple[str, ...]:
    tiers = tuple(tiers)
    if not tiers or not set(tiers) <= set(TIERS):
        raise RegistryError(f"{where}: tiers must be a non-empty list of {TIERS}, got {tiers}")
    return tiers


def _check_unique(outputs: tuple[Output, ...], source: str) -> None:
    names = [output.name for output in outputs]
    figures = [figure.name for output in outputs for figure in output.figures]
    for kind, values in (("output", names), ("figure", figures)):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise RegistryError(f"{source}: {kind} names given more than once: {repeated}")


def caption_of(registry: Registry, name: str) -> str:
    """The one-sentence caption of a registered output, figure or other file."""
    if registry.has_output(name):
        return registry.output(name).caption
    if name in registry.files:
        return registry.files[name]
    return registry.figure(name).caption


def write_report_caption(registry: Registry, name: str, folder: str | Path) -> str:
    """Write the caption of `name` as a reStructuredText file in `folder` for Snakemake's
    report (which takes captions as files) and return its path. The file is rewritten only
    when its text changed, so a rerun leaves it untouched."""
    path = Path(folder) / f"{name}.rst"
    text = caption_of(registry, name) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return str(path)
