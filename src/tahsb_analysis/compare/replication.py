"""The replication register: each published finding of Hollis and Belton (2017) as a claim
checked against one cohort's results table, with a verdict, the evidence it rests on and the
reason for it.

The register (data/replication_register.yaml, versioned) is data: `register` loads and
validates it, `verdicts` evaluates each rule (with the statistics of `evidence`), this module
evaluates the register on a results table (results.py) and `render.replication_table` lays the
verdicts out as a table.

Three scales, one per kind of check (`verdicts.RULE_SCALES`):

- Directional claims (rules `direction` and `share_above`: C1-C6, S1-S3, L1, R4, L3 and the
  direction parts of R5 and L2): `supported` when the estimate lies on the published side AND
  the claim's test has p at most the register's `alpha` after Holm's adjustment across the
  register's directional claims in one cohort (a claim with several parts is one member of
  the family, its p the largest of its parts': `_adjust_directional`); `same direction, not
  statistically supported`; `opposite direction` (equal estimates included: they show no
  direction); `contradicted` (significant on the other side); `insufficient data`. The test
  is the analyses' own row when the register declares it (`test` / `tests`: C1's
  Mann-Whitney rows, S1-S3's age-adjusted logistic models, L1's binomial test), otherwise
  computed from the rows' counts and named: Fisher's exact test for two groups' shares, an
  exact binomial test for a share against a threshold, a sign test for two levels of one
  population, Welch's t-test for two means. A model test row also gives the direction (its
  odds ratio's side of 1), not the crude shares.
- Published values (rule `equivalence`: P1, P2, R3, the gap of L2): `consistent` only when
  the two one-sided tests (TOST) against [published - margin, published + margin] pass at
  alpha (exact binomial TOST, statsmodels `binom_tost`, for shares; one-sample t TOST for
  means); `inconsistent` when the row's CI lies entirely outside that band; otherwise
  `uninformative`. Each margin is declared, with its reason, in the register.
- Descriptive checks (`rank_is`: R1; `all_present`: R2 and R5's sub-groups): `as published` /
  `not as published`, read from counts; no test.

Every part names its test (`test`), raw and adjusted p-values, and the minimum detectable
difference (`mdd`, on the estimate's scale: a difference of shares or of means) at the cohort's
size with 80% power for the same kind of test (`mdd_method` names the statsmodels power class);
for directional parts at alpha / (number of directional claims), Holm's strictest step.
A check needing a row that is absent, suppressed, without an estimate, count or p-value, or
with an empty denominator gives `insufficient data`, never an error.

A claim with one part gives one row (part 0). A claim with several gives an overall row (part
0) and one row per part (1, 2, ...). The overall verdict is on the claim's scale (`value` for
kind value, else `direction` when any check is directional, else descriptive), each part's
verdict mapped to it (`PART_TO_SCALE`), the worst part deciding (`combine_verdicts`); its p is
the largest of the parts' (an intersection-union test: the claim holds only if every part
does).
"""

from __future__ import annotations

import math

import pandas as pd

from tahsb_analysis.compare.register import resolve_register
from tahsb_analysis.compare.verdicts import (
    AS_PUBLISHED,
    CONSISTENT,
    CONTRADICTED,
    DESCRIPTIVE_SCALE,
    DIRECTION_SCALE,
    EVALUATORS,
    HOLM,
    INCONSISTENT,
    INSUFFICIENT,
    NOT_AS_PUBLISHED,
    NOT_SUPPORTED,
    OPPOSITE,
    RULE_SCALES,
    SUPPORTED,
    UNINFORMATIVE,
    VALUE_SCALE,
    decide_direction,
)
from tahsb_analysis.compare.wording import is_missing
from tahsb_analysis.render.tables import tier_of
from tahsb_analysis.results.multiplicity import holm
from tahsb_analysis.results.schema import validate_results

OVERALL_PART = 0

# Columns of the evaluation frame, in order, with their dtypes.
REPLICATION_COLUMNS: dict[str, str] = {
    "cohort": "string",  # cohort label of the results rows
    "synthetic": "boolean",  # True when the cohort is synthetic
    "tier": "string",  # "internal" or "release" (tables.tier_of of the cohort's rows)
    "register_version": "string",  # the register's `version`
    "finding": "string",  # published finding id ("P1")
    "part": "Int64",  # 0: the claim's verdict; 1, 2, ...: its parts (only when several)
    "claim": "string",  # the published finding, paraphrased
    "kind": "string",  # value, ranking, categories, direction, grouping, interpretive
    "published": "string",  # the published value or direction, in words
    "measure": "string",  # what was measured, in words
    "rule": "string",  # the rule(s) applied ("direction", "all_present+direction")
    "statistic": "string",  # the statistic of `estimate` ("proportion", "mean", "rank")
    "estimate": "Float64",  # the cohort's estimate (a proportion as 0-1)
    "ci_low": "Float64",
    "ci_high": "Float64",
    "n": "Int64",
    "denominator": "Int64",
    "unit": "string",  # what n and denominator count
    "compared_with": "string",  # direction rule: the compared group or level, in words
    "compared_estimate": "Float64",
    "compared_ci_low": "Float64",
    "compared_ci_high": "Float64",
    "compared_n": "Int64",
    "compared_denominator": "Int64",
    # estimate minus the reference: the published value (equivalence), the threshold
    # (share rules) or the compared estimate (direction); <NA> for rank_is and all_present
    "difference": "Float64",
    "method": "string",  # the results rows' method(s), then the rule in words
    "scale": "string",  # "direction", "value" or "descriptive": which verdict words apply
    "test": "string",  # the test or interval the verdict rests on, named
    "p_value": "Float64",  # its p-value as computed (TOST: the larger one-sided p)
    "p_adjusted": "Float64",  # Holm-adjusted across the register's directional claims
    "p_adjust_method": "string",  # "Holm across the <k> directional claims ..." or <NA>
    "alpha": "Float64",  # the register's alpha
    "margin": "Float64",  # equivalence: the register's margin (same scale as estimate)
    "mdd": "Float64",  # minimum detectable difference, 80% power, on the estimate's scale
    "mdd_method": "string",  # how mdd was computed (statsmodels power class, sizes)
    "verdict": "string",  # one of verdicts.VERDICTS
    "reason": "string",  # why, in words
    "note": "string",  # the register's note: assumptions made to make the claim checkable
}


# A part's verdict on the scale of its claim (a part on the claim's own scale keeps it).
PART_TO_SCALE: dict[str, dict[str, str]] = {
    DIRECTION_SCALE: {AS_PUBLISHED: SUPPORTED, NOT_AS_PUBLISHED: OPPOSITE,
                      CONSISTENT: SUPPORTED, UNINFORMATIVE: NOT_SUPPORTED,
                      INCONSISTENT: CONTRADICTED},
    VALUE_SCALE: {SUPPORTED: CONSISTENT, NOT_SUPPORTED: UNINFORMATIVE, OPPOSITE: UNINFORMATIVE,
                  CONTRADICTED: INCONSISTENT, AS_PUBLISHED: CONSISTENT,
                  NOT_AS_PUBLISHED: INCONSISTENT},
    DESCRIPTIVE_SCALE: {},
}
# Worst first: the first of these among the parts decides.
SEVERITY: dict[str, tuple[str, ...]] = {
    DIRECTION_SCALE: (CONTRADICTED, OPPOSITE, INSUFFICIENT, NOT_SUPPORTED, SUPPORTED),
    VALUE_SCALE: (INCONSISTENT, INSUFFICIENT, UNINFORMATIVE, CONSISTENT),
    DESCRIPTIVE_SCALE: (NOT_AS_PUBLISHED, INSUFFICIENT, AS_PUBLISHED),
}


def claim_scale(claim: dict) -> str:
    scales = {RULE_SCALES[check["rule"]] for check in claim["checks"]}
    if claim["kind"] == "value" and VALUE_SCALE in scales:
        return VALUE_SCALE
    if DIRECTION_SCALE in scales:
        return DIRECTION_SCALE
    return VALUE_SCALE if VALUE_SCALE in scales else DESCRIPTIVE_SCALE


def combine_verdicts(verdicts, scale: str = DIRECTION_SCALE) -> str:
    """Every part must hold: the worst part's verdict, mapped to `scale` (SEVERITY); no
    part at all is insufficient data."""
    mapped = [PART_TO_SCALE[scale].get(v, v) for v in verdicts]
    for verdict in SEVERITY[scale]:
        if verdict in mapped:
            return verdict
    return INSUFFICIENT


def _distinct(values) -> list:
    out = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _largest(values):
    known = [float(v) for v in values if not is_missing(v)]
    return max(known) if len(known) == len(list(values)) and known else pd.NA


def _adjusted_or_raw(part: dict):
    return part["p_value"] if is_missing(part["p_adjusted"]) else part["p_adjusted"]


def _overall(claim: dict, parts: list[dict]) -> dict:
    scale = claim_scale(claim)
    verdicts = [p["verdict"] for p in parts]
    verdict = combine_verdicts(verdicts, scale)
    tally = ", ".join(f"{verdicts.count(v)} {v}" for v in _distinct(verdicts))
    measures = _distinct(check["measure"] for check in claim["checks"])
    statistics = {p["statistic"] for p in parts}
    tested = [p for p in parts if not is_missing(p["p_value"])]
    adjusted = [p for p in tested if not is_missing(p["p_adjusted"])]
    with_mdd = [p for p in parts if not is_missing(p["mdd"])]
    one_scale = len(statistics) == 1
    units = _distinct(p["unit"] for p in parts if not is_missing(p["unit"]))
    return {
        "measure": f"{len(parts)} parts: " + "; ".join(measures),
        "published": claim["published"],
        "rule": "+".join(_distinct(check["rule"] for check in claim["checks"])),
        "scale": scale,
        # the parts' statistic and unit when they share them, so that the MDD can be read
        "statistic": next(iter(statistics)) if one_scale else pd.NA,
        "unit": units[0] if one_scale and len(units) == 1 else pd.NA,
        "method": "every part must hold: the worst part decides",
        "test": ("intersection-union test: every part must hold; p is the largest of the "
                 f"{len(tested)} tested parts' p-values") if tested else parts[0]["test"],
        "p_value": _largest([p["p_value"] for p in tested]) if tested else pd.NA,
        # parts without adjustment (equivalence tests) count with their own p
        "p_adjusted": _largest([_adjusted_or_raw(p) for p in tested]) if adjusted else pd.NA,
        "p_adjust_method": adjusted[0]["p_adjust_method"] if adjusted else pd.NA,
        "mdd": _largest([p["mdd"] for p in with_mdd]) if one_scale and with_mdd else pd.NA,
        "mdd_method": ("the largest of the parts' minimum detectable differences"
                       if with_mdd else parts[0]["mdd_method"]) if one_scale else
        "see the parts (they measure on different scales)",
        "verdict": verdict,
        "reason": f"parts: {tally}",
    }


def directional_claim_count(register: dict) -> int:
    """How many claims of the register have a directional check: the size of the Holm family
    the register plans for."""
    return sum(any(RULE_SCALES[c["rule"]] == DIRECTION_SCALE for c in claim["checks"])
               for claim in register["claims"])


def _claim_parts(claim: dict, rows: pd.DataFrame, alpha: float, family: int) -> list[dict]:
    """The parts of one claim. A directional part's MDD is computed at alpha / family, the
    strictest level of Holm's step-down over the register's directional claims, so that a
    difference that large is detected with at least 80% power at whichever step its claim is
    tested; the TOST of published values is not in that family and uses alpha."""
    where = f"claim {claim['id']!r}"
    mdd_alpha = alpha / max(family, 1)
    parts = []
    for number, check in enumerate(claim["checks"], start=1):
        directional = RULE_SCALES[check["rule"]] == DIRECTION_SCALE
        found = EVALUATORS[check["rule"]](check, rows, f"{where}, check {number}",
                                          mdd_alpha if directional else alpha)
        if directional:
            for part in found:
                if not is_missing(part["mdd_method"]):
                    part["mdd_method"] += (
                        f" (alpha {alpha:g} / {family} directional claims = {mdd_alpha:.3g}: "
                        "the strictest step of Holm's adjustment)")
        parts += found
    return parts


def directional_family(claims: list[tuple[dict, list[dict]]]) -> list[list[dict]]:
    """The members of the Holm family: per claim, its directional parts (one member per claim
    that has any). The claim is tested as an intersection-union test of its parts."""
    members = []
    for _, parts in claims:
        directional = [p for p in parts if p["scale"] == DIRECTION_SCALE]
        if directional:
            members.append(directional)
    return members


def _tested(part: dict) -> bool:
    """A directional part whose verdict waits for its adjusted p."""
    return (part["verdict"] is None and not is_missing(part["p_value"])
            and not math.isnan(float(part["p_value"])))


def _adjust_directional(claims: list[tuple[dict, list[dict]]], alpha: float) -> None:
    """Holm across the register's directional claims, then decide their parts' verdicts.

    A claim's p is the largest of its directional parts' p-values (an intersection-union
    test, Berger 1982: the claim holds only when every part does, so each part is tested at
    the claim's level and no adjustment is needed inside the claim). Holm's step-down runs
    over those claim p-values (statsmodels `multipletests`). A part's adjusted p applies its
    claim's Holm step to the part's own p: min(1, (m - rank + 1) * p), and at least the
    previous step's adjusted p, so it never exceeds the claim's and a claim is supported
    exactly when each of its parts is. A claim with no tested part (its rows absent or
    suppressed) stays in the family with p = 1: the family is the register's, so a release
    tier that hides a claim is adjusted as strictly as the internal tier.
    """
    members = directional_family(claims)
    claim_p = [max((float(p["p_value"]) for p in m if _tested(p)), default=1.0)
               for m in members]
    adjusted = holm(claim_p)
    size = len(members)
    method = (f"{HOLM} across the {size} directional claims of this cohort (a claim's p is "
              "the largest of its parts')")
    order = sorted(range(size), key=lambda i: claim_p[i])
    previous = 0.0
    for rank, index in enumerate(order, start=1):
        for part in members[index]:
            if _tested(part):
                own = min(1.0, (size - rank + 1) * float(part["p_value"]))
                part["p_adjusted"] = min(max(previous, own), adjusted[index])
                part["p_adjust_method"] = method
        previous = max(previous, adjusted[index])
    for _, parts in claims:
        for part in parts:
            if part["scale"] == DIRECTION_SCALE and part["verdict"] is None:
                part["verdict"] = decide_direction(part, alpha)
                if part["verdict"] == INSUFFICIENT:
                    part["reason"] += "; the test could not be computed"


def _records(claim: dict, parts: list[dict], context: dict) -> list[dict]:
    base = {**context, "finding": claim["id"], "claim": claim["finding"], "kind": claim["kind"],
            "note": claim.get("note", pd.NA)}
    if len(parts) == 1:
        return [{**base, **parts[0], "published": claim["published"], "part": OVERALL_PART}]
    records = [{**base, **_overall(claim, parts), "part": OVERALL_PART}]
    records += [{**base, **p, "part": i} for i, p in enumerate(parts, start=1)]
    return records


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(REPLICATION_COLUMNS))
    for column, dtype in REPLICATION_COLUMNS.items():
        values = frame[column].astype(object).where(frame[column].notna(), pd.NA)
        frame[column] = values.astype(dtype)
    return frame.reset_index(drop=True)


def evaluate_register(results: pd.DataFrame, register=None) -> pd.DataFrame:
    """Evaluate every claim of the register on a results table; one frame, fixed columns.

    `results` is a results table (results.py schema), usually one cohort's; with several
    cohorts each is evaluated on its own rows (and Holm-adjusted on its own). `register` is a
    loaded register (dict), a path, or None for the packaged one. Returns
    `REPLICATION_COLUMNS` with, per cohort and claim, the overall row (part 0) and, when the
    claim has several parts, one row per part. Pure and deterministic; the input is never
    modified. Raises ReplicationRegisterError for a malformed register or a selector matching
    several rows; absent, suppressed or empty rows give "insufficient data".
    """
    register = resolve_register(register)
    alpha = float(register["alpha"])
    validate_results(results)
    if results.empty:
        by_cohort = [(pd.NA, results)]
    else:
        by_cohort = list(results.groupby("cohort", sort=False))
    records: list[dict] = []
    for cohort, rows in by_cohort:
        context = {
            "cohort": cohort,
            "synthetic": bool(rows["synthetic"].fillna(False).any()),
            "tier": tier_of(rows),
            "register_version": str(register["version"]),
            "alpha": alpha,
        }
        family = directional_claim_count(register)
        claims = [(claim, _claim_parts(claim, rows, alpha, family))
                  for claim in register["claims"]]
        _adjust_directional(claims, alpha)
        for claim, parts in claims:
            records += _records(claim, [{k: v for k, v in p.items() if k != "holds"}
                                        for p in parts], context)
    return _frame(records)
