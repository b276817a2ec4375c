"""A share recomputed from counts the gate changed (rounded or summed), with the interval its
row's method names: one place for rounding (`release_rounding.py`) and merged categories
(`collapse.py`)."""

from __future__ import annotations

import re

from tahsb_analysis.analyses.inference import proportion_ci

_LEVEL_IN_METHOD = re.compile(r"(\d+(?:\.\d+)?)% CI")


def share_interval(n, denominator, method_text: str) -> tuple[float, float]:
    """The confidence interval of n/denominator by the method a row's `method` names
    (Clopper-Pearson if it says so, else Wilson; its "NN% CI", else 95%)."""
    method = "clopper-pearson" if "Clopper" in method_text else "wilson"
    match = _LEVEL_IN_METHOD.search(method_text)
    confidence = float(match.group(1)) / 100 if match else 0.95
    low, high = proportion_ci(n, denominator, method, confidence)
    return float(low[0]), float(high[0])
