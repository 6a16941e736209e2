"""What people call each field and each recorded action, for forms, history and exports."""

from __future__ import annotations

import re
from typing import Any

from inventory.core.i18n import lazy_gettext as L

FIELD_LABELS = {
    "tag": L("Tag"),
    "code": L("Code"),
    "name": L("Name"),
    "kind": L("Kind"),
    "uai": L("UAI code"),
    "address": L("Address"),
    "postal_code": L("Postal code"),
    "city": L("City"),
    "director_name": L("Director"),
    "director_email": L("Director's email"),
    "director_phone": L("Director's phone"),
    "organisation": L("Owning organisation"),
    "owner": L("Organisation"),
    "contract": L("Contract"),
    "purchase": L("Order"),
    "notes": L("Notes"),
    "floor": L("Floor"),
    "site": L("Site"),
    "room": L("Room"),
    "category": L("Category"),
    "model": L("Model"),
    "manufacturer": L("Manufacturer"),
    "serial": L("Serial number"),
    "status": L("Status"),
    "purchase_date": L("Purchase date"),
    "purchase_price_cents": L("Purchase price"),
    "purchase_price_eur": L("Purchase price (€)"),
    "supplier": L("Supplier"),
    "order_ref": L("Order or contract reference"),
    "warranty_end": L("Warranty end"),
    "commissioning_date": L("Commissioning date"),
    "eol_year_override": L("End-of-life year (override)"),
    "eol_year": L("End-of-life year"),
    "holder": L("Holder"),
    "hostname": L("Hostname"),
    "ip_address": L("IP address"),
    "mac_address": L("MAC address"),
    "firmware": L("Firmware"),
    "lifespan_years": L("Lifespan (years)"),
    "replacement_cost_cents": L("Replacement cost"),
    "replacement_cost_eur": L("Replacement cost (€)"),
    "price_change_bp": L("Yearly price change (hundredths of a percent)"),
    "price_change_percent": L("Yearly price change (percent)"),
    "criticality": L("Importance for teaching"),
    "replaces_id": L("Replaces"),
    "is_interactive_display": L("Interactive display (counts for classroom coverage)"),
    "is_network": L("Network equipment (hostname, IP, MAC, firmware)"),
    "last_seen_on": L("Last seen"),
    "email": L("Email"),
    "role": L("Role"),
    "active": L("Active"),
    "sites": L("Sites"),
    "client": L("Client address"),
    "symptom": L("Symptom"),
    "symptoms": L("Symptoms offered when someone reports a fault on one of its devices"),
    "assigned_to": L("Taken by"),
    "reject_reason": L("Reason for rejecting"),
    "updated_at": L("Updated"),
    "found": L("Found"),
    "elsewhere": L("Found elsewhere"),
    "unknown": L("Unknown tags"),
    "missing": L("Missing"),
    "offset": L("Offset"),
    "tags": L("Tags"),
    "description": L("Description"),
    "interval_days": L("Interval (days)"),
    "years": L("Years"),
    "first_year": L("First year"),
    "approved_at": L("Approved on"),
    "approved_by": L("Approved by"),
    "summary": L("Figures"),
    "settings": L("Scenario settings"),
    # Contracts and orders, loans and people, organisations.
    "reference": L("Reference"),
    "title": L("Title"),
    "starts_on": L("Starts on"),
    "ends_on": L("Ends on"),
    "warranty_months": L("Warranty (months)"),
    "maintenance_terms": L("Maintenance terms"),
    "renewal_on": L("Maintenance renewal on"),
    "amount_cents": L("Amount"),
    "share_mode": L("Shares given as"),
    "ordered_on": L("Ordered on"),
    "quantity": L("Quantity"),
    "unit_price_cents": L("Unit price"),
    "share": L("Share"),
    "asset": L("Asset"),
    "person": L("Person"),
    "out_on": L("Lent on"),
    "out_condition": L("Condition when lent"),
    "accessories": L("Accessories"),
    "due_on": L("To return by"),
    "for_term": L("For the school year"),
    "acknowledged_at": L("Acknowledged on"),
    "returned_on": L("Returned on"),
    "return_condition": L("Condition when returned"),
    "missing_accessories": L("Missing accessories"),
    "reminded_on": L("Reminded on"),
    "mandates": L("Mandates"),
    "anonymised_at": L("Anonymised on"),
    "siren": L("SIREN"),
    "tag_prefix": L("Tag prefix"),
    "label_owner": L("Owner line on labels"),
}

ACTION_LABELS = {
    "create": L("Created"),
    "update": L("Edited"),
    "move": L("Moved"),
    "status": L("Status changed"),
    "retire": L("Retired"),
    "password": L("Password changed"),
    "seen": L("Seen here"),
    "intervention": L("Intervention"),
    "reserve": L("Blank labels reserved"),
    "offset": L("Printer offset set"),
    "success": L("Signed in"),
    "failed": L("Failed sign-in"),
    "throttled": L("Sign-in refused (too many failures)"),
    "approve": L("Approved"),
    "delete": L("Deleted"),
    "revoke": L("Revoked"),
    "elsewhere": L("Previously at a site you do not see"),
    "close": L("Closed"),
    "acknowledge": L("Acknowledged"),
    "start": L("Taken"),
    "wait_parts": L("Waiting for parts"),
    "resolve": L("Resolved"),
    "reopen": L("Reopened"),
    "reject": L("Rejected"),
    "check_out": L("Lent"),
    "check_in": L("Returned"),
    "transfer": L("Transferred to another organisation"),
    "follow": L("Followed"),
    "retry": L("Sent again"),
    "lines": L("Order lines changed"),
    "members": L("Members changed"),
    "document": L("Document added"),
}

PLAN_STATUSES = {"draft": L("Draft"), "approved": L("Approved")}

# What an audit record is about (its `entity`), in words.
ENTITY_LABELS = {
    "asset": L("Asset"),
    "site": L("Site"),
    "room": L("Room"),
    "category": L("Category"),
    "model": L("Model"),
    "user": L("Account"),
    "login": L("Sign-in"),
    "plan": L("Renewal plan"),
    "campaign": L("Inventory audit"),
    "fault": L("Fault"),
    "label": L("Labels"),
    "token": L("API token"),
    "maintenance": L("Maintenance task"),
    "contract": L("Contract"),
    "purchase": L("Order"),
    "loan": L("Loan"),
    "person": L("Person"),
    "organisation": L("Organisation"),
    "outbox": L("Email"),
    "import_profile": L("Import profile"),
    "settings": L("Installation settings"),
}

# Who did it, when it was no account: words instead of the stored code.
ACTOR_WORDS = {
    "anonymous": L("Anonymous visitor"),
    "demo": L("Demo data"),
    "cli": L("Command line"),
}

STRUCTURED_VALUE = L("(details on the page itself)")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def actor_word(label: str | None) -> str:
    """A person's label as stored (an email), or the word for who acted without an
    account ("anonymous" -> "Anonymous visitor")."""
    return str(ACTOR_WORDS[label]) if label in ACTOR_WORDS else (label or "")


def readable_value(value: Any) -> Any:
    """A stored value as the page shows it: dates and times in the page's language
    (01/12/2026 in French), the rest as it is."""
    from inventory.core.formatters import format_date, format_datetime

    if isinstance(value, dict) or (isinstance(value, list)
                                   and any(isinstance(x, dict | list) for x in value)):
        # Structured values (a plan's settings and figures) are read on their own page.
        return str(STRUCTURED_VALUE)
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_date(value)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return format_datetime(value)
        except ValueError:
            return value
    return value


def present_history(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the words people read to raw audit records."""
    for entry in entries:
        entry["action_label"] = str(ACTION_LABELS.get(entry["action"], entry["action"]))
        entry["entity_label"] = str(ENTITY_LABELS.get(entry["entity"], entry["entity"]))
        entry["field_labels"] = {name: str(FIELD_LABELS.get(name, name))
                                 for name in entry["changes"]}
        entry["actor"] = actor_word(entry["actor"])
        entry["changes"] = {name: [readable_value(x) for x in pair]
                            for name, pair in entry["changes"].items()}
    return entries
