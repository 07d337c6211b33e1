"""Where a flow run gets its configuration: never from its parameters.

A deployment's parameters are what the dashboard shows and what a person may type
(a date, a collection, a flag); the configuration, secrets included, comes from the
worker's environment (`RETURNS_*`, Prefect Secret blocks) through the one `Settings`
object. A command or a test that already holds a `Settings` runs a flow inside
`using(settings)`:

    with using(settings):
        intake_flow()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.settings import Settings

_active: list[Settings] = []


@contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """Flows started inside this block use `settings` instead of the environment's."""
    _active.append(settings)
    try:
        yield settings
    finally:
        _active.pop()


def active_settings() -> Settings:
    """The settings of `using`, else built from the environment (a deployment's run)."""
    return _active[-1] if _active else Settings()
