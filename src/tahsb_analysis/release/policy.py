"""The disclosure policy: its rules from a versioned YAML file, its structure from the registry.

The policy file (config/disclosure_policy.yaml) holds presets of rules (threshold, zeros,
complements, rounding, protection levels), release priorities, withheld outputs and the rule for
summaries of small groups; it is checked against `data/disclosure_policy.schema.yaml`. One
preset is chosen (config.yaml's `disclosure_preset`, else the file's `default_preset`). The
structure of the counts (how they add up within and across outputs) comes from the output
registry and the codebook, checked against the same schema's `$defs/structure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from tahsb_analysis.json_schema import Draft202012Validator
from tahsb_analysis.registry import load_registry
from tahsb_analysis.yaml_files import load_yaml, parse_yaml

NO_ROUNDING = "none"


class DisclosurePolicyError(ValueError):
    """The disclosure policy file is missing, malformed or breaks its schema."""


@dataclass(frozen=True)
class Protection:
    """What an attacker must not learn about a hidden count with true value a and feasible
    values [min, max]: a - min >= min(lower, a); max - a >= upper; max - min >= interval."""

    lower: int
    upper: int
    interval: int

    def required(self, value: float) -> tuple[float, float, float]:
        """(lower, upper, interval) protection a hidden count of `value` needs."""
        return float(min(self.lower, max(value, 0.0))), float(self.upper), float(self.interval)


@dataclass(frozen=True)
class DisclosurePolicy:
    """A validated disclosure policy with one preset chosen (see config/disclosure_policy.yaml)."""

    version: str
    threshold: int
    zeros_disclosive: bool
    check_complements: bool
    rounding_base: int | None
    secondary_suppression: bool
    structure: dict
    missing_counts_disclosive: bool = False
    source: str = "<memory>"
    preset: str = "threshold-10"
    preset_source: str = ""
    rounding: str = NO_ROUNDING
    protection: Protection = field(default_factory=lambda: Protection(1, 0, 10))
    priority_weights: dict = field(default_factory=lambda: {
        "headline": 1000.0, "finding": 30.0, "breakdown": 3.0, "detail": 1.0})
    output_priorities: dict = field(default_factory=dict)
    withhold: tuple[str, ...] = ()
    summaries_rule: str = "counts-of-values"
    collapse_sparse_categories: bool = True
    presets: tuple[str, ...] = ()
    mapping: dict = field(default_factory=dict, repr=False, compare=False)

    def priority_of(self, output: str) -> str:
        """The release priority of an output: the policy's override, else the registry's."""
        if output in self.output_priorities:
            return self.output_priorities[output]
        return self.structure.get("priorities", {}).get(output, "finding")

    def weight_of(self, output: str) -> float:
        return float(self.priority_weights[self.priority_of(output)])

    def with_preset(self, preset: str) -> DisclosurePolicy:
        """The same policy file under another of its presets."""
        return policy_from_mapping(self.mapping, source=self.source, preset=preset)

    def summary(self) -> dict:
        """The policy's rules, for the manifest and the report (no structure details)."""
        return {
            "version": self.version,
            "source": self.source,
            "preset": self.preset,
            "preset_source": self.preset_source,
            "threshold": self.threshold,
            "zeros_disclosive": self.zeros_disclosive,
            "check_complements": self.check_complements,
            "rounding": self.rounding,
            "rounding_base": self.rounding_base,
            "secondary_suppression": self.secondary_suppression,
            "protection": {"lower": self.protection.lower, "upper": self.protection.upper,
                           "interval": self.protection.interval},
            "missing_counts_disclosive": self.missing_counts_disclosive,
            "withhold": list(self.withhold),
            "summaries_rule": self.summaries_rule,
            "collapse_sparse_categories": self.collapse_sparse_categories,
            "outputs_covered": len(self.structure["outputs"]),
            "shared_margins_declared": len(self.structure["shared_margins"]),
        }


def _schema() -> dict:
    text = resources.files("tahsb_analysis").joinpath("data/disclosure_policy.schema.yaml")
    return parse_yaml(text.read_text(encoding="utf-8"))


def policy_from_mapping(data, source: str = "<memory>", preset: str | None = None
                        ) -> DisclosurePolicy:
    """Validate a policy mapping against the schema (every problem reported at once) and
    choose `preset` (default: the file's `default_preset`)."""
    if not isinstance(data, dict):
        raise DisclosurePolicyError(f"{source}: the policy must be a mapping of keys to values")
    validator = Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [
            f"{source}: {'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
            for e in errors
        ]
        raise DisclosurePolicyError("the disclosure policy is not valid:\n" + "\n".join(lines))
    chosen = preset or data["default_preset"]
    if chosen not in data["presets"]:
        raise DisclosurePolicyError(
            f"{source}: preset {chosen!r} is not one of the policy's presets "
            f"{sorted(data['presets'])}")
    structure = registered_structure()
    unknown = sorted((set(data["withhold"]) | set(data["output_priorities"]))
                     - set(structure["outputs"]))
    if unknown:
        raise DisclosurePolicyError(
            f"{source}: withhold/output_priorities name outputs the registry does not have: "
            f"{unknown}")
    rules = data["presets"][chosen]
    rounding = rules["rounding"]["method"]
    protection = rules["protection"]
    return DisclosurePolicy(
        version=data["version"],
        threshold=rules["threshold"],
        zeros_disclosive=rules["zeros_disclosive"],
        check_complements=rules["check_complements"],
        rounding_base=rules["rounding"].get("base") if rounding != NO_ROUNDING else None,
        secondary_suppression=rules["secondary_suppression"],
        structure=structure,
        missing_counts_disclosive=data["missing_counts_disclosive"],
        source=source,
        preset=chosen,
        preset_source=" ".join(rules["source"].split()),
        rounding=rounding,
        protection=Protection(protection["lower"], protection["upper"], protection["interval"]),
        priority_weights={k: float(v) for k, v in data["priority_weights"].items()},
        output_priorities=dict(data["output_priorities"]),
        withhold=tuple(data["withhold"]),
        summaries_rule=data["summaries_rule"],
        collapse_sparse_categories=data["collapse_sparse_categories"],
        presets=tuple(data["presets"]),
        mapping=data,
    )


def registered_structure() -> dict:
    """The structure of the counts as the output registry declares it, checked against the
    schema's `$defs/structure` (the policy holds the rules, the registry the structure)."""
    structure = load_registry().disclosure_structure()
    schema = _schema()
    validator = Draft202012Validator({**schema["$defs"]["structure"],
                                      "$defs": schema["$defs"]})
    errors = sorted(validator.iter_errors(structure), key=lambda e: list(map(str, e.path)))
    if errors:
        raise DisclosurePolicyError(
            "the output registry's disclosure structure is not valid:\n" + "\n".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors))
    return structure


def load_policy(path, preset: str | None = None) -> DisclosurePolicy:
    """Read and validate the policy YAML at `path`, under `preset` (default: the file's)."""
    path = Path(path)
    try:
        data = load_yaml(path)
    except FileNotFoundError as error:
        raise DisclosurePolicyError(f"{path}: disclosure policy file not found") from error
    except yaml.YAMLError as error:
        raise DisclosurePolicyError(f"{path}: not valid YAML ({error})") from error
    return policy_from_mapping(data, source=str(path), preset=preset)
