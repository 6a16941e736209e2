"""Emails through the outbox to a real SMTP server (aiosmtpd), and job runs claimed once."""

import asyncio
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from inventory.core import leases as jobs
from inventory.notifications import outbox, smtp
from tests.helpers import count, execute, query


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def school(make):
    """A school with a device in service, its director, and the technician who covers it."""
    site = make.site(name="Groupe scolaire Jules-Ferry")
    return {"site": site, "tag": make.asset(site=site)["tag"],
            "director": make.account("director", sites=[site]),
            "technician": make.account("technician")}


def _report(client, make, school, language_of_tech: str):
    execute("UPDATE app_user SET language = {} WHERE email = {}", language_of_tech,
            school["technician"]["email"])
    make.sign_in(client, school["director"])
    response = client.post("/faults/new", data={"asset": school["tag"], "symptom": "no_power",
                                                 "teaching_blocked": "on"},
                           follow_redirects=False)
    assert response.status_code == 303
    return int(response.headers["location"].split("/")[2].split("?")[0])


def test_new_fault_email_survives_a_mail_server_that_is_down(empty_client, make, school, run):
    technician = school["technician"]["email"]
    fault_id = _report(empty_client, make, school, "en")
    queued = query("SELECT to_address, subject FROM outbox")
    assert [q["to_address"] for q in queued] == [technician]
    assert queued[0]["subject"].startswith("New fault at Groupe scolaire Jules-Ferry")

    port = _free_port()
    config = smtp.SmtpConfig(host="127.0.0.1", port=port)
    down = run(outbox.flush(config))  # nothing listens on that port yet
    assert down == {"sent": 0, "failed": 1}
    row = query("SELECT attempts, sent_at, last_error FROM outbox")[0]
    assert row["attempts"] == 1 and row["sent_at"] is None and row["last_error"]

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        early = run(outbox.flush(config))  # the retry is not due yet
        assert early == {"sent": 0, "failed": 0}
        later = run(outbox.flush(config, now=int(time.time()) + outbox.retry_delay(1) + 1))
        assert later == {"sent": 1, "failed": 0}
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    recipients, content = inbox.messages[0]
    assert recipients == [technician]
    assert "Teaching is blocked." in content and f"/faults/{fault_id}" in content
    assert "text/plain" in content
    assert count("outbox", "sent_at IS NULL") == 0


def test_emails_are_in_the_recipients_language(empty_client, make, school):
    fault_id = _report(empty_client, make, school, "fr")
    subject = query("SELECT subject FROM outbox")[0]["subject"]
    assert subject.startswith("Nouvelle panne")
    tech = empty_client
    make.sign_in(tech, school["technician"])
    assert tech.post(f"/faults/{fault_id}/acknowledge", follow_redirects=False).status_code == 303
    to_director = query("SELECT subject, body FROM outbox WHERE to_address = {}",
                        school["director"]["email"])
    assert len(to_director) == 1
    assert to_director[0]["subject"].startswith("Votre signalement")  # directors default to French


def test_taking_a_new_fault_tells_the_reporter_it_is_acknowledged(empty_client, make, school):
    fault_id = _report(empty_client, make, school, "en")
    tech = empty_client
    make.sign_in(tech, school["technician"])
    assert tech.post(f"/faults/{fault_id}/start", follow_redirects=False).status_code == 303
    subjects = [r["subject"] for r in query(
        "SELECT subject FROM outbox WHERE to_address = {}", school["director"]["email"])]
    assert subjects == ["Votre signalement : Prise en compte"]


def test_queue_filters_by_category(empty_client, make, school):
    fault_id = _report(empty_client, make, school, "en")
    code = query("SELECT category.code FROM asset JOIN category ON category.id = asset.category "
                 "WHERE asset.tag = {}", school["tag"])[0]["code"]
    other = make.category()["code"]
    tech = empty_client
    make.sign_in(tech, school["technician"])
    assert f'href="/faults/{fault_id}"' in tech.get(f"/faults?category={code}").text
    assert f'href="/faults/{fault_id}"' not in tech.get(f"/faults?category={other}").text


def test_technicians_can_turn_new_fault_emails_off(empty_client, make, school):
    tech = empty_client
    make.sign_in(tech, school["technician"])
    assert tech.post("/account/notifications", data={}, follow_redirects=False).status_code == 303
    _report(empty_client, make, school, "en")
    assert count("outbox") == 0


def test_a_director_never_gets_another_schools_emails(empty_client, make, school):
    tag = make.asset()["tag"]  # at another school
    admin = empty_client
    reporter = make.sign_in(admin, "administrator")
    url = admin.post("/faults/new", data={"asset": tag, "symptom": "no_power"},
                     follow_redirects=False).headers["location"].split("?")[0]
    tech = empty_client
    make.sign_in(tech, school["technician"])
    tech.post(f"{url}/acknowledge")
    assert count("outbox", "to_address = {}", school["director"]["email"]) == 0
    assert count("outbox", "to_address = {}", reporter["email"]) == 1  # the reporter


def test_two_schedulers_run_each_job_once_per_period(empty_url, run):
    """Two instances (here: two concurrent claimers with their own identities) share one
    database; each (job, period) runs exactly once."""
    ran = []

    async def work_of(name):
        async def work():
            ran.append(name)
        return work

    async def race():
        results = []
        for period in ("2026-11-22T10:00", "2026-11-22T10:01", "2026-11-22T10:02"):
            a, b = await asyncio.gather(
                jobs.run_claimed("outbox", period, await work_of("a"), instance="a"),
                jobs.run_claimed("outbox", period, await work_of("b"), instance="b"))
            results.append((a, b))
        return results

    results = run(race())
    assert all(a != b for a, b in results)  # exactly one of the two ran each period
    assert len(ran) == 3
    assert count("job_run") == 3


def test_real_schedulers_share_the_work(empty_url, run):
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    ran = []

    async def scenario():
        schedulers = []
        for name in ("first", "second"):
            async def tick(name=name):
                second = time.strftime("%H:%M:%S")

                async def work():
                    ran.append((second, name))
                await jobs.run_claimed("tick", second, work, instance=name)
            scheduler = AsyncIOScheduler()
            scheduler.add_job(tick, "interval", seconds=0.5)
            scheduler.start()
            schedulers.append(scheduler)
        await asyncio.sleep(3.2)
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)

    run(scenario())
    seconds = [s for s, _name in ran]
    assert len(seconds) >= 3
    assert len(seconds) == len(set(seconds))  # never twice for the same period


@pytest.mark.parametrize("url,expected", [
    ("smtp://user:p%40ss@mail.example:587?starttls=1&from=inv@ville.example",
     ("mail.example", 587, "user", "p@ss", False, True, "inv@ville.example")),
    ("smtps://mail.example", ("mail.example", 465, "", "", True, False, "inventaire@localhost")),
])
def test_smtp_urls(url, expected):
    c = smtp.parse_smtp_url(url)
    assert (c.host, c.port, c.username, c.password, c.use_tls, c.start_tls, c.sender) == expected
    assert smtp.parse_smtp_url("") is None
    with pytest.raises(ValueError):
        smtp.parse_smtp_url("http://nope")
