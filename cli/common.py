"""What every command shares: the settings built from its options."""

from __future__ import annotations

import os
from pathlib import Path
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


DASHBOARD_FILE = "prefect-api-url"  # written by `make demo` beside the warehouse


def connect_dashboard(home: Path) -> str | None:
    """Report flow runs to the dashboard `make demo` started for this home (its API URL is
    in HOME/prefect-api-url), unless PREFECT_API_URL says otherwise or it is not up: then
    Prefect's own default (a temporary local server) applies. Must run before Prefect is
    imported: Prefect reads its settings once."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    import urllib.request

    try:
        url = (home / DASHBOARD_FILE).read_text(encoding="utf-8").strip()
        with urllib.request.urlopen(f"{url}/health", timeout=1.0):
            pass
    except (OSError, ValueError):
        return None
    os.environ["PREFECT_API_URL"] = url
    return url
