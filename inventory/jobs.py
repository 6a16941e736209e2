"""Scheduler set-up and the recurring jobs (APScheduler 3, inside `inventory serve`).

Every instance of the service runs its own scheduler. Each run of a job first claims its
(job, period) key in the database; the key is unique, so with several instances sharing one
database each job still runs once per period. A claim is a lease: it expires after
`lease_seconds` (renewed while the job runs), and the run marks it done when the work is
finished. A run that died (kill -9, an exception) leaves an expired lease without "done":
the next check, on any instance, takes it again; a done period never runs again. So the jobs
must be idempotent (they are: each creates what is missing, keyed). Jobs call services;
they hold no logic.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import time

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from inventory.notifications import outbox, smtp
from inventory.settings import Settings
from inventory.tables import JobRun

log = logging.getLogger("inventory.jobs")
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
LEASE_SECONDS = 15 * 60


def _key(job: str, period: str) -> str:
    return f"{job}:{period}"


def _now(now: float | None) -> int:
    return int(time.time() if now is None else now)


async def claim(job: str, period: str, instance: str = INSTANCE,
                lease_seconds: int | None = None, now: float | None = None) -> bool:
    """True for the one caller that gets to run `job` for `period`: the first, or the first
    after an earlier run's lease expired without the period being done. One statement, so
    two instances racing get one winner on both engines.

    With `lease_seconds` (as run_claimed does) the claim is a lease: the caller must call
    finish() when the work is done. Without it the period is marked done at once: for a
    claim written in the same transaction as its work (a once-only mark), which a rollback
    undoes together with the work."""
    moment = _now(now)
    moment_at = dt.datetime.fromtimestamp(moment, dt.UTC)
    rows = await JobRun.raw(
        "INSERT INTO job_run (key, claimed_at, instance, lease_until, done_at, attempts, "
        "last_error) VALUES ({}, {}, {}, {}, {}, 1, '') "
        "ON CONFLICT (key) DO UPDATE SET claimed_at = excluded.claimed_at, "
        "instance = excluded.instance, lease_until = excluded.lease_until, "
        "done_at = excluded.done_at, attempts = job_run.attempts + 1 "
        "WHERE job_run.done_at IS NULL AND job_run.lease_until <= {} RETURNING id",
        _key(job, period), moment_at, instance, moment + (lease_seconds or 0),
        None if lease_seconds else moment_at, moment).run()
    return bool(rows)


async def renew(job: str, period: str, instance: str = INSTANCE,
                lease_seconds: int = LEASE_SECONDS, now: float | None = None) -> bool:
    """Extend our lease; False when it is no longer ours (it expired and someone took it)."""
    rows = await JobRun.update({JobRun.lease_until: _now(now) + lease_seconds}).where(
        (JobRun.key == _key(job, period)) & (JobRun.instance == instance)
        & JobRun.done_at.is_null()).returning(JobRun.id).run()
    return bool(rows)


async def finish(job: str, period: str, instance: str = INSTANCE) -> None:
    """Mark the period done: it is never run again."""
    await JobRun.update({JobRun.done_at: dt.datetime.now(dt.UTC)}).where(
        (JobRun.key == _key(job, period)) & (JobRun.instance == instance)).run()


async def release(job: str, period: str, error: str, instance: str = INSTANCE) -> None:
    """The run failed: end the lease now, so the next check (any instance) tries again."""
    await JobRun.update({JobRun.lease_until: 0, JobRun.last_error: error[:500]}).where(
        (JobRun.key == _key(job, period)) & (JobRun.instance == instance)
        & JobRun.done_at.is_null()).run()


async def run_claimed(job: str, period: str, work, instance: str = INSTANCE,
                      lease_seconds: int = LEASE_SECONDS) -> bool:
    """Claim, run `work()` while renewing the lease, then mark done. True when this caller
    ran it (even if the work failed: it is then released and retried at the next check)."""
    if not await claim(job, period, instance, lease_seconds):
        return False

    async def keep_alive() -> None:
        while True:
            await asyncio.sleep(max(1.0, lease_seconds / 3))
            with contextlib.suppress(Exception):  # a missed renewal is retried next time
                if not await renew(job, period, instance, lease_seconds):
                    log.warning("job %s for %s lost its lease", job, period)
                    return

    renewer = asyncio.create_task(keep_alive())
    try:
        await work()
    except Exception as error:  # a failing job is logged and retried, never fatal
        log.exception("job %s for %s failed", job, period)
        renewer.cancel()
        with contextlib.suppress(Exception):
            await release(job, period, f"{type(error).__name__}: {error}", instance)
        return True
    finally:
        renewer.cancel()
    await finish(job, period, instance)
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

    async def backup() -> None:
        from inventory.assets.service import today
        from inventory.backups import service as backups

        await run_claimed("backup", today().isoformat(), lambda: backups.nightly(settings))
        # Every hour: mails the administrators once per incident when backups stopped.
        await run_claimed("backup-watch", minute_period()[:13], lambda: backups.watch(settings))

    scheduler = AsyncIOScheduler(timezone="UTC")
    # Daily work is claimed per day; checking hourly (and at start) catches up a night when
    # the service was down.
    scheduler.add_job(maintenance, "interval", hours=1, id="maintenance",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1)
    scheduler.add_job(planning, "interval", hours=1, id="planning",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1)
    # The first check of each day makes the day's backup (the claim is per day).
    scheduler.add_job(backup, "interval", hours=1, id="backup",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1)
    # At least once a minute, and once right at start (a night's backlog goes out at once).
    scheduler.add_job(flush_outbox, "interval", seconds=60, id="outbox",
                      next_run_time=dt.datetime.now(dt.UTC), coalesce=True, max_instances=1)
    return scheduler
