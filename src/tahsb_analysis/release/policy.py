"""The disclosure policy: its rules from a versioned YAML file, its structure from the registry.

The policy file (config/disclosure_policy.yaml) holds the rules: threshold, zeros, complements,
rounding, secondary suppression. It is checked against `data/disclosure_policy.schema.yaml`.
The structure of the counts (how they add up within and across outputs) is declared in the
output registry and checked against the same schema's `$defs/structure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from tahsb_analysis.registry import load_registry


class DisclosurePolicyError(ValueError):
    """The disclosure policy file is missing, malformed or breaks its schema."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """A validated disclosure policy (see config/disclosure_policy.yaml)."""

    version: str
    threshold: int
    zeros_disclosive: bool
    check_complements: bool
    rounding_base: int | None
    secondary_suppression: bool
    structure: dict
    missing_counts_disclosive: bool = False
    source: str = "<memory>"

    def summary(self) -> dict:
        """The policy's rules, for the manifest and the report (no structure details)."""
        return {
            "version": self.version,
            "source": self.source,
            "threshold": self.threshold,
            "zeros_disclosive": self.zeros_disclosive,
            "check_complements": self.check_complements,
            "rounding_base": self.rounding_base,
            "secondary_suppression": self.secondary_suppression,
            "missing_counts_disclosive": self.missing_counts_disclosive,
            "outputs_covered": len(self.structure["outputs"]),
            "shared_margins_declared": len(self.structure["shared_margins"]),
        }


def _schema() -> dict:
    text = resources.files("tahsb_analysis").joinpath("data/disclosure_policy.schema.yaml")
    return yaml.safe_load(text.read_text(encoding="utf-8"))


def policy_from_mapping(data, source: str = "<memory>") -> DisclosurePolicy:
    """Validate a policy mapping against the schema; every problem is reported at once."""
    if not isinstance(data, dict):
        raise DisclosurePolicyError(f"{source}: the policy must be a mapping of keys to values")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [
            f"{source}: {'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
            for e in errors
        ]
        raise DisclosurePolicyError("the disclosure policy is not valid:\n" + "\n".join(lines))
    return DisclosurePolicy(
        version=data["version"],
        threshold=data["threshold"],
        zeros_disclosive=data["zeros_disclosive"],
        check_complements=data["check_complements"],
        rounding_base=data["rounding_base"],
        secondary_suppression=data["secondary_suppression"],
        structure=registered_structure(),
        missing_counts_disclosive=data["missing_counts_disclosive"],
        source=source,
    )


def registered_structure() -> dict:
    """The structure of the counts as the output registry declares it, checked against the
    schema's `$defs/structure` (the policy holds the rules, the registry the structure)."""
    structure = load_registry().disclosure_structure()
    schema = _schema()
    validator = jsonschema.Draft202012Validator({**schema["$defs"]["structure"],
                                                  "$defs": schema["$defs"]})
    errors = sorted(validator.iter_errors(structure), key=lambda e: list(map(str, e.path)))
    if errors:
        raise DisclosurePolicyError(
            "the output registry's disclosure structure is not valid:\n" + "\n".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors))
    return structure


def load_policy(path) -> DisclosurePolicy:
    """Read and validate the policy YAML at `path`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DisclosurePolicyError(f"{path}: disclosure policy file not found") from error
    except yaml.YAMLError as error:
        raise DisclosurePolicyError(f"{path}: not valid YAML ({error})") from error
    return policy_from_mapping(data, source=str(path))
