"""The notification block the alerts send through: email to the operator, via Apprise.

Prefect's `AppriseNotificationBlock` is an interface (it cannot be saved itself); this is
the concrete block, its `url` a `mailto://` or `mailtos://` address (a secret). The
package declares this module as a Prefect collection (`[project.entry-points.
"prefect.collections"]` in pyproject.toml), so the Prefect server - which sends the
notifications of automations itself - imports it and knows the block type.
"""

from __future__ import annotations

from prefect.blocks.notifications import AppriseNotificationBlock


class OperatorEmail(AppriseNotificationBlock):
    """Email to the operator of the returns pipeline (an Apprise `mailto://` URL)."""

    _block_type_name = "Returns operator email"
    _block_type_slug = "returns-operator-email"
    _description = "Email alerts of the returns pipeline to its operator (Apprise mailto:// URL)."
