"""What every command shares: the settings built from its options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cli.boundary import fail, log_to_home

if TYPE_CHECKING:
    from core.settings import Settings


def settings_from_options(log: bool = True, **overrides: object) -> Settings:
    """The settings (options first, then RETURNS_* variables, then defaults); with `log`,
    the command also logs to HOME/returns.log."""
    from core.settings import Settings

    try:
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v not in (None, "")}
        settings = Settings(**given)
    except ValueError as err:
        fail(f"settings: {err}")
        raise
    if log:
        log_to_home(settings.home)
    return settings
