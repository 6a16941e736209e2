"""Preventive maintenance: due dates, the daily job (idempotent), completing an item."""

import datetime as dt

from inventory.maintenance import schedule
from inventory.maintenance.service import create_due_items
from tests.helpers import count, query


def test_next_due_and_look_ahead():
    today = dt.date(2026, 11, 22)
    assert schedule.next_due(dt.date(2026, 6, 1), None, 182, today) == dt.date(2026, 11, 30)
    assert schedule.next_due(None, dt.date(2025, 11, 1), 365, today) == dt.date(2026, 11, 1)
    assert schedule.next_due(None, None, 30, today) == dt.date(2026, 12, 22)
    assert schedule.should_create(dt.date(2026, 11, 29), today, False)
    assert not schedule.should_create(dt.date(2026, 11, 30), today, False)
    assert not schedule.should_create(dt.date(2026, 1, 1), today, True)


def test_daily_job_creates_due_items_once(demo_url, run):
    tasks = count("maintenance_task")
    assert tasks == 7  # the demo's projector, whiteboard and network tasks
    first = run(create_due_items(dt.date.today()))
    assert first > 0
    assert run(create_due_items(dt.date.today())) == 0  # again: nothing new
    assert count("maintenance_item") == first


def test_technician_sees_due_work_and_completes_it(client_as, run):
    run(create_due_items(dt.date.today()))
    tech = client_as("technician")
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


def test_tasks_are_managed_and_validated(client_as):
    admin = client_as("administrator")
    bad = admin.post("/maintenance/tasks", data={"name": "", "interval_days": "0"})
    assert bad.status_code == 400
    assert "Choose a category, or give one asset" in bad.text
    ok = admin.post("/maintenance/tasks", data={"name": "Dépoussiérer", "category": "IMPR",
                                                "interval_days": "90"}, follow_redirects=False)
    assert ok.status_code == 303
    assert "Dépoussiérer" in admin.get("/maintenance/tasks").text
    director = client_as("director")
    assert director.get("/maintenance").status_code == 403
