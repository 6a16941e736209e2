"""Exactly once (issue 15), on both engines: emails through real SMTP servers (aiosmtpd) that
are slow after the data, refuse, or are down; scheduled jobs whose runs die half-way."""

import asyncio
import datetime as dt
import email
import itertools
import socket
import time

from aiosmtpd.controller import Controller

from inventory.core import leases as jobs
from inventory.notifications import outbox, smtp
from tests.helpers import count, execute, query

# Shortened for the tests; the service uses RFC 5321's (minutes).
FAST = smtp.Timeouts(greeting=5, command=5, data_start=5, data_end=0.4)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """A real SMTP server. `delay`: seconds it waits before answering the final "." (the
    message is kept either way, as a relay that delivers and answers late would);
    `refuse_rcpt`: the reply to RCPT."""

    def __init__(self, delay: float = 0.0, refuse_rcpt: str | None = None):
        self.delay = delay
        self.refuse_rcpt = refuse_rcpt
        self.messages: list[email.message.Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"


class running:
    def __init__(self, relay: Relay, port: int):
        self.controller = Controller(relay, hostname="127.0.0.1", port=port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def _config(port: int) -> smtp.SmtpConfig:
    return smtp.SmtpConfig(host="127.0.0.1", port=port, sender="inventaire@brenneville.example",
                           timeouts=FAST)


def _queue(run, to="tech@brenneville.example", subject="Panne : écran noir"):
    run(outbox.queue(to, subject, "Le TNI de la salle 12 ne s'allume plus."))
    return query("SELECT id, message_id FROM outbox ORDER BY id DESC LIMIT 1")[0]


def _row(message_id: int) -> dict:
    return query("SELECT state, attempts, next_attempt, in_data, last_error, sent_at, "
                 "uncertain_since, message_id FROM outbox WHERE id = {}", message_id)[0]


def test_a_slow_relay_gets_each_message_at_most_twice(empty_url, run):
    queued = _queue(run)
    assert queued["message_id"].startswith("<") and queued["message_id"].endswith(">")
    port = _free_port()
    relay = Relay(delay=1.5)  # answers the final "." after the client gave up
    t0 = int(time.time())
    with running(relay, port):
        assert run(outbox.flush(_config(port), now=t0)) == {"sent": 0, "failed": 1}
        row = _row(queued["id"])
        assert row["state"] == "uncertain" and row["attempts"] == 1 and not row["in_data"]
        assert row["uncertain_since"] is not None and row["next_attempt"] == t0 + 3600
        assert len(relay.messages) == 1
        # Not resent at once, nor at the next minutes' flushes.
        for minute in (1, 2, 30, 59):
            assert run(outbox.flush(_config(port), now=t0 + 60 * minute)) == {"sent": 0, "failed": 0}
        assert len(relay.messages) == 1
        # One more try after the hour; still no answer: failed, never tried again.
        assert run(outbox.flush(_config(port), now=t0 + 3600)) == {"sent": 0, "failed": 1}
        assert _row(queued["id"])["state"] == "failed"
        assert len(relay.messages) == 2
        for later in (2, 5, 48):
            assert run(outbox.flush(_config(port), now=t0 + 3600 * later)) == {"sent": 0, "failed": 0}
    assert len(relay.messages) == 2
    assert _row(queued["id"])["attempts"] == 2
    # The same Message-ID on both copies, the one stored when the message was queued.
    assert [m["Message-ID"] for m in relay.messages] == [queued["message_id"]] * 2
    assert relay.messages[0]["Subject"] == relay.messages[1]["Subject"]


def test_an_uncertain_message_answered_in_time_on_its_retry_is_sent(empty_url, run):
    queued = _queue(run)
    port = _free_port()
    relay = Relay(delay=1.5)
    t0 = int(time.time())
    with running(relay, port):
        run(outbox.flush(_config(port), now=t0))
        relay.delay = 0
        assert run(outbox.flush(_config(port), now=t0 + 3600)) == {"sent": 1, "failed": 0}
        assert run(outbox.flush(_config(port), now=t0 + 7200)) == {"sent": 0, "failed": 0}
    row = _row(queued["id"])
    assert row["state"] == "sent" and row["sent_at"] is not None and row["attempts"] == 2
    assert [m["Message-ID"] for m in relay.messages] == [queued["message_id"]] * 2


def test_a_permanent_refusal_fails_after_one_attempt(empty_url, run):
    queued = _queue(run, to="nobody@brenneville.example")
    port = _free_port()
    relay = Relay(refuse_rcpt="550 5.1.1 No such mailbox")
    t0 = int(time.time())
    with running(relay, port):
        assert run(outbox.flush(_config(port), now=t0)) == {"sent": 0, "failed": 1}
        for later in (1, 2, 24):
            assert run(outbox.flush(_config(port), now=t0 + 3600 * later)) == {"sent": 0, "failed": 0}
    row = _row(queued["id"])
    assert row["state"] == "failed" and row["attempts"] == 1 and "550" in row["last_error"]
    assert relay.messages == []


def test_a_temporary_refusal_is_retried_with_the_same_message_id(empty_url, run):
    queued = _queue(run)
    port = _free_port()
    relay = Relay(refuse_rcpt="451 4.3.0 Try again later")
    t0 = int(time.time())
    with running(relay, port):
        assert run(outbox.flush(_config(port), now=t0)) == {"sent": 0, "failed": 1}
        assert _row(queued["id"])["state"] == "pending"
        relay.refuse_rcpt = None
        assert run(outbox.flush(_config(port), now=t0 + 60)) == {"sent": 1, "failed": 0}
    assert [m["Message-ID"] for m in relay.messages] == [queued["message_id"]]
    assert _row(queued["id"])["attempts"] == 2


def test_a_relay_that_stays_down_ends_in_failed_shown_to_administrators(empty_client, run):
    queued = _queue(run)
    config = _config(_free_port())  # nothing listens there
    t0 = int(time.time())
    now = t0
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert run(outbox.flush(config, now=now)) == {"sent": 0, "failed": 1}, attempt
        now += outbox.retry_delay(attempt)
    row = _row(queued["id"])
    assert row["state"] == "failed" and row["attempts"] == outbox.MAX_ATTEMPTS
    assert run(outbox.flush(config, now=now + 86400)) == {"sent": 0, "failed": 0}
    assert _row(queued["id"])["attempts"] == outbox.MAX_ATTEMPTS  # bounded: never again

    health = empty_client.get("/healthz").json()
    assert health["outbox_failed"] == 1
    page = empty_client.get("/admin/outbox")
    assert page.status_code == 200
    assert f'id="message-{queued["id"]}"' in page.text
    assert "Panne : écran noir" in page.text and "tech@brenneville.example" in page.text
    assert f'action="/admin/outbox/{queued["id"]}/retry"' in page.text
    assert 'href="/admin/outbox"' in empty_client.get("/").text

    retried = empty_client.post(f"/admin/outbox/{queued['id']}/retry", follow_redirects=False)
    assert retried.status_code == 303 and retried.headers["location"] == "/admin/outbox?retried=1"
    row = _row(queued["id"])
    assert row["state"] == "pending" and row["attempts"] == 0
    assert row["message_id"] == queued["message_id"]
    assert empty_client.get("/healthz").json()["outbox_failed"] == 0
    assert count("audit_record", "entity = 'outbox' AND action = 'retry'") == 1
    again = empty_client.post(f"/admin/outbox/{queued['id']}/retry", follow_redirects=False)
    assert again.headers["location"] == "/admin/outbox?gone=1"  # not failed any more
    port = _free_port()
    relay = Relay()
    with running(relay, port):
        assert run(outbox.flush(_config(port), now=now + 86400)) == {"sent": 1, "failed": 0}
    assert [m["Message-ID"] for m in relay.messages] == [queued["message_id"]]


def test_uncertain_messages_are_listed_without_a_retry_button(empty_client, run):
    queued = _queue(run)
    execute("UPDATE outbox SET state = 'uncertain', attempts = 1, next_attempt = {} "
            "WHERE id = {}", int(time.time()) + 3600, queued["id"])
    page = empty_client.get("/admin/outbox").text
    assert f'id="message-{queued["id"]}"' in page
    assert f'/admin/outbox/{queued["id"]}/retry' not in page
    assert empty_client.get("/healthz").json()["outbox_failed"] == 0


def test_a_send_that_died_during_the_data_is_not_resent_at_once(empty_url, run):
    """The process was killed while the relay held the data: the next flush finds the mark
    and treats it as an attempt without a reply (uncertain), sending nothing now."""
    queued = _queue(run)
    execute("UPDATE outbox SET in_data = {}, attempts = 1 WHERE id = {}", True, queued["id"])
    port = _free_port()
    relay = Relay()
    t0 = int(time.time())
    with running(relay, port):
        assert run(outbox.flush(_config(port), now=t0)) == {"sent": 0, "failed": 1}
        row = _row(queued["id"])
        assert row["state"] == "uncertain" and row["attempts"] == 1 and not row["in_data"]
        assert relay.messages == []
        assert run(outbox.flush(_config(port), now=t0 + 3600)) == {"sent": 1, "failed": 0}
    assert len(relay.messages) == 1 and _row(queued["id"])["attempts"] == 2


def test_two_instances_flushing_at_once_send_each_message_once(empty_url, run):
    for n in range(6):
        _queue(run, subject=f"Message {n}")
    port = _free_port()
    relay = Relay()
    with running(relay, port):
        async def both():
            return await asyncio.gather(outbox.flush(_config(port)), outbox.flush(_config(port)))

        first, second = run(both())
    assert first["sent"] + second["sent"] == 6
    assert sorted(m["Subject"] for m in relay.messages) == [f"Message {n}" for n in range(6)]


# Scheduled jobs: leases.

def _job(name):
    return query("SELECT instance, lease_until, done_at, attempts, last_error FROM job_run "
                 "WHERE key = {}", name)[0]


def test_an_abandoned_claim_is_taken_again_after_its_lease(empty_url, run):
    t0 = time.time()
    assert run(jobs.claim("maintenance", "2026-12-01", "crashed", lease_seconds=900, now=t0))
    # The run died (kill -9): no "done". Until the lease ends, no one else takes it...
    assert not run(jobs.claim("maintenance", "2026-12-01", "other", lease_seconds=900,
                              now=t0 + 899))
    # ...then the next check, on any instance, does.
    assert run(jobs.claim("maintenance", "2026-12-01", "other", lease_seconds=900, now=t0 + 900))
    row = _job("maintenance:2026-12-01")
    assert row["instance"] == "other" and row["attempts"] == 2 and row["done_at"] is None
    run(jobs.finish("maintenance", "2026-12-01", "other"))
    assert not run(jobs.claim("maintenance", "2026-12-01", "third", now=t0 + 10 ** 6))
    assert _job("maintenance:2026-12-01")["done_at"] is not None


def test_a_done_period_never_runs_again(empty_url, run):
    ran = []

    async def work():
        ran.append(1)

    assert run(jobs.run_claimed("planning", "2026-12-01", work, instance="a"))
    assert not run(jobs.run_claimed("planning", "2026-12-01", work, instance="b"))
    assert not run(jobs.claim("planning", "2026-12-01", "c", now=time.time() + 10 ** 7))
    assert ran == [1] and _job("planning:2026-12-01")["done_at"] is not None


def test_a_failed_run_is_released_and_retried(empty_url, run):
    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")

    assert run(jobs.run_claimed("maintenance", "2026-12-02", flaky, instance="a"))
    row = _job("maintenance:2026-12-02")
    assert row["done_at"] is None and "disk full" in row["last_error"]
    assert run(jobs.run_claimed("maintenance", "2026-12-02", flaky, instance="b"))
    assert not run(jobs.run_claimed("maintenance", "2026-12-02", flaky, instance="c"))
    assert len(calls) == 2 and _job("maintenance:2026-12-02")["done_at"] is not None


def test_a_long_job_keeps_its_lease(empty_url, run):
    async def scenario():
        async def slow():
            await asyncio.sleep(3.5)

        async def intruder():
            await asyncio.sleep(2.5)  # past the first lease of 2 s, within the renewed one
            return await jobs.claim("backup", "2026-12-01", "b", lease_seconds=2)

        return await asyncio.gather(
            jobs.run_claimed("backup", "2026-12-01", slow, instance="a", lease_seconds=2),
            intruder())

    assert run(scenario()) == [True, False]
    assert _job("backup:2026-12-01")["done_at"] is not None


def test_two_instances_racing_for_a_period_one_runs(empty_url, run):
    ran = []

    async def race():
        async def work_of(name):
            ran.append(name)
            await asyncio.sleep(0.05)

        results = []
        for n in range(5):
            period = f"2026-12-01T10:0{n}"
            # Both race on a lease that expired without "done", as after a crash.
            if n % 2:
                await jobs.claim("outbox", period, "dead", lease_seconds=1, now=time.time() - 10)
            results.append(await asyncio.gather(
                *(jobs.run_claimed("outbox", period, lambda i=i: work_of(i), instance=i)
                  for i in ("a", "b", "c"))))
        return results

    results = run(race())
    assert all(sum(r) == 1 for r in results), results
    assert len(ran) == 5
    assert count("job_run", "done_at IS NOT NULL") == 5


def test_a_retried_maintenance_run_after_partial_work_adds_nothing_twice(empty_url, make, run):
    from inventory.maintenance.service import create_due_items

    day = dt.date.today()
    projectors = make.category(code="VP")
    make.assets(3, category=projectors)
    make.maintenance_task(projectors, interval_days=90,
                          starts_on=(day - dt.timedelta(days=100)).isoformat())

    async def dies_after_the_work():
        await create_due_items(day)
        raise RuntimeError("killed before the run was marked done")

    assert run(jobs.run_claimed("maintenance", day.isoformat(), dies_after_the_work, "a"))
    items = count("maintenance_item")
    assert items == 3 and _job(f"maintenance:{day.isoformat()}")["done_at"] is None
    assert run(jobs.run_claimed("maintenance", day.isoformat(),
                                lambda: create_due_items(day), "b"))
    assert count("maintenance_item") == items
    assert _job(f"maintenance:{day.isoformat()}")["done_at"] is not None


def test_a_retried_planning_run_tells_no_one_twice(empty_url, make, run):
    from inventory.planning import alerts

    day = dt.date(dt.date.today().year, 11, 22)
    # Two laptops reach their end of life next year, and a plan's cap holds one of them.
    laptops = make.category(code="PC-PORT", lifespan_years=5, replacement_cost_cents=80_000)
    make.assets(2, category=laptops, purchase_date=f"{day.year - 4}-03-01")
    make.plan(first_year=day.year + 1, years=3, cap="800")
    planners = [make.account("planner") for _ in range(2)]

    async def dies_after_the_work():
        await alerts.nightly(day, "https://inventaire.example")
        raise RuntimeError("killed before the run was marked done")

    run(jobs.run_claimed("planning", day.isoformat(), dies_after_the_work, "a"))
    told, mails = count("plan_alert"), count("outbox")
    assert (told, mails) == (2, 4)  # over the cap and end of life, to each planner
    assert {m["to_address"] for m in query("SELECT to_address FROM outbox")} == {
        p["email"] for p in planners}
    assert run(jobs.run_claimed("planning", day.isoformat(),
                                lambda: alerts.nightly(day, "https://inventaire.example"), "b"))
    assert (count("plan_alert"), count("outbox")) == (told, mails)


def test_m0023_keeps_sent_messages_sent_and_old_claims_done(engine_kind, tmp_path, request, run):
    """Migrating a database that has sent and waiting messages, and claims from before
    leases: the sent stay sent (never resent), the waiting get their Message-ID and go out,
    and the old claims stay done (they were never retried before either)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from inventory.core import db, migrations
    from inventory.core.piccolo_migrations import m0023_exactly_once

    if engine_kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'before-m0023.db'}"
    else:
        name = f"before_m0023_{next(_databases)}_{int(time.time())}"
        url = request.getfixturevalue("pg_server").create_database(name)
    db.configure(url)
    earlier = max(i for i in migrations.known_migration_ids() if i < m0023_exactly_once.ID)
    assert run(run_forwards("inventory", migration_id=earlier)).success
    then = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    for subject, sent_at in (("already sent", then), ("waiting", None)):
        execute("INSERT INTO outbox (to_address, subject, body, created_at, attempts, "
                "next_attempt, sent_at, last_error) VALUES ('tech@brenneville.example', {}, "
                "'body', {}, 1, 0, {}, '')", subject, then, sent_at)
    execute("INSERT INTO job_run (key, claimed_at, instance) VALUES ('maintenance:2026-11-30', "
            "{}, 'old')", then)
    run(migrations.migrate())
    assert {r["subject"]: r["state"] for r in query("SELECT subject, state FROM outbox")} == {
        "already sent": "sent", "waiting": "pending"}
    assert not run(jobs.claim("maintenance", "2026-11-30", "new"))
    port = _free_port()
    relay = Relay()
    with running(relay, port):
        assert run(outbox.flush(_config(port))) == {"sent": 1, "failed": 0}
    assert [m["Subject"] for m in relay.messages] == ["waiting"]
    stored = query("SELECT message_id FROM outbox WHERE subject = 'waiting'")[0]["message_id"]
    assert relay.messages[0]["Message-ID"] == stored and stored.startswith("<")


_databases = itertools.count()


def test_a_claim_without_a_lease_is_done_at_once(empty_url, run):
    """The once-only mark (a claim written in the transaction of its work) never expires."""
    assert run(jobs.claim("backup-alert", "never", "a"))
    assert _job("backup-alert:never")["done_at"] is not None
    assert not run(jobs.claim("backup-alert", "never", "b", now=time.time() + 10 ** 7))


def test_an_administrator_retries_all_failed_emails_at_once(empty_client, run):
    """E.g. after correcting the mail server's password (535: every message failed at once)."""
    ids = [_queue(run, subject=f"Message {n}")["id"] for n in range(3)]
    execute("UPDATE outbox SET state = 'failed', attempts = 1, last_error = '535 bad login' "
            "WHERE id IN ({}, {})", ids[0], ids[1])
    page = empty_client.get("/admin/outbox").text
    assert 'action="/admin/outbox/retry-all"' in page
    done = empty_client.post("/admin/outbox/retry-all", follow_redirects=False)
    assert done.headers["location"] == "/admin/outbox?retried=2"
    assert [_row(i)["state"] for i in ids] == ["pending"] * 3
    assert count("audit_record", "entity = 'outbox' AND action = 'retry'") == 2
    again = empty_client.post("/admin/outbox/retry-all", follow_redirects=False)
    assert again.headers["location"] == "/admin/outbox?gone=1"
    assert "No failed email." in empty_client.get("/admin/outbox").text
