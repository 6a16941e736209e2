"""The fault workflow as a pure state machine: which transitions exist, who may make them.

new -> acknowledged -> in progress -> (waiting for parts) -> resolved -> closed, or rejected
(with a reason) from any open state. A refused transition says why, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.accounts import permissions as p
from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L

NEW = "new"
ACKNOWLEDGED = "acknowledged"
IN_PROGRESS = "in_progress"
WAITING_PARTS = "waiting_parts"
RESOLVED = "resolved"
CLOSED = "closed"
REJECTED = "rejected"

STATES = {
    NEW: L("New"),
    ACKNOWLEDGED: L("Acknowledged"),
    IN_PROGRESS: L("In progress"),
    WAITING_PARTS: L("Waiting for parts"),
    RESOLVED: L("Resolved"),
    CLOSED: L("Closed"),
    REJECTED: L("Rejected"),
}
OPEN_STATES = (NEW, ACKNOWLEDGED, IN_PROGRESS, WAITING_PARTS)

TECH_ROLES = frozenset({p.TECHNICIAN, p.ADMINISTRATOR})
CLOSING_ROLES = frozenset({p.TECHNICIAN, p.ADMINISTRATOR, p.DIRECTOR})


@dataclass(frozen=True)
class Action:
    name: str
    label: object  # a lazy translated string
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    needs_note: bool = False


ACTIONS = {
    a.name: a for a in (
        Action("acknowledge", L("Acknowledge"), (NEW,), ACKNOWLEDGED, TECH_ROLES),
        Action("start", L("Take it"), (NEW, ACKNOWLEDGED, WAITING_PARTS), IN_PROGRESS, TECH_ROLES),
        Action("wait_parts", L("Waiting for parts"), (IN_PROGRESS,), WAITING_PARTS, TECH_ROLES),
        Action("resolve", L("Resolved"), (ACKNOWLEDGED, IN_PROGRESS, WAITING_PARTS), RESOLVED,
               TECH_ROLES),
        # The reporter (or a technician) confirms the fix; a director may also reopen.
        Action("close", L("Close"), (RESOLVED,), CLOSED, CLOSING_ROLES),
        Action("reopen", L("Not fixed: reopen"), (RESOLVED,), ACKNOWLEDGED, CLOSING_ROLES),
        Action("reject", L("Reject"), OPEN_STATES, REJECTED, TECH_ROLES, needs_note=True),
    )
}


class TransitionRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check(action_name: str, status: str, role: str, note: str = "") -> str:
    """The new status if `role` may apply `action_name` to a fault in `status`; otherwise
    raises TransitionRefused with a message a person can act on."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise TransitionRefused(_("This action does not exist."))
    if role not in action.roles:
        raise TransitionRefused(_("Your role does not allow this action on a fault."))
    if status not in action.sources:
        raise TransitionRefused(
            _("A fault that is “%(status)s” cannot go to “%(target)s”.")
            % {"status": STATES.get(status, status), "target": STATES[action.target]})
    if action.needs_note and not (note or "").strip():
        raise TransitionRefused(_("Say why the fault is rejected."))
    return action.target


def available(status: str, role: str) -> list[Action]:
    """The actions to offer on a fault's page."""
    return [a for a in ACTIONS.values() if status in a.sources and role in a.roles]


# What the asset's status becomes when its fault moves (None: unchanged).
ASSET_STATUS_AFTER = {
    NEW: "faulty",
    IN_PROGRESS: "in_repair",
    RESOLVED: "in_service",
    REJECTED: None,
}


# A device that arrives already "faulty" or "in repair" (an import, the demo) gets the fault
# its status stands for, with the history that status implies: oldest state first.
HISTORY_FOR_ASSET_STATUS = {
    "faulty": (NEW,),
    "in_repair": (NEW, ACKNOWLEDGED, IN_PROGRESS),
}


def history_for_asset_status(asset_status: str | None) -> tuple[str, ...]:
    """The fault states that a device's status stands for; () when it needs no fault."""
    return HISTORY_FOR_ASSET_STATUS.get(asset_status or "", ())


def steps_are_valid(steps: tuple[str, ...]) -> bool:
    """True when `steps` start at "new" and each next state is one a transition reaches
    from the one before (so a made-up history reads like a real one)."""
    if not steps or steps[0] != NEW:
        return False
    return all(any(before in a.sources and a.target == after for a in ACTIONS.values())
               for before, after in zip(steps, steps[1:], strict=False))
