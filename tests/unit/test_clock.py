"""The one clock: a frozen moment is what every today/now of the service reads."""

import datetime as dt

from inventory.core import clock


def test_frozen_moment_is_seen_by_now_today_and_seconds():
    moment = dt.datetime(2031, 9, 1, 7, 30, tzinfo=dt.UTC)
    with clock.frozen(moment):
        assert clock.now() == moment
        assert clock.seconds() == int(moment.timestamp())
        assert clock.today() == moment.astimezone().date()
    assert clock.now().year < 2031
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


def test_naive_moment_is_taken_as_utc_and_nesting_restores_the_outer_one():
    outer = dt.datetime(2030, 1, 1, 12, 0)
    inner = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
    with clock.frozen(outer):
        assert clock.now().tzinfo is dt.UTC
        with clock.frozen(inner):
            assert clock.now() == inner
        assert clock.now() == outer.replace(tzinfo=dt.UTC)


def test_no_module_reads_the_system_clock_but_the_clock():
    import re
    from pathlib import Path

    package = Path(clock.__file__).parents[1]
    direct = re.compile(r"date\.today\(\)|datetime\.now\(|datetime\.utcnow\(|time\.time\(\)")
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "clock.py" and "piccolo_migrations" not in path.parts
                 and direct.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
