"""Values shown to people: dates in Paris time, euros, percentages, decimals, in the
current language (pure: no DB, no HTTP)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from inventory.core import i18n


def format_bp(bp: int | None) -> str:
    """Hundredths of a percent as French text: 250 -> '+2,5 %'."""
    if not bp:
        return "0 %"
    sign = "+" if bp > 0 else "−"
    whole, rest = divmod(abs(bp), 100)
    text = f"{whole},{rest:02d}".rstrip("0").rstrip(",")
    return f"{sign}{text}\u00a0%"


def bp_to_input(bp: int | None) -> str:
    if not bp:
        return "0"
    return format_bp(bp).replace("\u00a0%", "").replace("+", "").replace("−", "-")


def format_cents(amount: int | None) -> str:
    """Cents as French euros: 123450 -> '1 234,50 €'."""
    if amount is None:
        return ""
    euros, rest = divmod(amount, 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{grouped},{rest:02d}\u00a0€"


def cents_to_input(amount: int | None) -> str:
    """Cents as the value of a form field: 123450 -> '1234,50'."""
    if amount is None:
        return ""
    euros, rest = divmod(amount, 100)
    return f"{euros},{rest:02d}"


PARIS = ZoneInfo("Europe/Paris")


def format_date(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if i18n.get_language() == "fr":
        return value.strftime("%d/%m/%Y")
    return value.isoformat()


def format_datetime(value: dt.datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(PARIS)
    if i18n.get_language() == "fr":
        return local.strftime("%d/%m/%Y %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def format_decimal(value: float | None) -> str:
    """One decimal, with a comma in French: 3.25 -> '3,2' (fr) or '3.2' (en)."""
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return text.replace(".", ",") if i18n.get_language() == "fr" else text


def format_mm(value: float | None) -> str:
    """Millimetres to the hundredth, at least one decimal, comma in French: 0.0 -> '0,0',
    -1.25 -> '-1,25'."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    text = "0.0" if text in ("-0.0", "0.0") else text
    return text.replace(".", ",") if i18n.get_language() == "fr" else text


def format_unix(seconds: int | None) -> str:
    """Unix seconds (sessions, tokens) as a local date and time."""
    if not seconds:
        return ""
    return format_datetime(dt.datetime.fromtimestamp(seconds, dt.UTC))

