"""Pure rules of an inventory campaign: what a scan means, what closing concludes."""

from __future__ import annotations

FOUND = "found"
ELSEWHERE = "elsewhere"
UNKNOWN = "unknown"
MISSING = "missing"
RESULTS = (FOUND, ELSEWHERE, UNKNOWN, MISSING)


def scan_result(asset: dict | None, campaign_site: int, room_id: int | None) -> str:
    """A tag scanned in `room_id` of the campaign's site: the device is where it should be,
    somewhere else (another room or site: one tap corrects it), or not one of ours."""
    if asset is None:
        return UNKNOWN
    if asset["site"] == campaign_site and (room_id is None or asset["room"] == room_id):
        return FOUND
    return ELSEWHERE


def missing_tags(expected: set[str], checked: set[str]) -> list[str]:
    """At closing: every device expected on the site that nobody scanned."""
    return sorted(expected - checked)
