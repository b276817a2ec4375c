"""Multiplicity: which tests form a family, defined once and applied to every results table.

The rule (`FAMILY_RULE`, quoted in the report's methods section and the README):

1. A family is the tests of one report section of one cohort (the output registry's
   `section` of each row's output: prevalence, range, characteristics, links, responses).
   A section answers one group of the study's questions, so its tests are read together;
   the prevalence breakdowns (by sex, age band, learning disability) are one family.
2. A test counts once. The same test shown by two outputs (same variable, level, groups and
   statistic, e.g. age at first HSB in "characteristics" and in "first_hsb_age_by_group") is
   adjusted in the first section, in the registry's order, that shows it, and every copy
   carries that adjusted p. A codebook composite defined by one condition on one field
   (`therapeutic_response` = therapeutic_intervention is yes) is that field's test: it is
   not tested again; its rows carry the field's adjusted p.
3. Not in any family, reported with their raw p only: model terms that are not HSB-group
   comparisons (covariates such as age at referral answer no question of the study),
   sensitivity analyses (rows whose method begins "sensitivity analysis"), secondary tests
   (the nominal test kept beside the ordered test of an ordered variable), and the Wald row
   of a model term whose Firth row is the primary estimate (one p per term).

The adjustment itself is Holm's step-down (family-wise error) or Benjamini-Hochberg (false
discovery rate), `p_adjust` in config.yaml: `holm` below for Holm
and statsmodels' `multipletests` for BH.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tahsb_analysis.registry import load_registry
from tahsb_analysis.vocabulary import (
    FIRTH_PRIMARY,
    MODEL_STATISTICS,
    ODDS_RATIO,
    ODDS_RATIO_FIRTH,
    PAIR_SEPARATOR,
    SECONDARY_TEST,
)

P_ADJUST_METHODS = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}
SENSITIVITY_PREFIX = "sensitivity analysis"
# Model terms that compare HSB groups (the others are covariates).
GROUP_TERMS = ("ta_only", "dual", "offline_only")
FAMILY_RULE = (
    "One family per report section of a cohort (prevalence, range, characteristics, links, "
    "responses): a test shown by two outputs, or a composite that is one field, counts once "
    "and carries one adjusted p; one p per model term (the Firth row when it is the primary "
    "estimate); covariate terms of models, secondary tests and sensitivity analyses are not "
    "adjusted."
)
_KEY = ("variable", "level", "group_variable", "group", "statistic")


def holm(p_values) -> list[float]:
    """Holm-adjusted p-values, in the order given: the i-th smallest p times (m - i + 1),
    made non-decreasing and capped at 1. The same arithmetic as statsmodels'
    `multipletests(p, method="holm")` (tested equal), which also runs `gc.collect()` on every
    call: 80 ms each in a process holding a pandas/SciPy stack, the larger part of one
    replication-register evaluation."""
    values = np.asarray(p_values, dtype=float)
    if not len(values):
        return []
    order = np.argsort(values, kind="mergesort")
    scaled = values[order] * np.arange(len(values), 0, -1)
    adjusted = np.empty_like(values)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return [float(p) for p in adjusted]


def adjust(p_values: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values by `method` ("holm" by `holm`, else statsmodels' `multipletests`)."""
    if method == "holm":
        return np.asarray(holm(p_values))
    # Imported here: statsmodels (and SciPy's stats under it) costs a second at import, and
    # the render jobs that import this module for its family rule never adjust with BH.
    from statsmodels.stats.multitest import multipletests

    return multipletests(p_values, method=method)[1]


def is_group_term(level) -> bool:
    """A model term comparing HSB groups: a group ("ta_only") or a contrast of two groups."""
    if level is None or level is pd.NA or (isinstance(level, float) and np.isnan(level)):
        return False
    parts = str(level).split(PAIR_SEPARATOR)
    return all(part in GROUP_TERMS for part in parts)


def in_a_family(row, replaced_by_firth=frozenset()) -> bool:
    """Whether a row with a p-value belongs to a family (rule 3 excludes the others);
    `replaced_by_firth` holds the (output, variable, level) of terms whose Firth row is the
    primary estimate."""
    method = "" if pd.isna(row["method"]) else str(row["method"])
    if method.lower().startswith(SENSITIVITY_PREFIX) or SECONDARY_TEST in method:
        return False
    if row["statistic"] == ODDS_RATIO and _term(row) in replaced_by_firth:
        return False
    if row["statistic"] in MODEL_STATISTICS:
        return is_group_term(row["level"])
    return True


def _term(row) -> tuple:
    return tuple(None if pd.isna(row[k]) else str(row[k]) for k in ("output", "variable", "level"))


def primary_firth_terms(rows: pd.DataFrame) -> frozenset:
    """(output, variable, level) of every model term whose Firth row is the primary one."""
    firth = rows[rows["statistic"].eq(ODDS_RATIO_FIRTH).fillna(False).to_numpy(dtype=bool)
                 & rows["warning"].astype("string").str.startswith(FIRTH_PRIMARY)
                 .fillna(False).to_numpy(dtype=bool)]
    return frozenset(_term(row) for _, row in firth.iterrows())


def single_field_aliases(composites: Mapping) -> dict[str, str]:
    """Composite name -> the field it is, for composites of one condition on one field."""
    aliases = {}
    for name, composite in composites.items():
        conditions = composite.get("any_of") or []
        if len(conditions) == 1 and list(conditions[0].get("values", [])) == ["yes"]:
            aliases[name] = conditions[0]["field"]
    return aliases


def _default_aliases() -> dict[str, str]:
    from tahsb_analysis.input.codebook import load_codebook

    return single_field_aliases(load_codebook().response_composites)


def adjust_families(results: pd.DataFrame, method: str = "holm", *, sections=None,
                    aliases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The results with `p_adjusted` and `p_adjust_method` set by the family rule (module
    docstring) on every row with a p-value; the input is not modified.

    `sections` maps output -> report section and fixes the order of sections (default: the
    output registry's); an output without a section is a family of its own. `aliases` maps a
    composite variable to the field it is (default: the codebook's one-condition composites).
    """
    if method not in P_ADJUST_METHODS:
        raise ValueError(f"p_adjust must be one of {sorted(P_ADJUST_METHODS)}, got {method!r}")
    if sections is None:
        registry = load_registry()
        sections = {o.name: registry.section_of(o.name) for o in registry.outputs}
    order = {name: index for index, name in enumerate(sections)}
    aliases = _default_aliases() if aliases is None else dict(aliases)
    out = results.copy()
    adjusted = pd.array([pd.NA] * len(out), dtype="Float64")
    named = pd.array([pd.NA] * len(out), dtype="string")
    tested = out["p_value"].notna().to_numpy(dtype=bool)
    for _, rows in out[tested].groupby("cohort", sort=False, dropna=False):
        positions = [out.index.get_loc(i) for i in rows.index]
        members: dict[tuple, dict[tuple, list[int]]] = {}  # family -> test key -> positions
        home: dict[tuple, tuple] = {}  # test key -> its family (first section showing it)
        ranked = sorted(positions, key=lambda p: (order.get(out["output"].iat[p], len(order)),
                                                  p))
        replaced = primary_firth_terms(out.iloc[positions])
        for position in ranked:
            row = out.iloc[position]
            if not in_a_family(row, replaced):
                continue
            variable = aliases.get(str(row["variable"]), str(row["variable"]))
            key = (variable, *(None if pd.isna(row[k]) else str(row[k]) for k in _KEY[1:]))
            family = home.setdefault(key, (sections.get(row["output"]) or row["output"],))
            members.setdefault(family, {}).setdefault(key, []).append(position)
        for tests in members.values():
            keys = list(tests)
            # one p per test: the first copy's (the copies are the same test)
            p = np.array([float(out["p_value"].iat[tests[k][0]]) for k in keys])
            values = adjust(p, method)
            for key, value in zip(keys, values, strict=True):
                for position in tests[key]:
                    adjusted[position] = min(1.0, max(float(value),
                                                      float(out["p_value"].iat[position])))
                    named[position] = P_ADJUST_METHODS[method]
    out["p_adjusted"] = adjusted
    out["p_adjust_method"] = named
    return out
