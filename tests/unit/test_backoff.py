"""Waits between attempts (core.backoff): doubling, capped, jittered, reset by success."""

from __future__ import annotations

import random

from core.backoff import Backoff


def test_waits_double_up_to_the_cap_each_up_to_a_quarter_shorter_and_start_again_after_a_success() -> None:
    backoff = Backoff(rng=random.Random(5))
    waits = [backoff.next() for _ in range(7)]
    for wait, full in zip(waits, [1, 2, 4, 8, 15, 15, 15], strict=True):
        assert 0.75 * full <= wait <= full
    backoff.reset()
    assert backoff.next() <= 1.0
    assert len({round(w, 6) for w in waits[4:]}) == 3  # jittered: workers that failed together retry apart
