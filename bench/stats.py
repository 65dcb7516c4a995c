"""Samples of one figure and their summary: median and spread, and the ratio between two adapters."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Samples:
    """Repeated measurements of one quantity (seconds, bytes, hits per second...)."""

    values: list[float] = field(default_factory=list)
    failure: str | None = None  # why the quantity could not be measured, in plain words

    def add(self, value: float) -> None:
        self.values.append(value)

    def fail(self, why: str) -> None:
        """Record the first failure; later samples of a failed quantity are not taken."""
        if self.failure is None:
            self.failure = why

    @property
    def ok(self) -> bool:
        return self.failure is None and bool(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def quartiles(self) -> tuple[float, float]:
        """(Q1, Q3); with fewer than four samples, (min, max)."""
        if len(self.values) < 4:
            return min(self.values), max(self.values)
        q1, _, q3 = statistics.quantiles(self.values, n=4, method="inclusive")
        return q1, q3


def ratio(ours: Samples, theirs: Samples) -> float | None:
    """ours / theirs of the medians, when both were measured."""
    if not (ours.ok and theirs.ok) or theirs.median == 0:
        return None
    return ours.median / theirs.median
