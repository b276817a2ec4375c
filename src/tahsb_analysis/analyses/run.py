"""Run the registered analyses, and how config.yaml settings reach them.

Each analysis is a pure function `f(cohort, **settings) -> results table`, registered once in
the output registry (`analyses:` in data/outputs.yaml, as module:function). Its settings are the
config values whose names its keyword parameters take, so adding an analysis needs neither an
edit here nor another workflow script.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping

import pandas as pd

from tahsb_analysis.input.cohort import Cohort
from tahsb_analysis.registry import load_registry
from tahsb_analysis.results.multiplicity import adjust_families


def analysis_function(name: str) -> Callable[..., pd.DataFrame]:
    """The function registered as analysis `name`."""
    targets = load_registry().analysis_functions
    if name not in targets:
        raise KeyError(f"unknown analysis {name!r}; known: {sorted(targets)}")
    module, function = targets[name].split(":")
    return getattr(importlib.import_module(module), function)


ANALYSES: dict[str, Callable[..., pd.DataFrame]] = {
    name: analysis_function(name) for name in load_registry().analyses()
}


def config_settings(config: Mapping) -> dict:
    """Every analysis setting of the (validated) workflow config, by keyword name."""
    settings = {
        "ci_method": config["ci_method"],
        "confidence": config["confidence_level"],
        "age_band_starts": tuple(config["age_band_starts"]),
        "exact_test_seed": config["exact_test"]["seed"],
        "exact_test_resamples": config["exact_test"]["resamples"],
        "continuous_test": config["continuous_test"],
        "p_adjust": config["p_adjust"],
        **config["links"],
        "adjust_for_age": config["responses"]["adjust_for_age"],
        "covariates": tuple(config["responses"]["covariates"]),
    }
    return settings


def analysis_settings(name: str, config: Mapping) -> dict:
    """Keyword arguments of analysis `name`: the config settings its parameters name."""
    function = ANALYSES[name] if name in ANALYSES else analysis_function(name)
    accepted = inspect.signature(function).parameters
    return {key: value for key, value in config_settings(config).items() if key in accepted}


def run_analysis(name: str, cohort: Cohort, settings: Mapping,
                 p_adjust: str = "holm") -> pd.DataFrame:
    """The rows of analysis `name`, their p-values adjusted by the one family rule
    (`results.multiplicity`), as the results table will carry them."""
    function = ANALYSES[name] if name in ANALYSES else analysis_function(name)
    return adjust_families(function(cohort, **settings), p_adjust)


def run_analyses(cohort: Cohort, config: Mapping, names=None) -> pd.DataFrame:
    """The cohort's results table: the analyses `names` (default: every registered one) with
    the config's settings, stacked, their p-values adjusted by the family rule across the
    whole table (a test shown by two analyses' outputs is adjusted once), as the workflow's
    results_table step makes it."""
    from tahsb_analysis.results.schema import concat_results

    names = list(ANALYSES) if names is None else list(names)
    parts = [run_analysis(name, cohort, analysis_settings(name, config), config["p_adjust"])
             for name in names]
    return adjust_families(concat_results(parts), config["p_adjust"])
