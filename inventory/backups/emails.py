"""The email telling administrators that backups stopped (rendered in their language)."""

from __future__ import annotations

from typing import Any

from inventory.core.i18n import _


def overdue(state: dict[str, Any], base_url: str) -> tuple[str, str]:
    subject = _("No backup for more than 36 hours")
    good = state.get("last_ok")
    if good:
        lines = [_("The last successful backup was made on %(when)s UTC.")
                 % {"when": good["finished_at"].strftime("%Y-%m-%d %H:%M")}]
    else:
        lines = [_("No backup has ever succeeded.")]
    last = state.get("last")
    if last and not last["ok"]:
        lines += ["", _("The last attempt failed: %(message)s") % {"message": last["message"]}]
    lines += ["", _("Check the backups on the service:"), f"{base_url}/admin/backups"]
    return subject, "\n".join(lines)
