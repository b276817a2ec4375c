"""Numeric helpers shared by the layers that report numbers (comparison and rendering)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, digits: int) -> Decimal:
    """`value` rounded to `digits` decimals, halves away from zero (as people round by hand)."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
