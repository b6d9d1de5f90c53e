"""Money is a ``Decimal`` with exactly two places; never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as a Decimal rounded half-up to cents.

    Floats are refused on purpose: they cannot represent cents exactly.
    """
    if isinstance(value, float):
        raise TypeError("money must not be built from a float")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def to_cents(value: Decimal) -> int:
    """Integer cents of an amount (rounded half-up)."""
    return int(money(value) * 100)


def from_cents(cents: int) -> Decimal:
    """Amount of an integer number of cents."""
    return (Decimal(cents) / 100).quantize(CENT)


def percent_of(amount: Decimal, percent: Decimal | int | str) -> Decimal:
    """``percent`` % of ``amount``, rounded to cents."""
    return money(Decimal(amount) * Decimal(percent) / Decimal(100))
