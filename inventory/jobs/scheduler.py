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

from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from inventory.core import clock
from inventory.core.leases import minute_period, run_claimed
from inventory.core.settings import Settings
from inventory.notifications import outbox, smtp


def make_scheduler(settings: Settings) -> AsyncIOScheduler:
    config = smtp.parse_smtp_url(settings.smtp_url)

    async def flush_outbox() -> None:
        await run_claimed("outbox", minute_period(), lambda: outbox.flush(config))

    async def maintenance() -> None:
        from inventory.maintenance.service import create_due_items

        day = clock.today()
        await run_claimed("maintenance", day.isoformat(), lambda: create_due_items(day))

    async def planning() -> None:
        from inventory.planning.alerts import nightly

        async def _nightly(day):
            from inventory.setup.service import effective

            return await nightly(day, (await effective(settings)).filled_base_url)

        day = clock.today()
        await run_claimed("planning", day.isoformat(),
                          lambda: _nightly(day))

    async def backup() -> None:
        from inventory.backups import service as backups

        await run_claimed("backup", clock.today().isoformat(), lambda: backups.nightly(settings))
        # Every hour: mails the administrators once per incident when backups stopped.
        await run_claimed("backup-watch", minute_period()[:13], lambda: backups.watch(settings))

    async def tally() -> None:
        from inventory.assets import tally

        # Once per ten minutes across instances (the period key is the minute's tens).
        await run_claimed("tally", minute_period()[:15], tally.fold)

    async def loans() -> None:
        from inventory.loans import service as loans

        async def _daily(day):
            from inventory.setup.service import effective

            await loans.remind_overdue(day)
            # The environment's, else the settings page's (24 months unless changed).
            months = (await effective(settings)).people_retention_months
            await loans.anonymise_stale(months or 24)

        day = clock.today()
        await run_claimed("loans", day.isoformat(), lambda: _daily(day))

    # A run that starts late still runs (coalesced into one): APScheduler's default grace of
    # 1 s skipped the start-up runs of the daily jobs for an hour whenever the loop was busy
    # starting (seen on a loaded machine: "missed by 0:00:03", tests/test_two_instances.py).
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"misfire_grace_time": None})

    def every(job: Callable[[], Awaitable[None]], job_id: str, **interval: int) -> None:
        """Run `job` right at start, then at every `interval`; one run at a time, and runs
        missed meanwhile folded into one."""
        scheduler.add_job(job, "interval", **interval, id=job_id, next_run_time=clock.now(),
                          coalesce=True, max_instances=1)

    # Daily work is claimed per day; checking hourly (and at start) catches up a night when
    # the service was down.
    every(maintenance, "maintenance", hours=1)
    every(planning, "planning", hours=1)
    every(loans, "loans", hours=1)
    # The first check of each day makes the day's backup (the claim is per day).
    every(backup, "backup", hours=1)
    # The day's writes to the dashboard's counts, folded in every ten minutes.
    every(tally, "tally", minutes=10)
    # At least once a minute, and once right at start (a night's backlog goes out at once).
    every(flush_outbox, "outbox", seconds=60)
    return scheduler
