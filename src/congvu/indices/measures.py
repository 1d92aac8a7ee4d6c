"""A measured rate: what was counted above the line and below it. Every indicator keeps both numbers so that a
figure can be explained ("37 of 40 dossiers") and so that measures of several units add up correctly
(summing numerators and denominators, never averaging rates). Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Measure:
    numerator: Decimal | int
    denominator: Decimal | int

    def __post_init__(self):
        if self.numerator < 0 or self.denominator < 0:
            raise ValueError("a measure counts things: numerator and denominator are never negative")

    @property
    def rate(self) -> Decimal | None:
        """numerator ÷ denominator (0–1 for a share), None when there is nothing to divide by."""
        if not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)

    @property
    def percent(self) -> Decimal | None:
        """The rate as a percentage rounded half-up to 2 decimals, as reports print it."""
        rate = self.rate
        return None if rate is None else (rate * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def __add__(self, other: Measure) -> Measure:
        return Measure(self.numerator + other.numerator, self.denominator + other.denominator)

    @classmethod
    def empty(cls) -> Measure:
        return cls(0, 0)
