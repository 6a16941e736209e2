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


@pytest.fixture(autouse=True)
def english():
    i18n.set_language("en")


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
