"""How sizes are shown. Pure."""

from __future__ import annotations

from inventory.core import i18n


def human_size(size: int | None) -> str:
    """1536 -> '1.5 KB' (en) or '1,5 Ko' (fr)."""
    if size is None:
        return "—"
    french = i18n.get_language() == "fr"
    units = ["o", "Ko", "Mo", "Go", "To"] if french else ["B", "KB", "MB", "GB", "TB"]
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            text = f"{value:.0f}" if unit == units[0] else f"{value:.1f}"
            return f"{text.replace('.', ',') if french else text} {unit}"
        value /= 1024
    return str(size)
