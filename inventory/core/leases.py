"""Leases on (job, period) keys in the database, so each recurring job runs once per period
across instances, and again if a run died before marking it done."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable

from inventory.core import clock
from inventory.core.tables import JobRun

log = logging.getLogger("inventory.jobs")


INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


LEASE_SECONDS = 15 * 60


def _key(job: str, period: str) -> str:
    return f"{job}:{period}"


def _now(now: float | None) -> int:
    return clock.seconds() if now is None else int(now)


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
    await JobRun.update({JobRun.done_at: clock.now()}).where(
        (JobRun.key == _key(job, period)) & (JobRun.instance == instance)).run()


async def release(job: str, period: str, error: str, instance: str = INSTANCE) -> None:
    """The run failed: end the lease now, so the next check (any instance) tries again."""
    await JobRun.update({JobRun.lease_until: 0, JobRun.last_error: error[:500]}).where(
        (JobRun.key == _key(job, period)) & (JobRun.instance == instance)
        & JobRun.done_at.is_null()).run()


async def run_claimed(job: str, period: str, work: Callable[[], Awaitable[object]],
                      instance: str = INSTANCE,
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
    moment = moment or clock.now()
    return moment.strftime("%Y-%m-%dT%H:%M")

