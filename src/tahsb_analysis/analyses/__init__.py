"""Analyses: pure functions from a validated cohort to rows of the long results table.
They never import rendering or release code."""
