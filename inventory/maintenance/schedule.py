"""When preventive work falls due. Pure: dates in, dates out."""

from __future__ import annotations

import datetime as dt

LOOK_AHEAD_DAYS = 7  # items appear a week before they are due: "due this week"


def next_due(last_done: dt.date | None, start: dt.date | None, interval_days: int,
             today: dt.date) -> dt.date:
    """After the last time it was done; for a task never done, one interval after the
    device entered service (or today, when that is unknown)."""
    anchor = last_done or start or today
    return anchor + dt.timedelta(days=interval_days)


def should_create(due: dt.date, today: dt.date, has_open_item: bool) -> bool:
    return not has_open_item and due <= today + dt.timedelta(days=LOOK_AHEAD_DAYS)


def item_key(task_id: int, asset_id: int, due: dt.date) -> str:
    return f"{task_id}:{asset_id}:{due.isoformat()}"
