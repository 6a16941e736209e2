"""Scheduler set-up and the recurring jobs (APScheduler 3, inside `inventory serve`).

Every instance of the service runs its own scheduler. Each run of a job first claims its
(job, period) key in the database; the key is unique, so with several instances sharing one
database each job still runs once per period. Jobs call services; they hold no logic.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from inventory.notifications import outbox, smtp
from inventory.settings import Settings
from inventory.tables import JobRun

log = logging.getLogger("inventory.jobs")
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


async def claim(job: str, period: str, instance: str = INSTANCE) -> bool:
    """True for the one caller that gets to run `job` for `period`."""
    rows = await JobRun.raw(
        "INSERT INTO job_run (key, claimed_at, instance) VALUES ({}, {}, {}) "
        "ON CONFLICT (key) DO NOTHING RETURNING id",
        f"{job}:{period}", dt.datetime.now(dt.UTC), instance).run()
    return bool(rows)


async def run_claimed(job: str, period: str, work, instance: str = INSTANCE) -> bool:
    if not await claim(job, period, instance):
        return False
    try:
        await work()
    except Exception:  # a failing job is logged and retried next period, never fatal
        log.exception("job %s for %s failed", job, period)
    return True


def minute_period(moment: dt.datetime | None = None) -> str:
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M")


def make_scheduler(settings: Settings) -> AsyncIOScheduler:
    config = smtp.parse_smtp_url(settings.smtp_url)

    async def flush_outbox() -> None:
        await run_claimed("outbox", minute_period(), lambda: outbox.flush(config))

    async def maintenance() -> None:
        from inventory.assets.service import today
        from inventory.maintenance.service import create_due_items

        day = today()
        await run_claimed("maintenance", day.isoformat(), lambda: create_due_items(day))

    async def planning() -> None:
        from inventory.assets.service import today
        from inventory.planning.alerts import nightly

        async def _nightly(day):
            from inventory.setup.service import effective

            return await nightly(day, (await effective(settings)).base_url)

        day = today()
        await run_claimed("planning", day.isoformat(),
                          lambda: _nightly(day))

    scheduler = AsyncIOScheduler(timezone="UTC")
    # Daily work is claimed per day; checking hourly (and at start) catches up a night when
    # the service was down.
    scheduler.add_job(maintenance, "interval", hours=1, id="maintenance",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1)
    scheduler.add_job(planning, "interval", hours=1, id="planning",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1)
    # At least once a minute, and once right at start (a night's backlog goes out at once).
    scheduler.add_job(flush_outbox, "interval", seconds=60, id="outbox",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1)
    return scheduler
