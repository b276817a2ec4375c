"""Reading the project's YAML files (codebook, output registry, disclosure policy, replication
register, published cohorts, synthetic parameters) quickly and once per process.

Why this exists (issue #19): PyYAML's default loader is pure Python. The codebook alone took
about 80 ms to parse and was read a dozen times in each workflow job, about a second of every
job's CPU. `load_yaml` uses libyaml's C loader when PyYAML was built with it (the wheels on PyPI
are) and parses each file once per process: the parsed document is kept, and every caller gets
its own deep copy, so that no caller can change what the next one reads. The key is the file's
text itself (reading a file is cheap; parsing it is not), so an edited file is always parsed
again, however quickly after the last read it was written.

Both loaders build the same Python objects from the same safe subset of YAML and raise the same
`yaml.YAMLError` subclasses, with line and column marks, on a malformed file.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when this PyYAML has it, else the pure-Python one (same results, slower).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """The Python objects of a YAML document given as text (safe subset: no Python tags)."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader, C or Python


def load_yaml(path: str | Path) -> Any:
    """The parsed YAML file at `path`, as a fresh copy on every call (each distinct text is
    parsed once per process). Raises OSError if it cannot be read and yaml.YAMLError if it is
    not valid YAML."""
    return copy.deepcopy(_parsed(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=32)
def _parsed(text: str) -> Any:
    return parse_yaml(text)
