"""Alerts: Prefect automations that email the operator (created from code, idempotent).

    returns: a run failed          a flow run of this project Failed, Crashed or TimedOut
    returns: work for a person     a run ended Completed with "needs a person: ..." in its
                                   state message (unmatched submissions, quarantined
                                   emails, escalations, failed chases: flows.report.finish_run)
    returns: intake is quiet       no Completed intake run for `alert_quiet_hours` (a
                                   proactive trigger: Prefect fires on the absence)

Each sends through one notification block (`returns-operator`, an `OperatorEmail`:
Prefect's Apprise notification block, its URL a secret; see flows.notify) built from the outbox's SMTP server, the
division's from-address and `alert_to`: `mailto://` (or `mailtos://`) with the SMTP
password from the settings. Prefect's server evaluates the triggers and sends; nothing
here polls. `install_alerts` replaces automations of the same names, so running it
again (after a change of address or period) leaves exactly three.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from core.errors import ConfigurationError
from core.settings import Settings
from mail.urls import is_maildir_url, parse_server_url, refuse_remote_password

BLOCK_NAME = "returns-operator"
FLOWS = ("intake", "chase", "status board", "recheck")  # this project's flows, by name
PREFIX = "returns: "
_SMTP_SCHEMES = frozenset({"smtp", "smtps", "smtp+starttls"})


@dataclass(frozen=True)
class Installed:
    block: str
    automations: tuple[str, ...]


def apprise_url(settings: Settings) -> str:
    """The Apprise `mailto` URL for the operator's alerts (a secret: it may hold a password)."""
    if not settings.alert_to:
        raise ConfigurationError("alerts: no operator address (set RETURNS_ALERT_TO or --to)")
    if is_maildir_url(settings.outbox_url):
        raise ConfigurationError("alerts: the outbox is a local Maildir; alerts need an SMTP server "
                                 "(set RETURNS_OUTBOX_URL=smtp://HOST:PORT)")
    server = parse_server_url(settings.outbox_url, _SMTP_SCHEMES)
    refuse_remote_password(settings.outbox_url, server, "RETURNS_SMTP_PASSWORD")
    scheme = "mailtos" if server.scheme in ("smtps", "smtp+starttls") else "mailto"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else server.password
    auth = ""
    if server.user:
        auth = quote(server.user, safe="") + (f":{quote(password, safe='')}" if password else "") + "@"
    query = {"from": settings.from_address, "to": settings.alert_to, "name": "returns"}
    if scheme == "mailto" and not server.user:
        query["mode"] = "insecure"
    return f"{scheme}://{auth}{server.host}:{server.port or 25}?{urlencode(query)}"


def install_alerts(settings: Settings) -> Installed:
    """Create (or replace) the notification block and the three automations."""
    from prefect.automations import Automation
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import EventTrigger, Posture

    from flows.notify import OperatorEmail

    block = OperatorEmail(url=apprise_url(settings), allow_private_urls=True)
    block_id = block.save(BLOCK_NAME, overwrite=True)
    project = {"prefect.resource.role": "flow", "prefect.resource.name": list(FLOWS)}
    link = "{{ flow_run|ui_url or 'the Prefect dashboard, Runs' }}"

    def notify(subject: str, body: str) -> SendNotification:
        return SendNotification(block_document_id=block_id, subject=subject, body=body)

    wanted = [
        Automation(
            name=f"{PREFIX}a run failed",
            description="A run of the returns pipeline failed, crashed or timed out.",
            trigger=EventTrigger(
                match={"prefect.resource.id": "prefect.flow-run.*"}, match_related=project,
                expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"},
                posture=Posture.Reactive, threshold=1, within=dt.timedelta(0)),
            actions=[notify("returns: run {{ flow_run.name }} {{ flow_run.state.name }}",
                            "The run {{ flow_run.name }} of flow {{ flow.name }} ended {{ flow_run.state.name }}:\n"
                            "{{ flow_run.state.message }}\n\nOpen it: " + link)]),
        Automation(
            name=f"{PREFIX}work for a person",
            description="A run ended with work waiting for a person.",
            trigger=EventTrigger(
                match={"prefect.resource.id": "prefect.flow-run.*", "prefect.state-message": "needs a person*"},
                match_related=project, expect={"prefect.flow-run.Completed"},
                posture=Posture.Reactive, threshold=1, within=dt.timedelta(0)),
            actions=[notify("returns: {{ flow_run.name }}",
                            "The run {{ flow_run.name }} left work for a person:\n{{ flow_run.state.message }}\n\n"
                            "Open it: " + link)]),
        Automation(
            name=f"{PREFIX}intake is quiet",
            description=f"No intake run completed for {settings.alert_quiet_hours:g} hours.",
            trigger=EventTrigger(
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related={"prefect.resource.role": "flow", "prefect.resource.name": "intake"},
                expect={"prefect.flow-run.Completed"}, posture=Posture.Proactive, threshold=1,
                within=dt.timedelta(hours=settings.alert_quiet_hours)),
            actions=[notify("returns: no intake run has completed lately",
                            f"No intake run has completed in the last {settings.alert_quiet_hours:g} hours. "
                            "Is the worker (or `returns serve`) running, and the mailbox reachable?")]),
    ]
    remove_alerts()
    for automation in wanted:
        automation.create()
    return Installed(BLOCK_NAME, tuple(a.name for a in wanted))


def remove_alerts() -> int:
    """Delete this project's automations (by name); how many were removed."""
    from prefect.client.orchestration import get_client

    removed = 0
    with get_client(sync_client=True) as client:
        for automation in client.read_automations():
            if automation.name.startswith(PREFIX):
                client.delete_automation(automation.id)
                removed += 1
    return removed
