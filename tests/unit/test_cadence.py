"""The check cadence: when the intake checks, answers and moves what it recorded."""

from __future__ import annotations

from pipeline.cadence import Cadence


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nothing_waiting_is_never_due() -> None:
    cadence: Cadence[int] = Cadence(3, 60.0)
    assert not cadence.due(last=True)


def test_due_once_enough_wait_and_taking_empties_it() -> None:
    clock = Clock()
    cadence: Cadence[int] = Cadence(3, 60.0, clock)
    cadence.add([1, 2])
    assert not cadence.due(last=False)
    cadence.add([3])
    assert cadence.due(last=False)
    assert cadence.take() == [1, 2, 3]
    assert not cadence.due(last=True)


def test_due_when_the_oldest_has_waited_long_enough() -> None:
    clock = Clock()
    cadence: Cadence[int] = Cadence(300, 60.0, clock)
    cadence.add([1])
    clock.now = 30.0
    cadence.add([2])  # the wait counts from the oldest, not the latest
    assert not cadence.due(last=False)
    clock.now = 60.0
    assert cadence.due(last=False)


def test_always_due_at_the_end_of_a_run() -> None:
    cadence: Cadence[int] = Cadence(300, 60.0, Clock())
    cadence.add([1])
    assert cadence.due(last=True)
