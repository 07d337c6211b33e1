"""How a flow's body runs: under Prefect, or as the same plain steps without it.

A command typed in a shell with no Prefect server to report to would otherwise start a
temporary server for each run (~10 s, and the run is lost when it stops). The flows'
bodies are written once (`flows.intake.run_intake`, `flows.chase.run_chase`) against a
`Mode`: `PREFECT` calls the tasks (retries, the run's log, artifacts), `PLAIN` calls the
same functions directly (`task.fn`) and publishes nothing. The warehouse, the mailbox
and the outbox end the same either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mode:
    prefect: bool

    def step(self, task: Any) -> Callable[..., Any]:
        """The task itself under Prefect, else its plain function."""
        return task if self.prefect else task.fn  # type: ignore[no-any-return]

    def logger(self) -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
        if self.prefect:
            from prefect import get_run_logger

            return get_run_logger()
        return logging.getLogger("returns.flows")


PREFECT = Mode(prefect=True)
PLAIN = Mode(prefect=False)


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The run's logger inside a Prefect run, else the module logger (a plain run)."""
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("returns.flows")
