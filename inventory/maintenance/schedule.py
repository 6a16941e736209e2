"""When preventive work falls due. Pure: dates in, dates out."""

from __future__ import annotations

import datetime as dt

LOOK_AHEAD_DAYS = 7  # items appear a week before they are due: "due this week"


def next_due(last_done: dt.date | None, start: dt.date | None, interval_days: int,
             today: dt.date, task_start: dt.date | None = None) -> dt.date:
    """After the last time it was done; for a task never done on this device, one interval
    after the later of the day the task starts counting (its creation, or the day chosen)
    and the day the device entered service: a new task on old devices does not make them
    all late since they were bought. Today when neither is known."""
    anchor = last_done or max((d for d in (task_start, start) if d), default=None) or today
    return anchor + dt.timedelta(days=interval_days)


def late(due: dt.date, today: dt.date) -> bool:
    return due < today


def should_create(due: dt.date, today: dt.date, has_open_item: bool) -> bool:
    return not has_open_item and due <= today + dt.timedelta(days=LOOK_AHEAD_DAYS)


def item_key(task_id: int, asset_id: int, due: dt.date) -> str:
    return f"{task_id}:{asset_id}:{due.isoformat()}"
