"""Synthetic: the deterministic, calibrated SYNTHETIC cohorts that ship with the project."""
