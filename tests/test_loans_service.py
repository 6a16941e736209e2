"""Loans through the service on both engines: one device for a person of two
organisations, the acknowledgment link, check-in, export and erasure."""

import pytest

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.core.errors import NotFound, ValidationFailed
from inventory.core.tables import AuditRecord, Person
from inventory.loans import service as loans

ACTOR = "test"


def _person(run, *organisations, **fields):
    raw = {"name": "Camille Essai", "mandates": "Conseillère municipale",
           "email": "camille@conseil.example", "organisations": list(organisations), **fields}
    return run(loans.create_person(raw, ACTOR, EVERYTHING))


def test_a_councillor_of_two_assemblies_holds_one_tablet(run, make, empty_url):
    city, region = make.organisation(code="VILLE"), make.organisation(code="REGION")
    tablets = make.category(code="TAB", name="Tablette")
    first, second = make.assets(2, category=tablets)
    person = _person(run, "VILLE", "REGION")
    loan, token = run(loans.check_out(first["tag"], {"person": str(person["id"]),
                                                     "for_term": "on"}, ACTOR, EVERYTHING))
    assert sorted(loan["organisations"]) == sorted([city["id"], region["id"]])
    assert loan["acknowledged_at"] is None and token
    with pytest.raises(ValidationFailed) as warned:
        run(loans.check_out(second["tag"], {"person": str(person["id"]), "for_term": "on"},
                            ACTOR, EVERYTHING))
    assert "already holds" in warned.value.errors["person"]
    with pytest.raises(ValidationFailed) as lent:
        run(loans.check_out(first["tag"], {"person": str(person["id"]), "for_term": "on"},
                            ACTOR, EVERYTHING, confirm_second=True))
    assert "already lent" in lent.value.errors["asset"]
    assert run(loans.current_loan(first["id"]))["person_name"] == "Camille Essai"


def test_the_link_acknowledges_once_and_check_in_records_what_is_missing(run, make,
                                                                        empty_url):
    asset = make.asset()
    person = _person(run)
    loan, token = run(loans.check_out(asset["tag"], {"person": str(person["id"]),
                                                     "due_on": "2027-06-30",
                                                     "accessories": "Chargeur\nÉtui"},
                                      ACTOR, EVERYTHING))
    run(loans.acknowledge_by_token(token))
    assert run(loans.get_loan(loan["id"], EVERYTHING))["acknowledged_at"] is not None
    with pytest.raises(NotFound):
        run(loans.acknowledge_by_token(token))
    back = run(loans.check_in(loan["id"], {"missing_accessories": "Chargeur",
                                           "return_condition": "Écran rayé"},
                              loan["version"] + 1, ACTOR, EVERYTHING))
    assert back["returned_on"] is not None and back["missing_accessories"] == "Chargeur"
    assert run(loans.current_loan(asset["id"])) is None


def test_people_of_another_organisation_do_not_exist(run, make, empty_url):
    other = make.organisation(code="AUTRE")
    person = _person(run, "AUTRE")
    mine = Scope(site_ids=None, organisation_ids=frozenset({other["id"] + 1000}))
    with pytest.raises(NotFound):
        run(loans.get_person(person["id"], mine))
    assert run(loans.list_people(mine)) == []
    assert [p["id"] for p in run(loans.list_people(EVERYTHING))] == [person["id"]]


def test_export_then_erase_leaves_a_former_holder(run, make, empty_url):
    asset = make.asset()
    person = _person(run)
    never = _person(run, name="Dominique Jamais")
    loan, _token = run(loans.check_out(asset["tag"], {"person": str(person["id"]),
                                                      "for_term": "on"}, ACTOR, EVERYTHING))
    with pytest.raises(ValidationFailed):
        run(loans.erase_person(person["id"], ACTOR, EVERYTHING))
    run(loans.check_in(loan["id"], {}, None, ACTOR, EVERYTHING))
    exported = run(loans.export_person(person["id"], EVERYTHING))
    assert exported["person"]["email"] == "camille@conseil.example"
    assert [entry["asset_tag"] for entry in exported["loans"]] == [asset["tag"]]
    assert run(loans.erase_person(person["id"], ACTOR, EVERYTHING)) == "anonymised"
    assert run(loans.erase_person(never["id"], ACTOR, EVERYTHING)) == "deleted"
    stored = run(Person.select().run())
    assert [(p["name"], p["email"]) for p in stored] == [("", "")]
    kept = run(AuditRecord.select(AuditRecord.changes).where(
        AuditRecord.entity == "person").run())
    assert "Camille" not in str(kept) and "Dominique" not in str(kept)
    assert run(loans.person_loans(person["id"]))[0]["person_name"] == ""


def test_retention_forgets_people_idle_for_months(run, make, empty_url):
    import datetime as dt

    from inventory.core import clock

    person = _person(run)
    with clock.frozen(dt.datetime(2029, 6, 1, 12, tzinfo=dt.UTC)):
        assert run(loans.anonymise_stale(24)) == 1
    assert run(Person.select().run()) == []
    assert person["id"]


def test_the_acknowledgment_link_travels_by_real_smtp_and_overdue_loans_are_reminded(
        run, make, empty_url):
    import datetime as dt
    import email
    import re

    from aiosmtpd.controller import Controller

    from inventory.core import clock
    from inventory.notifications import outbox, smtp
    from tests.test_notifications import Inbox, _free_port

    asset = make.asset()
    person = _person(run)
    loan, _token = run(loans.check_out(
        asset["tag"], {"person": str(person["id"]), "out_on": "2026-09-01",
                       "due_on": "2026-10-31", "accessories": "Chargeur"},
        ACTOR, EVERYTHING, base_url="https://inventaire.commune.example"))
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert run(outbox.flush(smtp.SmtpConfig(host="127.0.0.1", port=port)))["sent"] == 1
        with clock.frozen(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)):
            assert run(loans.remind_overdue(dt.date(2026, 12, 1))) == 1
            assert run(loans.remind_overdue(dt.date(2026, 12, 2))) == 0  # not every day
        assert run(outbox.flush(smtp.SmtpConfig(host="127.0.0.1", port=port)))["sent"] == 1
    finally:
        controller.stop()
    (to, first), (_to, reminder) = inbox.messages
    assert to == ["camille@conseil.example"]
    body = email.message_from_string(first).get_payload(decode=True).decode()
    link = re.search(r"https://inventaire\.commune\.example/loans/acknowledge/(\S+)", body)
    assert link and "Chargeur" in body
    run(loans.acknowledge_by_token(link.group(1)))
    assert run(loans.get_loan(loan["id"], EVERYTHING))["acknowledged_at"] is not None
    assert asset["tag"] in email.message_from_string(reminder).get_payload(decode=True).decode()
