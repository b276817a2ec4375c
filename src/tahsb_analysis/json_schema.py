"""jsonschema, imported without the one optional format checker that costs most of its import.

Why (issue #19): jupyter installs jsonschema's optional format checkers. One of them,
rfc3987-syntax (for the "iri" and "iri-reference" formats), compiles 39 Lark grammars when it is
imported, and jsonschema imports it whenever it is installed: 0.7 s of CPU in every process that
imports jsonschema, which was every workflow job that reads the disclosure policy or the
replication register, and Snakemake's own config validation. This project validates with
`Draft202012Validator` and no format checker, so no format is ever checked and none of those
grammars is ever used.

`jsonschema` here is the library itself. If this module imports it first, rfc3987-syntax is
hidden from that one import (jsonschema skips the IRI checkers of a module it cannot import, by
design: they are optional), then unhidden, so that code which imports rfc3987-syntax itself
still can. If jsonschema was already imported, it is used as it is.
"""

from __future__ import annotations

import sys
from types import ModuleType

OPTIONAL_SLOW_FORMAT_MODULE = "rfc3987_syntax"


def import_jsonschema() -> ModuleType:
    """jsonschema, imported (if it is not yet) without the IRI format checkers' grammars."""
    if "jsonschema" in sys.modules:
        return sys.modules["jsonschema"]
    hide = OPTIONAL_SLOW_FORMAT_MODULE not in sys.modules
    if hide:
        sys.modules[OPTIONAL_SLOW_FORMAT_MODULE] = None  # type: ignore[assignment]  # import fails
    try:
        import jsonschema
    finally:
        if hide:
            del sys.modules[OPTIONAL_SLOW_FORMAT_MODULE]
    return jsonschema


jsonschema = import_jsonschema()
Draft202012Validator = jsonschema.Draft202012Validator
