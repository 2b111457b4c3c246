"""Exact disaggregation and the override stack: pure functions on Decimals (no database).

The plan is in whole units (QUANTUM). An edit of an aggregate (a family group, or a family
over all channels) is spread over its leaf cells (family x channel) by largest-remainder
rounding, so the leaves add back to the aggregate exactly, whatever the mix.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

QUANTUM = Decimal("1")  # whole units
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def q(value) -> Decimal:
    """A quantity rounded half up to the plan's quantum (whole units)."""
    return Decimal(str(value)).quantize(QUANTUM, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` (a whole number of units) over `weights`, exactly, by largest remainder.

    Shares are proportional to the weights; each share is floored to the quantum and the
    units left over go, one each, to the largest remainders (ties: the earlier weight). All
    weights zero (or none positive): an equal split. Negative weights count as zero.
    """
    total = q(total)
    n = len(weights)
    if n == 0:
        raise ValueError("nothing to allocate to")
    if total < 0:
        raise ValueError("cannot allocate a negative quantity")
    w = [max(Decimal(x), ZERO) for x in weights]
    mass = sum(w, ZERO)
    if mass == 0:
        w, mass = [Decimal(1)] * n, Decimal(n)
    exact = [total * x / mass for x in w]
    floors = [e.quantize(QUANTUM, rounding=ROUND_FLOOR) for e in exact]
    left = int((total - sum(floors, ZERO)) / QUANTUM)
    order = sorted(range(n), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += QUANTUM
    return floors


def scale_exactly(values: Sequence[Decimal], percent: Decimal) -> list[Decimal]:
    """Every value changed by `percent` %, the aggregate rounded once and re-spread exactly.

    The new total is round(sum x (1 + p/100)); it is spread in proportion to the current
    values (so the mix is kept), which is the same as applying the percentage to each value
    with rounding that adds up.
    """
    current = sum((Decimal(v) for v in values), ZERO)
    target = q(current * (1 + Decimal(percent) / HUNDRED))
    if target < 0:
        target = ZERO
    return allocate(target, list(values))


@dataclass(frozen=True)
class Layer:
    """One override of a cell, in stacking order: absolute sets the value, percent scales it."""

    key: object
    kind: str  # "absolute" | "percent"
    value: Decimal


def apply_layer(before: Decimal, kind: str, value: Decimal) -> Decimal:
    if kind == "absolute":
        return max(q(value), ZERO)
    if kind == "percent":
        return max(q(Decimal(before) * (1 + Decimal(value) / HUNDRED)), ZERO)
    raise ValueError(f"unknown override kind {kind!r}")


def apply_stack(baseline: Decimal, layers: Iterable[Layer]) -> tuple[Decimal, list[tuple[object, Decimal, Decimal]]]:
    """The consensus of a cell: the baseline with its overrides applied in order.

    Returns (quantity, [(layer key, quantity before, quantity after), ...]); each layer's
    effect is after - before, and the effects add up to quantity - baseline exactly.
    """
    value = q(baseline)
    trail = []
    for layer in layers:
        after = apply_layer(value, layer.kind, layer.value)
        trail.append((layer.key, value, after))
        value = after
    return value, trail
