"""Which backup archives the nightly job keeps. Pure."""

from __future__ import annotations

import datetime as dt
import re

ARCHIVE_PREFIX = "inventory-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
_NAME = re.compile(r"^inventory-backup-(\d{8}T\d{6})Z(?:-\d+)?\.tar\.gz$")


def archive_name(moment: dt.datetime) -> str:
    return f"{ARCHIVE_PREFIX}{moment.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z{ARCHIVE_SUFFIX}"


def archive_time(name: str) -> dt.datetime | None:
    """The UTC time written in an archive's name; None for any other file."""
    match = _NAME.match(name)
    if not match:
        return None
    return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)


def to_keep(names: list[str], keep_daily: int, keep_monthly: int) -> set[str]:
    """The newest archive of each of the `keep_daily` most recent days that have one, and
    the newest of each of the `keep_monthly` most recent months that have one. Files that
    are not archives of this service are always kept (never ours to delete)."""
    dated = sorted(((t, n) for n in names if (t := archive_time(n)) is not None), reverse=True)
    keep = {n for n in names if archive_time(n) is None}
    days: list[dt.date] = []
    months: list[tuple[int, int]] = []
    for moment, name in dated:  # newest first: the first seen of a day or month is kept
        day, month = moment.date(), (moment.year, moment.month)
        if day not in days:
            days.append(day)
            if len(days) <= keep_daily:
                keep.add(name)
        if month not in months:
            months.append(month)
            if len(months) <= keep_monthly:
                keep.add(name)
    return keep


def overdue(last_ok: dt.datetime | None, since: dt.datetime | None, now: dt.datetime,
            hours: int = 36) -> bool:
    """True when no backup succeeded for more than `hours`: the last success is older, or
    there was none and the service has been installed (`since`) for longer than that."""
    reference = last_ok or since
    if reference is None:
        return False
    return now - reference > dt.timedelta(hours=hours)
