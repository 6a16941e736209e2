"""Preventive maintenance: due dates, the daily job (idempotent), completing an item."""

import datetime as dt

from inventory.maintenance import schedule
from inventory.maintenance.service import create_due_items
from tests.helpers import count, field_error, query


def test_next_due_and_look_ahead():
    today = dt.date(2026, 11, 22)
    assert schedule.next_due(dt.date(2026, 6, 1), None, 182, today) == dt.date(2026, 11, 30)
    assert schedule.next_due(None, dt.date(2025, 11, 1), 365, today) == dt.date(2026, 11, 1)
    assert schedule.next_due(None, None, 30, today) == dt.date(2026, 12, 22)
    assert schedule.should_create(dt.date(2026, 11, 29), today, False)
    assert not schedule.should_create(dt.date(2026, 11, 30), today, False)
    assert not schedule.should_create(dt.date(2026, 1, 1), today, True)


def _due_work(make) -> dict:
    """Three projectors whose filter cleaning (every 180 days, started 200 days ago) is
    late, and a switch with a yearly firmware update of its own started 400 days ago; a
    fourth projector is retired."""
    today = dt.date.today()
    projectors = make.category(code="VP", name="Vidéoprojecteur")
    school = make.site(name="École des Essais")
    beamers = make.assets(3, site=school, category=projectors, purchase_date="2020-09-01")
    make.asset(site=school, category=projectors, status="retired")
    switch = make.asset(site=school, category=make.category(code="SWITCH"))
    make.maintenance_task(projectors, name="Nettoyer le filtre", interval_days=180,
                          starts_on=(today - dt.timedelta(days=200)).isoformat())
    make.maintenance_task(asset=switch, name="Mettre à jour le micrologiciel",
                          interval_days=365,
                          starts_on=(today - dt.timedelta(days=400)).isoformat())
    return {"beamers": beamers, "switch": switch}


def test_daily_job_creates_due_items_once(empty_url, make, run):
    _due_work(make)
    assert count("maintenance_task") == 2
    first = run(create_due_items(dt.date.today()))
    assert first == 4  # three projectors (not the retired one) and the switch
    assert run(create_due_items(dt.date.today())) == 0  # again: nothing new
    assert count("maintenance_item") == first


def test_technician_sees_due_work_and_completes_it(empty_client, make, run):
    make.installation()
    _due_work(make)
    assert run(create_due_items(dt.date.today())) == 4
    tech = empty_client
    make.sign_in(tech, "technician")
    page = tech.get("/maintenance")
    assert page.status_code == 200
    item = query("SELECT maintenance_item.id, maintenance_item.asset, maintenance_item.task, "
                 "maintenance_task.interval_days FROM maintenance_item JOIN maintenance_task ON "
                 "maintenance_task.id = maintenance_item.task ORDER BY maintenance_item.id "
                 "LIMIT 1")[0]
    assert f"/maintenance/{item['id']}/done" in page.text
    done = tech.post(f"/maintenance/{item['id']}/done", follow_redirects=False)
    assert done.status_code == 303
    assert query("SELECT done_on FROM maintenance_item WHERE id = {}", item["id"])[0]["done_on"]
    assert count("intervention", "asset = {} AND kind = 'preventive'", item["asset"]) == 1
    following = query("SELECT due_on FROM maintenance_item WHERE task = {} AND asset = {} "
                      "AND done_on IS NULL", item["task"], item["asset"])
    due = following[0]["due_on"]
    due = dt.date.fromisoformat(due) if isinstance(due, str) else due
    assert due == dt.date.today() + dt.timedelta(days=item["interval_days"])
    again = tech.post(f"/maintenance/{item['id']}/done")
    assert again.status_code == 400 and "already done" in again.text


def test_tasks_are_managed_and_validated(empty_client, make):
    make.installation()
    make.category(code="IMPR", name="Imprimante")
    admin = empty_client
    bad = admin.post("/maintenance/tasks", data={"name": "", "interval_days": "0"})
    assert bad.status_code == 400
    assert field_error(bad.text, "category") == "Choose a category, or give one asset&#39;s tag."
    assert field_error(bad.text, "name") == "This field is required."
    assert count("maintenance_task") == 0
    ok = admin.post("/maintenance/tasks", data={"name": "Dépoussiérer", "category": "IMPR",
                                                "interval_days": "90"}, follow_redirects=False)
    assert ok.status_code == 303
    assert "Dépoussiérer" in admin.get("/maintenance/tasks").text
    assert query("SELECT name, interval_days FROM maintenance_task") == [
        {"name": "Dépoussiérer", "interval_days": 90}]
    make.sign_in(admin, "director")
    assert admin.get("/maintenance").status_code == 403


# Maintenance that does not flood (issue 14)


def test_first_occurrence_counts_from_the_task_start_not_the_purchase():
    today = dt.date(2026, 12, 1)
    bought = dt.date(2014, 9, 1)
    # A task created today on a device bought in 2014: one interval from today.
    assert schedule.next_due(None, bought, 182, today, today) == today + dt.timedelta(days=182)
    # A device that entered service after the task started: from its own start.
    newer = dt.date(2026, 11, 1)
    assert schedule.next_due(None, newer, 30, today, dt.date(2026, 6, 1)) == dt.date(2026, 12, 1)
    # Done once: from that day, whatever the starts.
    assert schedule.next_due(dt.date(2026, 10, 1), bought, 30, today, today) == \
        dt.date(2026, 10, 31)
    assert schedule.late(dt.date(2026, 11, 30), today) and not schedule.late(today, today)


def _dated(value):
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def test_a_new_task_does_not_flood_and_late_items_are_caught_up_per_site(empty_client, make,
                                                                          run):
    from inventory.core import clock

    admin = empty_client
    projectors = make.category(code="VP", name="Vidéoprojecteur")
    school, other = make.site(name="École Est"), make.site(name="École Ouest")
    old = [make.asset(site=school, category=projectors, purchase_date="2014-09-01",
                      commissioning_date="2014-09-15")["tag"] for _ in range(3)]
    far = make.asset(site=other, category=projectors, purchase_date="2015-01-10")["tag"]
    today = clock.today()

    # Created today: nothing due before one interval, whatever the devices' age.
    created = admin.post("/maintenance/tasks", data={
        "name": "Nettoyer le filtre", "category": "VP", "interval_days": "182"},
        follow_redirects=False)
    assert created.status_code == 303
    assert _dated(query("SELECT starts_on FROM maintenance_task")[0]["starts_on"]) == today
    assert run(create_due_items(today)) == 0
    assert "Nothing due this week." in admin.get("/maintenance").text

    # A start chosen in the past: due one interval after it (late by a few days), not 2014.
    bad = admin.post("/maintenance/tasks", data={
        "name": "Dépoussiérer", "category": "VP", "interval_days": "90",
        "starts_on": "1990-01-01"})
    assert bad.status_code == 400 and "between 2000" in bad.text
    started = today - dt.timedelta(days=95)
    assert admin.post("/maintenance/tasks", data={
        "name": "Dépoussiérer", "category": "VP", "interval_days": "90",
        "starts_on": started.isoformat()}, follow_redirects=False).status_code == 303
    assert run(create_due_items(today)) == 4
    dues = {_dated(r["due_on"]) for r in query("SELECT due_on FROM maintenance_item")}
    assert dues == {started + dt.timedelta(days=90)}

    # One action per site: the three late items of École Est, none of École Ouest.
    page = admin.get("/maintenance").text
    assert "Catch up: mark the 3 late tasks of this site done" in page
    assert page.count('action="/maintenance/catch-up"') == 1  # École Ouest has one: no button
    done = admin.post("/maintenance/catch-up", data={"site": school["code"]},
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/maintenance?caught_up=3"
    for tag in old:
        assert count("intervention", "asset = (SELECT id FROM asset WHERE tag = {}) "
                     "AND kind = 'preventive'", tag) == 1
    open_items = query("SELECT asset.tag, maintenance_item.due_on FROM maintenance_item "
                       "JOIN asset ON asset.id = maintenance_item.asset "
                       "WHERE maintenance_item.done_on IS NULL")
    assert {r["tag"]: _dated(r["due_on"]) for r in open_items} == {
        **{tag: today + dt.timedelta(days=90) for tag in old},
        far: started + dt.timedelta(days=90)}
    again = admin.post("/maintenance/catch-up", data={"site": school["code"]})
    assert again.status_code == 400 and "Nothing is late at this site." in again.text


def test_the_demo_has_nothing_late(demo_url, run):
    # On the demo: its subject is the demo's maintenance history.
    assert run(create_due_items(dt.date.today())) > 0  # some work due this week...
    assert count("maintenance_item", "done_on IS NULL AND due_on < {}", dt.date.today()) == 0
