"""What a person who sees only some sites (a school director) may read of a fault whose
device spent time elsewhere. Pure.

The fault stays readable where it was reported (it happened in their school), but the
device's life at a site they do not see is not theirs: transitions made while the device was
elsewhere become one line "elsewhere" (no status, actor or note), and when the device is
still elsewhere the fault is shown as it stood when the device left (status, handler,
reason), with no link to the device, no warranty details, and no action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from inventory.faults import workflow
from inventory.faults.rows import FaultRow

ELSEWHERE = "elsewhere"  # the to_status of a timeline line that stands for hidden ones


def _moment(value: Any) -> dt.datetime | None:
    """Timestamps as both engines return them, comparable (naive ones are UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _away(at: Any, stretches: Sequence[tuple[Any, Any]]) -> bool:
    moment = _moment(at)
    if moment is None:
        return False
    for left, back in stretches:
        start, end = _moment(left), _moment(back)
        if start is not None and start < moment and (end is None or moment < end):
            return True
    return False


def timeline_for_scope(events: Sequence[Mapping[str, Any]],
                       stretches: Sequence[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """The fault's events (oldest first) with those made while the device was away replaced
    by one ELSEWHERE line per stretch."""
    shown: list[dict[str, Any]] = []
    for event in events:
        if stretches and _away(event["at"], stretches):
            if not shown or shown[-1]["to_status"] != ELSEWHERE:
                shown.append({**event, "to_status": ELSEWHERE, "from_status": "",
                              "actor": "", "note": "", "at": None})
            continue
        shown.append(dict(event))
    return shown


def departed(stretches: Sequence[tuple[Any, Any]]) -> bool:
    """Whether the device is at a site the person does not see now."""
    return bool(stretches) and stretches[-1][1] is None


def fault_for_scope(fault: FaultRow, events: Sequence[Mapping[str, Any]],
                    stretches: Sequence[tuple[Any, Any]]) -> FaultRow:
    """`fault` as a person reads it when its device is elsewhere now: as it stood when the
    device left, without what would tell about the device's new place."""
    fault = fault.copy()
    if not departed(stretches):
        return fault
    visible = [e for e in timeline_for_scope(events, stretches) if e["to_status"] != ELSEWHERE]
    last = visible[-1] if visible else None
    started = [e for e in visible if e["to_status"] == workflow.IN_PROGRESS]
    fault.update({
        "left_sites": True,
        "status": last["to_status"] if last else workflow.NEW,
        "updated_at": last["at"] if last else fault["created_at"],
        "assigned_to": started[-1]["actor"] if started else "",
        "reject_reason": last["note"] if last and last["to_status"] == workflow.REJECTED else "",
        # Each transition adds one event and one version: the version it had then.
        "version": max(1, fault["version"] - (len(events) - len(visible))),
        "overdue": False, "under_warranty": False, "asset_status": None, "asset_site": None,
        "warranty_end": None, "supplier": None, "order_ref": None,
    })
    return fault
