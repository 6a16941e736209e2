"""Pure parts of issue 12's fixes: the fault history a device's status stands for, and
audit values as a page shows them."""

import pytest

from inventory.core import i18n
from inventory.core.fields import actor_word, readable_value
from inventory.faults import workflow


def test_the_fault_history_a_status_stands_for():
    assert workflow.history_for_asset_status("faulty") == ("new",)
    assert workflow.history_for_asset_status("in_repair") == ("new", "acknowledged",
                                                              "in_progress")
    for status in ("in_service", "in_stock", "retired", "", None):
        assert workflow.history_for_asset_status(status) == ()
    # Every history it gives is one the workflow's transitions can make.
    for status in workflow.HISTORY_FOR_ASSET_STATUS:
        assert workflow.steps_are_valid(workflow.history_for_asset_status(status))


@pytest.mark.parametrize("steps, valid", [
    (("new",), True),
    (("new", "acknowledged"), True),
    (("new", "in_progress"), True),
    (("new", "acknowledged", "in_progress", "waiting_parts"), True),
    ((), False),
    (("acknowledged",), False),
    (("new", "resolved"), False),
    (("new", "closed"), False),
])
def test_made_up_histories_follow_the_workflow(steps, valid):
    assert workflow.steps_are_valid(steps) is valid


@pytest.fixture
def language():
    tokens = []

    def use(code):
        tokens.append(i18n.set_language(code))

    yield use
    for token in reversed(tokens):
        i18n._current.reset(token)


def test_values_read_like_the_page(language):
    language("fr")
    assert readable_value("2026-12-01") == "01/12/2026"
    assert readable_value("2026-12-01T09:30:00+00:00") == "01/12/2026 10:30"
    assert readable_value({"lines": 3}) == "(détail sur la page elle-même)"
    assert readable_value("BRN-000001") == "BRN-000001" and readable_value(11) == 11
    assert actor_word("anonymous") == "Visiteur anonyme"
    assert actor_word("admin@brenneville.example") == "admin@brenneville.example"
    language("en")
    assert readable_value("2026-12-01") == "2026-12-01"
    assert actor_word("anonymous") == "Anonymous visitor" and actor_word("cli") == "Command line"
