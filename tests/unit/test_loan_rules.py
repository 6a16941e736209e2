"""Check-out, check-in and retention rules, without a database."""

import datetime as dt

import pytest

from inventory.core.errors import ValidationFailed
from inventory.loans import rules

TODAY = dt.date(2026, 12, 1)


def test_a_check_out_needs_a_due_date_or_the_term_of_office():
    with pytest.raises(ValidationFailed) as failed:
        rules.clean_check_out({}, TODAY)
    assert set(failed.value.errors) == {"due_on"}
    values = rules.clean_check_out({"for_term": "on", "due_on": "2027-01-01"}, TODAY)
    assert values["for_term"] is True and values["due_on"] is None
    assert values["out_on"] == TODAY


def test_a_check_out_refuses_the_future_and_a_due_date_before_it_starts():
    with pytest.raises(ValidationFailed) as failed:
        rules.clean_check_out({"out_on": "2026-12-05", "due_on": "2026-12-04"}, TODAY)
    assert set(failed.value.errors) == {"out_on", "due_on"}


def test_a_check_in_comes_after_the_check_out():
    with pytest.raises(ValidationFailed) as failed:
        rules.clean_check_in({"returned_on": "2026-11-01"}, TODAY, dt.date(2026, 11, 2))
    assert "returned_on" in failed.value.errors
    values = rules.clean_check_in({"missing_accessories": "Chargeur\n"}, TODAY, TODAY)
    assert values["returned_on"] == TODAY
    assert rules.lines(values["missing_accessories"]) == ["Chargeur"]


def test_overdue_only_when_out_and_past_due():
    assert rules.is_overdue({"returned_on": None, "due_on": dt.date(2026, 11, 30)}, TODAY)
    assert not rules.is_overdue({"returned_on": None, "due_on": TODAY}, TODAY)
    assert not rules.is_overdue({"returned_on": None, "due_on": None}, TODAY)
    assert not rules.is_overdue({"returned_on": TODAY, "due_on": dt.date(2026, 1, 1)}, TODAY)


@pytest.mark.parametrize("today, months, expected", [
    (dt.date(2026, 12, 1), 24, dt.date(2024, 12, 1)),
    (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),
])
def test_months_before(today, months, expected):
    assert rules.months_before(today, months) == expected


def test_tokens_are_kept_only_as_hashes():
    token, kept = rules.new_token()
    assert len(token) >= 40 and kept == rules.token_hash(token) and token not in kept


def test_a_loan_update_changes_only_what_it_names():
    import datetime as dt

    import pytest

    from inventory.core.errors import ValidationFailed
    from inventory.loans import rules

    out_on = dt.date(2026, 9, 1)
    assert rules.clean_loan_update({"notes": "Écran fêlé"}, out_on) == {"notes": "Écran fêlé"}
    assert rules.clean_loan_update({"for_term": True}, out_on) == {"for_term": True,
                                                                   "due_on": None}
    with pytest.raises(ValidationFailed) as before:
        rules.clean_loan_update({"due_on": "2026-08-31"}, out_on)
    assert "due_on" in before.value.errors


def test_a_check_out_reads_the_api_documents_values_as_the_forms_text():
    """The API hands the service its typed values (dates, a list of lines, a boolean), the
    form its text: the same rules read both, to the same values."""
    typed = rules.clean_check_out({"out_on": dt.date(2026, 11, 30), "for_term": True,
                                   "accessories": ["Chargeur", " Sacoche "]}, TODAY)
    form = rules.clean_check_out({"out_on": "30/11/2026", "for_term": "on",
                                  "accessories": "Chargeur\r\n Sacoche \n"}, TODAY)
    assert typed == form
    assert typed["accessories"] == "Chargeur\nSacoche" and typed["out_on"] == dt.date(2026, 11, 30)
    assert rules.clean_check_out({"for_term": False, "due_on": dt.date(2027, 1, 4)},
                                 TODAY)["for_term"] is False
    with pytest.raises(ValidationFailed) as failed:
        rules.clean_check_in({"missing_accessories": ["Chargeur", 3]}, TODAY, TODAY)
    assert set(failed.value.errors) == {"missing_accessories"}
