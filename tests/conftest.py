"""Shared pytest configuration: fixtures live in plugin modules beside this file."""

# --- warehouse fixtures (owner: warehouse) -------------------------------------------
pytest_plugins = ["tests.warehouse_fixtures"]
# --- end warehouse fixtures -----------------------------------------------------------
# --- mail fixtures (owner: intake mailbox/outbox/mime) --------------------------------
pytest_plugins += ["tests.mail_fixtures"]
# --- end mail fixtures ----------------------------------------------------------------
# --- intake fixtures (owner: lead) ----------------------------------------------------
pytest_plugins += ["tests.intake_fixtures", "tests.prefect_fixtures"]


# --- logging isolation (owner: lead) --------------------------------------------------
import logging  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _returns_log_handlers_do_not_leak() -> Iterator[None]:
    """A command run in-process (CliRunner) adds HOME/returns.log to the `returns`
    logger; the next test must not inherit it."""
    logger = logging.getLogger("returns")
    before = list(logger.handlers)
    yield
    for handler in logger.handlers:
        if handler not in before:
            handler.close()
    logger.handlers[:] = before
