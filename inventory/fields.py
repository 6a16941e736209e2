"""What people call each field and each recorded action, for forms, history and exports."""

from __future__ import annotations

from typing import Any

from inventory.i18n import lazy_gettext as L

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
}


def present_history(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the words people read to raw audit records."""
    for entry in entries:
        entry["action_label"] = str(ACTION_LABELS.get(entry["action"], entry["action"]))
        entry["field_labels"] = {name: str(FIELD_LABELS.get(name, name))
                                 for name in entry["changes"]}
    return entries
