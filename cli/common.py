"""What every command shares: the settings built from its options."""

from __future__ import annotations

import os
import sys
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


def reports_to_a_dashboard(home: Path) -> bool:
    """Is there a Prefect server for this command's flow runs to report to? (the
    environment's PREFECT_API_URL, the dashboard `make demo` started for this home, or
    the active Prefect profile's API URL). Without one, commands run the flows' steps
    plainly (flows.mode.PLAIN) instead of starting a temporary server per run (~10 s,
    and the run is lost when it stops)."""
    if connect_dashboard(home):
        return True
    if "prefect" in sys.modules:  # already configured in this process (a test harness)
        from prefect.settings import get_current_settings

        return bool(get_current_settings().api.url)
    return _profile_api_url() is not None


def _profile_api_url() -> str | None:
    import tomllib

    folder = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    try:
        data = tomllib.loads((folder / "profiles.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    url = data.get("profiles", {}).get(name, {}).get("PREFECT_API_URL")
    return str(url) if url else None
