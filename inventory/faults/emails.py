"""The fault emails: subject and plain-text body, in the reader's language (the caller sets
it). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.core.i18n import _
from inventory.faults import symptoms


def _what(fault: Mapping[str, Any]) -> str:
    device = " ".join(x for x in (fault.get("category_name"), fault.get("model_name")) if x)
    if fault.get("asset_tag"):
        device = f"{device} ({fault['asset_tag']})"
    place = ", ".join(x for x in (fault.get("site_name"), fault.get("room_name")) if x)
    return f"{device or _('Device not known')} · {place}"


def new_fault(fault: Mapping[str, Any], base_url: str) -> tuple[str, str]:
    symptom = str(symptoms.all_symptoms().get(fault["symptom"], fault["symptom"]))
    subject = _("New fault at %(site)s: %(symptom)s") % {"site": fault["site_name"],
                                                          "symptom": symptom}
    lines = [_("A fault has been reported."), "", _what(fault), symptom]
    if fault.get("teaching_blocked"):
        lines.append(_("Teaching is blocked."))
    if fault.get("description"):
        lines += ["", fault["description"]]
    lines += ["", f"{base_url}/faults/{fault['id']}", "",
              _("You receive this email because you cover this site; turn it off on your "
                "account page.")]
    return subject, "\n".join(lines)


def status_changed(fault: Mapping[str, Any], status_label: str, base_url: str) -> tuple[str, str]:
    symptom = str(symptoms.all_symptoms().get(fault["symptom"], fault["symptom"]))
    subject = _("Your fault report: %(status)s") % {"status": status_label}
    lines = [_("The fault you reported is now: %(status)s.") % {"status": status_label}, "",
             _what(fault), symptom, "", f"{base_url}/faults/{fault['id']}"]
    return subject, "\n".join(lines)
