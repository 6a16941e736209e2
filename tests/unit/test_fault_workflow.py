"""The fault state machine: every allowed and every refused transition."""

import datetime as dt
import itertools

import pytest

from inventory.accounts import permissions as p
from inventory.core import i18n
from inventory.faults import workflow as wf
from inventory.faults.service import is_overdue, working_days_between

ALLOWED = {
    ("acknowledge", wf.NEW): wf.ACKNOWLEDGED,
    ("start", wf.NEW): wf.IN_PROGRESS,
    ("start", wf.ACKNOWLEDGED): wf.IN_PROGRESS,
    ("start", wf.WAITING_PARTS): wf.IN_PROGRESS,
    ("wait_parts", wf.IN_PROGRESS): wf.WAITING_PARTS,
    ("resolve", wf.ACKNOWLEDGED): wf.RESOLVED,
    ("resolve", wf.IN_PROGRESS): wf.RESOLVED,
    ("resolve", wf.WAITING_PARTS): wf.RESOLVED,
    ("close", wf.RESOLVED): wf.CLOSED,
    ("reopen", wf.RESOLVED): wf.ACKNOWLEDGED,
    **{("reject", s): wf.REJECTED for s in wf.OPEN_STATES},
}


pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("action,status", sorted(ALLOWED))
def test_allowed_transitions_for_a_technician(action, status):
    assert wf.check(action, status, p.TECHNICIAN, note="why") == ALLOWED[(action, status)]


@pytest.mark.parametrize("action,status", [
    (a, s) for a, s in itertools.product(wf.ACTIONS, wf.STATES) if (a, s) not in ALLOWED])
def test_every_other_transition_is_refused_with_a_message(action, status):
    with pytest.raises(wf.TransitionRefused) as refused:
        wf.check(action, status, p.ADMINISTRATOR, note="why")
    assert "cannot go to" in refused.value.message


@pytest.mark.parametrize("role", [p.DIRECTOR, p.VIEWER, p.PLANNER])
def test_only_technicians_work_on_faults(role):
    for action in ("acknowledge", "start", "wait_parts", "resolve", "reject"):
        with pytest.raises(wf.TransitionRefused, match="role does not allow"):
            wf.check(action, wf.NEW if action != "resolve" else wf.IN_PROGRESS, role, "x")


def test_the_reporter_closes_or_reopens_a_resolved_fault():
    assert wf.check("close", wf.RESOLVED, p.DIRECTOR) == wf.CLOSED
    assert wf.check("reopen", wf.RESOLVED, p.DIRECTOR) == wf.ACKNOWLEDGED
    with pytest.raises(wf.TransitionRefused):
        wf.check("close", wf.RESOLVED, p.VIEWER)


def test_rejecting_needs_a_reason_and_unknown_actions_are_refused():
    with pytest.raises(wf.TransitionRefused, match="Say why"):
        wf.check("reject", wf.NEW, p.TECHNICIAN, note="  ")
    with pytest.raises(wf.TransitionRefused, match="does not exist"):
        wf.check("explode", wf.NEW, p.TECHNICIAN)


@pytest.mark.parametrize("action,status,role,note,french", [
    ("close", wf.NEW, p.TECHNICIAN, "",
     "Une panne « Nouvelle » ne peut pas passer à « Clôturée »."),
    ("acknowledge", wf.NEW, p.VIEWER, "", "Votre rôle ne permet pas cette action sur une panne."),
    ("reject", wf.NEW, p.TECHNICIAN, " ", "Indiquez pourquoi la panne est rejetée."),
    ("explode", wf.NEW, p.TECHNICIAN, "", "Cette action n’existe pas."),
])
def test_messages_are_translated(action, status, role, note, french):
    """Each refusal in French, whole: the states named by their French labels too."""
    token = i18n.set_language("fr")
    try:
        with pytest.raises(wf.TransitionRefused) as refused:
            wf.check(action, status, role, note)
        assert refused.value.message == french
    finally:
        i18n._current.reset(token)


def test_available_actions():
    assert [a.name for a in wf.available(wf.NEW, p.TECHNICIAN)] == ["acknowledge", "start",
                                                                     "reject"]
    assert wf.available(wf.NEW, p.DIRECTOR) == []
    assert [a.name for a in wf.available(wf.RESOLVED, p.DIRECTOR)] == ["close", "reopen"]


def test_overdue_counts_working_days():
    friday = dt.date(2026, 11, 20)
    assert working_days_between(friday, dt.date(2026, 11, 23)) == 1  # the weekend is free
    assert working_days_between(friday, dt.date(2026, 11, 25)) == 3
    created = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    blocked = {"status": wf.NEW, "created_at": created, "teaching_blocked": True}
    assert not is_overdue(blocked, dt.date(2026, 11, 24))  # 2 working days
    assert is_overdue(blocked, dt.date(2026, 11, 25))
    calm = {**blocked, "teaching_blocked": False}
    assert not is_overdue(calm, dt.date(2026, 11, 25))
    assert not is_overdue({**blocked, "status": wf.RESOLVED}, dt.date(2026, 12, 25))


def test_target_delays_are_configurable():
    from inventory.faults.service import target_days

    assert target_days("1,3") == {True: 1, False: 3}
    assert target_days("nonsense") == {True: 2, False: 5}


def test_a_fault_read_from_a_site_its_device_has_left():
    """A director's school is site 1: the device left on day 3, came back on day 5, left
    again on day 7. Transitions made meanwhile are one line each stretch; since it is away
    now, the fault reads as it stood when it left (status, handler, reason, version)."""
    import datetime as dt

    from inventory.assets.rules import away_stretches
    from inventory.faults import scoping

    def at(day, hour=12):
        return dt.datetime(2026, 1, day, hour, tzinfo=dt.UTC)

    moves = [{"at": at(1), "site_id": 1}, {"at": at(2), "site_id": None},
             {"at": at(3), "site_id": 2}, {"at": at(5), "site_id": 1},
             {"at": at(7), "site_id": 3}]
    stretches = away_stretches(list(reversed(moves)), lambda s: s == 1)
    assert stretches == [(at(3), at(5)), (at(7), None)]
    assert away_stretches(list(reversed(moves[:4])), lambda s: s == 1) == [(at(3), at(5))]
    assert away_stretches(list(reversed(moves)), lambda s: True) == []

    events = [{"at": at(1, 13), "to_status": "new", "actor": "dir", "note": ""},
              {"at": at(4), "to_status": "acknowledged", "actor": "tech2", "note": "salle 12"},
              {"at": at(6), "to_status": "in_progress", "actor": "tech1", "note": ""},
              {"at": at(8), "to_status": "resolved", "actor": "tech3", "note": "ailleurs"}]
    shown = scoping.timeline_for_scope(events, stretches)
    assert [e["to_status"] for e in shown] == ["new", scoping.ELSEWHERE, "in_progress",
                                               scoping.ELSEWHERE]
    assert shown[1]["actor"] == "" and shown[1]["note"] == "" and shown[1]["at"] is None
    fault = {"id": 9, "status": "resolved", "assigned_to": "tech3", "reject_reason": "",
             "created_at": at(1, 13), "updated_at": at(8), "version": 4, "asset_site": 3,
             "warranty_end": dt.date(2030, 1, 1), "supplier": "Fournisseur",
             "order_ref": "BC-1", "under_warranty": True, "overdue": False}
    seen = scoping.fault_for_scope(fault, events, stretches)
    assert seen["left_sites"] and seen["status"] == "in_progress"
    assert seen["assigned_to"] == "tech1" and seen["updated_at"] == at(6)
    assert seen["version"] == 2 and seen["asset_site"] is None
    assert not seen["under_warranty"] and seen["supplier"] is None
    # Back at the director's site: the whole fault as it is, only the stretch hidden.
    back = scoping.fault_for_scope(fault, events, stretches[:1])
    assert back == fault and "left_sites" not in back
    # Naive timestamps (as SQLite may return them) compare as UTC.
    naive = [{**e, "at": e["at"].replace(tzinfo=None)} for e in events]
    assert [e["to_status"] for e in scoping.timeline_for_scope(naive, stretches)] == \
        [e["to_status"] for e in shown]
