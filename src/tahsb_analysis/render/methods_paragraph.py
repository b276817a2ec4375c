"""The methods paragraph of the draft results: generated from the rows of one results table,
it names only the methods some row uses (render/method_texts.py holds the words, shared with
the study page), the multiplicity rule, missing-data handling, the disclosure policy of the
release tier and the software versions, with citations as ``[@key]``.

A pure function of its arguments: the software versions are passed in (`software_versions`
reads them from the environment for the workflow).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from tahsb_analysis.render.method_texts import (
    MULTIPLICITY,
    MULTIPLICITY_CITATIONS,
    TOPICS,
    confidence_words,
    texts_present,
)
from tahsb_analysis.render.pages.provenance import NOT_INSTALLED, package_versions
from tahsb_analysis.render.references import cited_keys
from tahsb_analysis.results.multiplicity import FAMILY_RULE
from tahsb_analysis.vocabulary import RELEASE_TIER

DISCLOSURE = "disclosure"
SOFTWARE = "software"
# Software named in the paragraph: (package, name in words, citation mark).
SOFTWARE_CITED = (
    ("pandas", "pandas", "[@mckinney2010]"),
    ("scipy", "SciPy", "[@virtanen2020]"),
    ("statsmodels", "statsmodels", "[@seabold2010]"),
    ("matplotlib", "matplotlib", "[@hunter2007]"),
    ("firthmodels", "firthmodels", ""),
)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the methods text: its topic, its text with citation marks ``[@key]``,
    and the keys it cites (in order of first citation)."""

    topic: str
    text: str
    citations: tuple[str, ...]


def _paragraph(topic: str, sentences: list[str]) -> Paragraph:
    text = " ".join(sentences)
    return Paragraph(topic, text, tuple(cited_keys([text])))


def multiplicity_sentences(results: pd.DataFrame) -> list[str]:
    """The adjustment named on the rows, with its citation, and the family rule; nothing when
    no p-value is adjusted."""
    methods = sorted(set(results["p_adjust_method"].dropna().astype(str)))
    if not methods:
        return []
    named = " and ".join(f"{method}'s method {MULTIPLICITY_CITATIONS[method]}"
                         if method in MULTIPLICITY_CITATIONS else method
                         for method in methods)
    rule = FAMILY_RULE[0].lower() + FAMILY_RULE[1:]
    return [f"P-values are adjusted for multiplicity by {named} within families of tests: "
            f"{rule}"]


def _yes_no(value) -> str:
    return "yes" if value else "no"


def disclosure_sentences(tier: str, policy: Mapping | None) -> list[str]:
    """What the disclosure gate did to the release tier, from the policy's summary (the
    `policy` block of disclosure.json, or `DisclosurePolicy.summary()`); the internal tier
    says it has none."""
    if tier != RELEASE_TIER:
        return ["These results are internal: no disclosure control has been applied, and they "
                "must not leave the analyst's machine."]
    if policy is None:
        return ["Before release every row passed the disclosure gate; the release manifest "
                "gives its policy and each suppressed cell."]
    threshold = int(policy["threshold"])
    sentences = [f"Before release every row passed statistical disclosure control (policy "
                 f"version {policy['version']}, preset {policy['preset']})."]
    if threshold > 1:
        hidden = f"counts from 1 to {threshold - 1} were suppressed"
        if policy.get("zeros_disclosive"):
            hidden += ", as were zero or full cells"
        if policy.get("check_complements"):
            hidden += ", and a count whose complement in its denominator is that small"
        sentences.append(f"{hidden[0].upper()}{hidden[1:]}.")
    rounding = policy.get("rounding", "none")
    if rounding == "nearest":
        sentences.append(f"Every other count was rounded to the nearest multiple of "
                         f"{policy['rounding_base']}.")
    elif rounding == "controlled":
        sentences.append(f"Counts were rounded to an adjacent multiple of "
                         f"{policy['rounding_base']} keeping every table additive (controlled "
                         "rounding).")
    if policy.get("secondary_suppression"):
        protection = policy.get("protection") or {}
        sentences.append(
            "Further counts were suppressed so that no hidden count can be recovered from the "
            "released totals (secondary suppression"
            + (f", protection interval {protection['interval']}" if "interval" in protection
               else "") + ").")
    sentences.append("Suppressed values are shown as [c]; statistics computed from a suppressed "
                     "count are suppressed with it.")
    return sentences


def software_versions() -> dict[str, str]:
    """The versions the paragraph names: python and the packages of the environment."""
    versions = {"python": platform.python_version()}
    versions.update({entry["name"]: entry["version"] for entry in package_versions()})
    return versions


def software_sentences(versions: Mapping[str, str]) -> list[str]:
    """The software and its versions, each package cited; a package not installed is left out."""
    def known(name: str) -> bool:
        return versions.get(name, NOT_INSTALLED) != NOT_INSTALLED

    parts = [f"{words} {versions[name]}" + (f" {cite}" if cite else "")
             for name, words, cite in SOFTWARE_CITED if known(name)]
    python = f"Python {versions['python']}" if known("python") else "Python"
    sentence = f"The analysis ran in {python}"
    if parts:
        sentence += " with " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") \
            + parts[-1]
    if known("snakemake"):
        sentence += f", as a Snakemake {versions['snakemake']} workflow [@molder2021]"
    if known("tahsb-analysis"):
        sentence += f" (tahsb-analysis {versions['tahsb-analysis']})"
    return [sentence + "."]


def methods_paragraph(results: pd.DataFrame, tier: str, policy: Mapping | None = None,
                      versions: Mapping[str, str] | None = None) -> list[Paragraph]:
    """The methods text of `results` in `tier`, as paragraphs in a fixed order of topics
    (`method_texts.TOPICS`, then multiplicity, disclosure, software); a topic none of whose
    methods is on a row is left out. `policy`: the disclosure policy's summary (release tier);
    `versions`: {"python": ..., package: version}, default the running environment's."""
    level = confidence_words(results)
    by_topic: dict[str, list[str]] = {}
    for text in texts_present(results):
        by_topic.setdefault(text.topic, []).append(text.text.format(level=level))
    by_topic.setdefault(MULTIPLICITY, []).extend(multiplicity_sentences(results))
    paragraphs = [_paragraph(topic, by_topic[topic]) for topic in TOPICS if by_topic.get(topic)]
    paragraphs.append(_paragraph(DISCLOSURE, disclosure_sentences(tier, policy)))
    versions = software_versions() if versions is None else versions
    paragraphs.append(_paragraph(SOFTWARE, software_sentences(versions)))
    return paragraphs


def paragraph_citations(paragraphs: list[Paragraph]) -> list[str]:
    """Every key the paragraphs cite, once, in order of first citation (the `.bib`'s order)."""
    return list(dict.fromkeys(key for paragraph in paragraphs for key in paragraph.citations))
