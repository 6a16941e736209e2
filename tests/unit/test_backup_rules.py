"""Backups: retention, the 36-hour rule and the manifest checks (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.backups import manifest as mf
from inventory.backups.retention import archive_name, archive_time, overdue, to_keep

UTC = dt.UTC


def names_at(*moments: str) -> list[str]:
    return [archive_name(dt.datetime.fromisoformat(m).replace(tzinfo=UTC)) for m in moments]


def test_archive_names_carry_their_utc_time():
    moment = dt.datetime(2026, 3, 4, 1, 2, 3, tzinfo=UTC)
    assert archive_name(moment) == "inventory-backup-20260304T010203Z.tar.gz"
    assert archive_time(archive_name(moment)) == moment
    assert archive_time("inventory-backup-20260304T010203Z-1.tar.gz") == moment
    assert archive_time("notes.txt") is None


def test_keeps_the_newest_of_each_of_the_last_days():
    names = names_at(*(f"2026-03-{d:02d}T01:00:00" for d in range(1, 11)))
    kept = to_keep(names, keep_daily=3, keep_monthly=0)
    assert kept == set(names[-3:])


def test_two_archives_in_one_day_count_as_one_day_and_the_newest_is_kept():
    names = names_at("2026-03-10T01:00:00", "2026-03-10T15:00:00", "2026-03-09T01:00:00",
                     "2026-03-08T01:00:00")
    kept = to_keep(names, keep_daily=2, keep_monthly=0)
    assert kept == {names[1], names[2]}


def test_keeps_the_newest_of_each_of_the_last_months_besides_the_days():
    days = [f"2026-{m:02d}-{d:02d}T01:00:00" for m in (1, 2, 3) for d in (1, 15, 28)]
    names = names_at(*days)
    kept = to_keep(names, keep_daily=2, keep_monthly=2)
    # Days: 28 and 15 March; months: March (its newest, 28 March) and February (28 Feb).
    assert kept == set(names_at("2026-03-28T01:00:00", "2026-03-15T01:00:00",
                                "2026-02-28T01:00:00"))


def test_other_files_are_never_deleted_and_nothing_is_kept_with_zero():
    names = [*names_at("2026-03-10T01:00:00"), "README.txt"]
    assert to_keep(names, 0, 0) == {"README.txt"}


def test_default_retention_over_a_year_of_nightly_backups():
    start = dt.datetime(2026, 1, 1, 1, tzinfo=UTC)
    names = [archive_name(start + dt.timedelta(days=i)) for i in range(400)]
    kept = to_keep(names, keep_daily=7, keep_monthly=12)
    times = sorted(archive_time(n) for n in kept)
    # The last 7 days run 29 January - 4 February 2027: February's newest (the 4th) and
    # January's (the 31st) are among them, so 7 + 12 - 2 archives.
    assert len(kept) == 17
    assert times[-7:] == [archive_time(n) for n in names[-7:]]
    assert times[0] == dt.datetime(2026, 3, 31, 1, tzinfo=UTC)  # the 12th month back


def test_overdue_after_36_hours_without_a_success():
    now = dt.datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert not overdue(now - dt.timedelta(hours=35), None, now)
    assert overdue(now - dt.timedelta(hours=37), None, now)
    # Never a backup: counted from the installation.
    assert not overdue(None, now - dt.timedelta(hours=2), now)
    assert overdue(None, now - dt.timedelta(hours=40), now)
    assert not overdue(None, None, now)


def _manifest(**members):
    return mf.build(engine="sqlite", app_version="1", migrations=["b", "a"], counts={"t": 2},
                    members={"database.sqlite3": {"sha256": "x"}, **members},
                    created_at=dt.datetime(2026, 1, 1, tzinfo=UTC))


def test_manifest_records_level_and_members():
    manifest = _manifest()
    assert manifest["migration"] == "b" and manifest["migrations"] == ["a", "b"]
    mf.check_structure(manifest)
    assert mf.check_members(manifest, {"database.sqlite3": "x"}) == []


def test_member_checks_name_corruption_missing_and_extra():
    manifest = _manifest(**{"files/photos/a.jpg": {"sha256": "y"}})
    problems = mf.check_members(manifest, {"database.sqlite3": "z", "files/b.jpg": "q"})
    assert problems == ["database.sqlite3: checksum mismatch (the archive is corrupted)",
                        "files/photos/a.jpg: missing from the archive",
                        "files/b.jpg: not listed in the manifest"]


def test_count_check():
    assert mf.check_counts({"a": 1, "b": 2}, {"a": 1, "b": 2, "c": 0}) == []
    assert mf.check_counts({"a": 1, "b": 2}, {"a": 0}) == [
        "a: 0 rows restored, 1 expected", "b: no table rows restored, 2 expected"]


def test_engine_and_level_checks():
    manifest = _manifest()
    with pytest.raises(mf.ArchiveProblem, match="across engines is not supported"):
        mf.check_engine(manifest, "postgres")
    assert mf.check_level(manifest, ("a", "b", "c")) == ["c"]
    with pytest.raises(mf.ArchiveProblem, match="newer version"):
        mf.check_level(manifest, ("a",))


@pytest.mark.parametrize("name, safe", [
    ("files/photos/a.jpg", True), ("manifest.json", True), ("/etc/passwd", False),
    ("files/../../x", False), ("..", False), ("a\\b", False), ("files//a", False),
])
def test_member_names_stay_inside_the_restore_folder(name, safe):
    assert mf.safe_member_name(name) is safe


def test_not_a_manifest():
    with pytest.raises(mf.ArchiveProblem, match="not a backup archive"):
        mf.check_structure({"format": 99})
