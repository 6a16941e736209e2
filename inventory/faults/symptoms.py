"""Common symptoms per kind of equipment, so a director reports in one tap. Pure."""

from __future__ import annotations

from inventory.core.i18n import lazy_gettext as L

GENERIC = {
    "no_power": L("Does not switch on"),
    "broken": L("Physically broken"),
    "other": L("Something else"),
}
DISPLAY = {
    "no_image": L("No image"),
    "pen": L("The pen does not write"),
    "touch": L("Touch does not respond or is offset"),
    "sound": L("No sound"),
    "calibration": L("Needs calibrating"),
}
COMPUTER = {
    "slow": L("Very slow"),
    "no_network": L("No network"),
    "login": L("Cannot sign in"),
    "battery": L("Battery does not hold"),
    "screen": L("Screen damaged"),
}
NETWORK = {
    "no_network": L("No network"),
    "no_wifi": L("No Wi-Fi in the room"),
}
PRINTER = {
    "paper": L("Paper jam"),
    "toner": L("Out of toner or ink"),
    "no_print": L("Does not print"),
}
BY_CATEGORY = {
    "TNI": DISPLAY, "VPI": DISPLAY, "ENI": DISPLAY, "VP": DISPLAY, "VISU": DISPLAY,
    "PC-PORT": COMPUTER, "PC-FIXE": COMPUTER, "TABLETTE": COMPUTER,
    "SWITCH": NETWORK, "WIFI": NETWORK, "PAREFEU": NETWORK, "NAS": NETWORK,
    "IMPR": PRINTER,
}


def for_category(code: str | None) -> dict[str, object]:
    """The symptoms to offer for a category (the generic ones always come last)."""
    return {**BY_CATEGORY.get(code or "", {}), **GENERIC}


def all_symptoms() -> dict[str, object]:
    merged: dict[str, object] = {}
    for group in (DISPLAY, COMPUTER, NETWORK, PRINTER, GENERIC):
        merged.update(group)
    return merged
