"""The symptoms a person picks when reporting a fault, so a director reports in one tap.

The vocabulary (a code and what people read, translated) is here: the API enumerates it and
the catalogs translate it. Which of them a kind of device offers is data: each category's
`symptoms` (catalog/service.py; editable on the category's page), which m0028 filled for
existing categories with the defaults below, and a new category gets from them too. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from inventory.core.i18n import lazy_gettext as L

# Every symptom, in the order forms list them.
SYMPTOMS: dict[str, object] = {
    # Displays (interactive boards, projectors, visualisers)
    "no_image": L("No image"),
    "pen": L("The pen does not write"),
    "touch": L("Touch does not respond or is offset"),
    "sound": L("No sound"),
    "calibration": L("Needs calibrating"),
    # Computers and tablets
    "slow": L("Very slow"),
    "no_network": L("No network"),
    "login": L("Cannot sign in"),
    "battery": L("Battery does not hold"),
    "screen": L("Screen damaged"),
    # Network
    "no_wifi": L("No Wi-Fi in the room"),
    # Printers
    "paper": L("Paper jam"),
    "toner": L("Out of toner or ink"),
    "no_print": L("Does not print"),
    # Any device
    "no_power": L("Does not switch on"),
    "broken": L("Physically broken"),
    "other": L("Something else"),
}
OTHER = "other"  # always offered, last: what the list does not say, described in words
GENERIC = ("no_power", "broken", OTHER)

# The field's defaults for a new category (and what m0028 gave existing ones), by kind.
DISPLAY = ("no_image", "pen", "touch", "sound", "calibration")
COMPUTER = ("slow", "no_network", "login", "battery", "screen")
NETWORK = ("no_network", "no_wifi")
PRINTER = ("paper", "toner", "no_print")
DEFAULTS_BY_CODE = {
    "TNI": DISPLAY, "VPI": DISPLAY, "ENI": DISPLAY, "VP": DISPLAY, "VISU": DISPLAY,
    "PC-PORT": COMPUTER, "PC-FIXE": COMPUTER, "TABLETTE": COMPUTER,
    "SWITCH": NETWORK, "WIFI": NETWORK, "PAREFEU": NETWORK, "NAS": NETWORK,
    "IMPR": PRINTER,
}


def defaults_for(code: str, *, interactive_display: bool = False,
                 network: bool = False) -> list[str]:
    """The symptoms a new category starts with: those of its usual code, else of its kind
    (an interactive display, network gear), then the generic ones."""
    own = DEFAULTS_BY_CODE.get((code or "").upper()) or (
        DISPLAY if interactive_display else NETWORK if network else ())
    return normalise([*own, *GENERIC])


def normalise(codes: Iterable[str]) -> list[str]:
    """Known codes, each once, in the order given, `other` last (always there)."""
    seen: list[str] = []
    for code in codes:
        code = (code or "").strip().lower()
        if code in SYMPTOMS and code != OTHER and code not in seen:
            seen.append(code)
    return [*seen, OTHER]


def unknown(codes: Iterable[str]) -> list[str]:
    return [c for c in codes if c and c.strip().lower() not in SYMPTOMS]


def parse(stored: str | None) -> list[str]:
    """A category's stored list ("no_image,pen,other"); empty: the generic ones."""
    codes = [c for c in (stored or "").split(",") if c.strip()]
    return normalise(codes) if codes else list(GENERIC)


def store(codes: Iterable[str]) -> str:
    return ",".join(normalise(codes))


def offered(stored: str | None) -> dict[str, object]:
    """What the report form offers for a device of a category: {code: label}."""
    return {code: SYMPTOMS[code] for code in parse(stored)}


def all_symptoms() -> Mapping[str, object]:
    """Every symptom (a report on a room, names of stored faults)."""
    return SYMPTOMS
