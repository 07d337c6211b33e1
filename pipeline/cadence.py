"""When the intake checks, answers and moves what it has recorded: the check cadence.

A Great Expectations validation costs about the same for 1 return as for 1,000 (~0.6 s,
plus ~0.5 s for its Data Docs page), so validating each claim batch of 50 typed returns
would add ~20 ms to a return whose intake costs ~40 ms. The intake therefore records
claim batch after claim batch and checks them together once `check_batch_size` emails
wait, or the oldest has waited `check_interval_s` (scans take seconds each: their
senders should not wait for 300 of them), or the run has nothing more to record.
Replies and moves follow each check, so they always carry the check results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Cadence(Generic[T]):
    """Recorded items waiting for their check; `due` says when to check them."""

    size: int
    interval_s: float
    clock: Callable[[], float] = time.monotonic
    waiting: list[T] = field(default_factory=list)
    since: float | None = None

    def add(self, items: list[T]) -> None:
        if self.since is None:
            self.since = self.clock()
        self.waiting += items

    def due(self, *, last: bool) -> bool:
        """Check now? Always at the end of a run; before then when enough wait, or long."""
        if self.since is None:
            return False
        return last or len(self.waiting) >= self.size or self.clock() - self.since >= self.interval_s

    def take(self) -> list[T]:
        out, self.waiting, self.since = self.waiting, [], None
        return out
