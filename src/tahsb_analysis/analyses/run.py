"""The registry of analyses the workflow runs, and how config.yaml settings reach them.

Each analysis is a pure function `f(cohort, **settings) -> results table`. The workflow runs
every registered analysis per cohort through one adapter, so adding an analysis means adding
it here (and its outputs to the rendering lists), not writing another script.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from tahsb_analysis.analyses.behaviour_range import ta_hsb_range
from tahsb_analysis.analyses.characteristics import characteristics
from tahsb_analysis.analyses.links import links
from tahsb_analysis.analyses.prevalence import prevalence
from tahsb_analysis.analyses.responses import responses
from tahsb_analysis.input.cohort import Cohort

ANALYSES: dict[str, Callable[..., pd.DataFrame]] = {
    "prevalence": prevalence,
    "ta_hsb_range": ta_hsb_range,
    "characteristics": characteristics,
    "links": links,
    "responses": responses,
}


def analysis_settings(name: str, config: Mapping) -> dict:
    """Keyword arguments of analysis `name`, taken from the (validated) workflow config."""
    if name not in ANALYSES:
        raise KeyError(f"unknown analysis {name!r}; known: {sorted(ANALYSES)}")
    common = {"ci_method": config["ci_method"], "confidence": config["confidence_level"]}
    if name == "prevalence":
        return {
            **common,
            "age_band_starts": tuple(config["age_band_starts"]),
            "exact_test_seed": config["exact_test"]["seed"],
            "exact_test_resamples": config["exact_test"]["resamples"],
        }
    comparison = {
        "continuous_test": config["continuous_test"],
        "p_adjust": config["p_adjust"],
        "exact_test_seed": config["exact_test"]["seed"],
        "exact_test_resamples": config["exact_test"]["resamples"],
    }
    if name == "characteristics":
        return {**common, **comparison}
    if name == "links":
        return {**common, **comparison, **config["links"]}
    if name == "responses":
        models = config["responses"]
        return {
            **common,
            **comparison,
            "adjust_for_age": models["adjust_for_age"],
            "covariates": tuple(models["covariates"]),
        }
    return common


def run_analysis(name: str, cohort: Cohort, settings: Mapping) -> pd.DataFrame:
    return ANALYSES[name](cohort, **settings)
