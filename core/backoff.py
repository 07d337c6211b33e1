"""Waiting between attempts at something that may come back: exponential, capped, jittered.

    backoff = Backoff()
    while True:
        try:
            work(); backoff.reset()
        except TransientError:
            time.sleep(backoff.next())     # 1, 2, 4, 8, 15, 15 ... s, each up to a quarter shorter
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """The cap is short on purpose: the wait is all that stands between a server coming
    back and the intake noticing (a 60 s cap measured 41 s to recover from a 60 s outage)."""

    first_s: float = 1.0
    cap_s: float = 15.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next(self) -> float:
        """The wait before the next attempt; each call doubles it up to the cap."""
        delay = min(self.cap_s, self.first_s * 2.0**min(self.failures, 30))
        self.failures += 1
        return delay * (1 - 0.25 * self.rng.random())  # workers that failed together retry apart

    def reset(self) -> None:
        self.failures = 0
