"""Numeric helpers shared by the layers that read results rows (comparison and rendering).

Kept apart from `render` so that comparing cohorts never has to import a renderer.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, digits: int) -> Decimal:
    """`value` rounded as a reader would by hand (0.125 -> 0.13), via its shortest repr."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
