"""A SYNTHETIC second coding of the synthetic cohort's case files, for the reliability analysis.

A second coder ("B") recodes `SHARE` of the in-depth case files (chosen at random; 18 of the
calibrated cohort's 91). For every coded field, coder B disagrees with coder A on exactly
`DISAGREEMENT` of those case files (rounded; 2 of 18), chosen at random among the case files
where a different code is possible, and agrees on the rest. A disagreement is the code a coder
plausibly misreads: the other answer of a yes/no field (yes or no where A found it "not
recorded"), the adjacent category of an ordered field, the next category of an unordered one,
and an age one year earlier (half a year later below 4). "Not applicable" (-8) follows from
other fields (no offline HSB, not in school), so it is never changed, and a "not recorded" age
has no neighbour. The draws come from their own stream of the cohort's seed, so the first
coding is the same with or without a second one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tahsb_analysis.input.codebook import Codebook, Field, load_codebook

SHARE = 0.2
DISAGREEMENT = 0.1
CODER = "B"
FILE_NAME = "case_file_coder_b.csv"
# The stream of the cohort's seed the second coding draws from.
_STREAM = 2
_NOT_RECORDED = "-9"


def coded_fields(codebook: Codebook) -> list[Field]:
    """The case_file fields a coder codes: every field but the identifiers."""
    return [f for f in codebook.table("case_file").fields if f.role != "identifier"]


def _other_code(fld: Field, code: str) -> str | None:
    """The code a second coder puts for `code` when they disagree, None when none is plausible."""
    if code.startswith("-") and code != _NOT_RECORDED:
        return None
    if fld.is_boolean or fld.is_categorical:
        codes = list(fld.valid_codes)
        if code == _NOT_RECORDED:
            return codes[len(codes) // 2]
        position = codes.index(code)
        if fld.categories_ordered or len(codes) == 2:
            return codes[position + 1 if position == 0 else position - 1]
        return codes[(position + 1) % len(codes)]
    if code == _NOT_RECORDED or fld.type not in ("number", "integer"):
        return None
    value = float(code)
    step, low = (1.0, fld.minimum if fld.minimum is not None else -np.inf)
    other = value - step if value - step >= low else value + step / (2 if fld.type == "number"
                                                                      else 1)
    return f"{other:.1f}" if fld.type == "number" else str(int(other))


def second_coding(tables: Mapping[str, pd.DataFrame], seed: int, share: float = SHARE,
                  disagreement: float = DISAGREEMENT, codebook: Codebook | None = None
                  ) -> pd.DataFrame:
    """Coder B's case_file table (text cells, as written to CSV) for `share` of the case files
    of `tables` (as `generate_cohort` returns them), disagreeing with coder A on
    `disagreement` of them in every coded field. The same seed gives the same table."""
    codebook = codebook or load_codebook()
    case_file = tables["case_file"]
    rng = np.random.default_rng([seed, _STREAM])
    chosen = np.sort(rng.choice(len(case_file), size=round(share * len(case_file)),
                                replace=False))
    recoded = case_file.iloc[chosen].reset_index(drop=True).copy()
    wanted = round(disagreement * len(recoded))
    for fld in coded_fields(codebook):
        others = [_other_code(fld, code) for code in recoded[fld.name]]
        candidates = np.flatnonzero([other is not None for other in others])
        flipped = rng.choice(candidates, size=min(wanted, len(candidates)), replace=False)
        for row in flipped:
            recoded.loc[row, fld.name] = others[row]
    return recoded
