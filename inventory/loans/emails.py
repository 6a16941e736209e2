"""The loan emails to the person holding the device: subject and plain-text body, in the
language the caller set. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.core.formatters import format_date
from inventory.core.i18n import _


def _device(loan: Mapping[str, Any]) -> str:
    return " ".join(x for x in (loan.get("category_name"), loan.get("model_name"),
                                f"({loan['asset_tag']})") if x)


def acknowledge_request(loan: Mapping[str, Any], link: str) -> tuple[str, str]:
    subject = _("Please confirm you received %(device)s") % {"device": _device(loan)}
    lines = [_("Hello %(name)s,") % {"name": loan["person_name"]}, "",
             _("The device below has been lent to you on %(date)s.")
             % {"date": format_date(loan["out_on"])}, "", _device(loan)]
    if loan.get("accessories"):
        lines += [_("With: %(items)s") % {"items": ", ".join(loan["accessories"].splitlines())}]
    if loan.get("for_term"):
        lines.append(_("For your term of office."))
    elif loan.get("due_on"):
        lines.append(_("To return by %(date)s.") % {"date": format_date(loan["due_on"])})
    lines += ["", _("Open this link to confirm you received it:"), link, "",
              _("If you did not receive this device, do not open the link and tell the IT "
                "department.")]
    return subject, "\n".join(lines)


def overdue_reminder(loan: Mapping[str, Any]) -> tuple[str, str]:
    subject = _("Please return %(device)s") % {"device": _device(loan)}
    lines = [_("Hello %(name)s,") % {"name": loan["person_name"]}, "",
             _("The device below was due back on %(date)s.")
             % {"date": format_date(loan["due_on"])}, "", _device(loan), "",
             _("Please bring it back to the IT department, or answer this email if you "
               "need it longer.")]
    return subject, "\n".join(lines)
