"""The deployments, in one place: what `returns serve` runs on this host and what
`prefect.yaml` declares for a work pool (the same names, schedules and parameters).

    intake         every 5 minutes           the mailbox, once
    chase          07:00 daily, Europe/London the reminders and chases dated today
    status board   06:30 daily, Europe/London every organisation's status, published
    recheck        on demand                  the checks again (parameter: collection)
"""

from __future__ import annotations

from typing import Any

from prefect.schedules import Cron, Interval

from flows.chase import chase_flow
from flows.intake import intake_flow
from flows.maintenance import board_flow, recheck_flow

TIMEZONE = "Europe/London"


def deployments(intake_interval_s: int = 300) -> list[Any]:
    """RunnerDeployments for `prefect.serve` (parameters are the flows' own: small values)."""
    return [
        intake_flow.to_deployment(name="intake", schedule=Interval(intake_interval_s), tags=["returns", "intake"],
                                  description="Process the submissions mailbox once."),
        chase_flow.to_deployment(name="chase", schedule=Cron("0 7 * * *", timezone=TIMEZONE),
                                 tags=["returns", "chase"], description="Send the reminders and chases dated today."),
        board_flow.to_deployment(name="status-board", schedule=Cron("30 6 * * *", timezone=TIMEZONE),
                                 tags=["returns", "board"], description="Refresh the status board."),
        recheck_flow.to_deployment(name="recheck", tags=["returns", "checks"],
                                   description="Run the checks again on every return of a collection."),
    ]
