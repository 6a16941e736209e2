"""People and loans: the one write path for both (pages, API, command line and jobs call
these), scoped by organisation for people and by site for the devices lent.

Personal data stays out of the audit log's asset records (they name the loan, not the
person), so erasing a person leaves the devices' history intact: "a former holder"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, NotRequired, TypedDict

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.assets import service as assets
from inventory.core import audit, clock, db
from inventory.core.audit import Actor
from inventory.core.errors import NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import (
    AuditRecord,
    Loan,
    LoanOrganisation,
    Organisation,
    Person,
    PersonOrganisation,
)
from inventory.loans import emails, rules
from inventory.notifications import outbox
from inventory.organisations import service as organisations

PERSON_FIELDS = ("name", "mandates", "email")


# People


async def _organisation_ids(codes: Iterable[str], scope: Scope,
                            field: str = "organisations") -> list[int]:
    """The ids of the organisations `codes` name, each within `scope`; none given: the
    installation's first (an installation of one organisation never asks)."""
    wanted = sorted({str(c).strip().upper() for c in codes if str(c).strip()})
    if not wanted:
        return [await organisations.first_organisation_id()]
    rows = await Organisation.select(Organisation.id, Organisation.code).where(
        Organisation.code.is_in(wanted)).run()
    found = {r["code"]: r["id"] for r in rows if scope.allows_organisation(r["id"])}
    if set(found) != set(wanted):
        raise ValidationFailed({field: _("Choose one of the proposed values.")})
    return sorted(found.values())


def _codes(raw: Mapping[str, Any], name: str = "organisations") -> list[str]:
    value = raw.get(name) or []
    return [value] if isinstance(value, str) else list(value)


async def person_organisations(person_ids: list[int]) -> dict[int, list[int]]:
    if not person_ids:
        return {}
    rows = await PersonOrganisation.select(PersonOrganisation.person,
                                           PersonOrganisation.organisation).where(
        PersonOrganisation.person.is_in(person_ids)).run()
    found: dict[int, list[int]] = {p: [] for p in person_ids}
    for r in rows:
        found[r["person"]].append(r["organisation"])
    return found


def _sees(scope: Scope, organisation_ids: Iterable[int]) -> bool:
    return scope.organisation_ids is None or any(
        scope.allows_organisation(o) for o in organisation_ids)


async def get_person(person_id: int, scope: Scope) -> dict[str, Any]:
    """A person (with `organisations`: ids); one of no organisation in scope does not exist."""
    row = await Person.select().where(Person.id == person_id).first().run()
    if row is None:
        raise NotFound(str(person_id))
    row["organisations"] = (await person_organisations([row["id"]]))[row["id"]]
    if not _sees(scope, row["organisations"]):
        raise NotFound(str(person_id))
    return row


async def list_people(scope: Scope, *, after_id: int = 0, limit: int = 500,
                      include_anonymised: bool = False) -> list[dict[str, Any]]:
    where, args = scope.organisation_sql("po.organisation")
    hidden = "" if include_anonymised else " AND p.anonymised_at IS NULL"
    rows = await db.fetch_all(
        "SELECT p.* FROM person p WHERE p.id > {} AND EXISTS (SELECT 1 FROM "
        f"person_organisation po WHERE po.person = p.id AND {where}){hidden} "
        "ORDER BY p.id LIMIT {}", after_id, *args, limit)
    links = await person_organisations([r["id"] for r in rows])
    for r in rows:
        r["organisations"] = links[r["id"]]
    return rows


async def _set_person_organisations(person_id: int, organisation_ids: list[int]) -> None:
    await PersonOrganisation.delete().where(PersonOrganisation.person == person_id).run()
    await PersonOrganisation.insert(*[PersonOrganisation(person=person_id, organisation=o)
                                      for o in organisation_ids]).run()


async def create_person(raw: Mapping[str, Any], actor: Actor | str,
                        scope: Scope) -> dict[str, Any]:
    values = rules.clean_person(raw)
    async with audit.atomic():
        organisation_ids = await _organisation_ids(_codes(raw), scope)
        row = (await Person.insert(Person(**values)).returning(Person.id).run())[0]
        await _set_person_organisations(row["id"], organisation_ids)
        # The audit says a person was registered, not who: the record outlives erasure.
        await audit.record(actor=actor, entity="person", entity_key=str(row["id"]),
                           action="create", changes={})
    return await get_person(row["id"], scope)


async def update_person(person_id: int, raw: Mapping[str, Any], version: int | None,
                        actor: Actor | str, scope: Scope, *,
                        partial: bool = False) -> dict[str, Any]:
    async with audit.atomic():
        person = await get_person(person_id, scope)
        if person["anonymised_at"] is not None:
            raise NotFound(str(person_id))
        values = rules.clean_person({**{k: person[k] for k in PERSON_FIELDS}, **raw}
                                    if partial else raw)
        if not partial or "organisations" in raw:
            await _set_person_organisations(
                person_id, await _organisation_ids(_codes(raw), scope))
        await audit.update_versioned(Person, person_id, version, values, entity="person",
                                     entity_key=str(person_id), action="update", actor=actor)
    return await get_person(person_id, scope)


# Loans


class LoanRow(TypedDict):
    """A row of _LOAN_SELECT: loan.*, then its device's and person's names; the reads below
    add the organisations it serves. Both engines give the declared types
    (tests/test_row_types.py)."""

    id: int
    asset: int
    person: int
    out_on: dt.date
    out_condition: str
    accessories: str
    due_on: dt.date | None  # None: for the term of office
    for_term: bool
    acknowledged_at: dt.datetime | None
    acknowledge_token_hash: str
    acknowledge_expires_at: dt.datetime | None
    returned_on: dt.date | None  # None: still out
    return_condition: str
    missing_accessories: str
    reminded_on: dt.date | None
    notes: str
    created_by: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    # Joined
    asset_tag: str
    site_id: int
    category_id: int
    category_name: str
    model_name: str | None  # no model: None
    person_name: str
    person_email: str
    person_anonymised_at: dt.datetime | None
    # Added by _with_organisations
    organisations: NotRequired[list[int]]
    # Added by the loans pages (rules.is_overdue)
    overdue: NotRequired[bool]


_LOAN_SELECT = ("SELECT loan.*, asset.tag AS asset_tag, asset.site AS site_id, "
                "asset.category AS category_id, category.name AS category_name, "
                "equipment_model.name AS model_name, person.name AS person_name, "
                "person.email AS person_email, person.anonymised_at AS person_anonymised_at "
                "FROM loan JOIN asset ON asset.id = loan.asset "
                "JOIN category ON category.id = asset.category "
                "LEFT JOIN equipment_model ON equipment_model.id = asset.model "
                "JOIN person ON person.id = loan.person")
# An overdue loan's reminder comes again after this many days.
REMIND_EVERY_DAYS = 7


async def _loan_organisations(loan_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {i: [] for i in loan_ids}
    if loan_ids:
        for r in await LoanOrganisation.select(LoanOrganisation.loan,
                                               LoanOrganisation.organisation).where(
                LoanOrganisation.loan.is_in(loan_ids)).run():
            found[r["loan"]].append(r["organisation"])
    return found


async def _with_organisations(rows: list[LoanRow]) -> list[LoanRow]:
    links = await _loan_organisations([r["id"] for r in rows])
    for r in rows:
        r["organisations"] = links[r["id"]]
    return rows


async def get_loan(loan_id: int, scope: Scope) -> LoanRow:
    """A loan; one of a device outside the scope's sites, or serving none of its
    organisations, does not exist."""
    rows = await db.fetch_small(_LOAN_SELECT + " WHERE loan.id = {}", loan_id, row=LoanRow)
    if not rows or not scope.allows(rows[0]["site_id"]):
        raise NotFound(str(loan_id))
    loan = (await _with_organisations(rows))[0]
    if not _sees(scope, loan["organisations"]):
        raise NotFound(str(loan_id))
    return loan


async def current_loan(asset_id: int) -> LoanRow | None:
    """The device's open loan (who holds it), if any."""
    rows = await db.fetch_small(_LOAN_SELECT + " WHERE loan.asset = {} AND "
                                "loan.returned_on IS NULL", asset_id, row=LoanRow)
    return (await _with_organisations(rows))[0] if rows else None


async def person_loans(person_id: int) -> list[LoanRow]:
    """What a person holds and held, newest first."""
    return await _with_organisations(await db.fetch_all(
        _LOAN_SELECT + " WHERE loan.person = {} ORDER BY loan.out_on DESC, loan.id DESC",
        person_id, row=LoanRow))


async def list_loans(scope: Scope, *, open_only: bool = False, due_before: dt.date | None = None,
                     after_id: int = 0, limit: int = 500) -> list[LoanRow]:
    """Loans by id within the scope; `due_before`: only open ones due before that day."""
    sites, site_args = scope.sql("asset.site")
    orgs, org_args = scope.organisation_sql("lo.organisation")
    still_out = " AND loan.returned_on IS NULL" if open_only or due_before else ""
    overdue, due_args = (" AND loan.due_on < {}", [due_before]) if due_before else ("", [])
    rows = await db.fetch_all(
        _LOAN_SELECT + f" WHERE loan.id > {{}} AND {sites}{still_out}{overdue} AND EXISTS "
        f"(SELECT 1 FROM loan_organisation lo WHERE lo.loan = loan.id AND {orgs}) "
        "ORDER BY loan.id LIMIT {}", after_id, *site_args, *due_args, *org_args, limit,
        row=LoanRow)
    return await _with_organisations(rows)


async def overdue_loans(scope: Scope, today: dt.date | None = None) -> list[LoanRow]:
    """Open loans past their due date (rules.is_overdue), chosen by the query itself."""
    return await list_loans(scope, due_before=today or clock.today(), limit=100_000)


async def same_kind_open_loans(person_id: int, category_id: int) -> list[LoanRow]:
    return await db.fetch_small(
        _LOAN_SELECT + " WHERE loan.person = {} AND asset.category = {} AND "
        "loan.returned_on IS NULL", person_id, category_id, row=LoanRow)


async def check_out(tag: str, raw: Mapping[str, Any], actor: Actor | str, scope: Scope, *,
                    confirm_second: bool = False,
                    base_url: str | None = None) -> tuple[LoanRow, str]:
    """Lend the device `tag` to the person `raw["person"]` (an id). Returns the loan and
    its acknowledgment token (only its hash is kept); with `base_url`, a person with an
    email is sent the link to acknowledge, through the outbox in the same transaction. A
    person who already holds an open loan of the same category gets a warning
    (ValidationFailed on "person") unless `confirm_second`: one device serves all their
    organisations."""
    values = rules.clean_check_out(raw, clock.today())
    asset = await assets.get_asset(tag, scope)
    no_person = ValidationFailed({"person": _("Choose the person the device is lent to.")})
    try:
        person_id = int(str(raw.get("person") or ""))
    except ValueError:
        raise no_person from None
    async with audit.atomic():
        try:
            person = await get_person(person_id, scope)
        except NotFound:
            raise no_person from None
        if person["anonymised_at"] is not None:
            raise no_person
        if asset["status"] == "retired":
            raise ValidationFailed({"asset": _("A retired device cannot be lent.")})
        if await current_loan(asset["id"]) is not None:
            raise ValidationFailed({"asset": _("This device is already lent: check it in "
                                               "first.")})
        if not confirm_second and await same_kind_open_loans(person_id, asset["category"]):
            raise ValidationFailed({"person": _(
                "This person already holds a device of this kind. One device serves all "
                "their organisations: confirm only if a second one is really needed.")})
        served = _codes(raw)
        organisation_ids = (await _organisation_ids(served, scope) if served
                            else person["organisations"])
        token, token_hash = rules.new_token()
        now = clock.now()
        row = (await Loan.insert(Loan(
            asset=asset["id"], person=person_id, created_by=audit.as_actor(actor).label,
            acknowledge_token_hash=token_hash,
            acknowledge_expires_at=now + dt.timedelta(days=rules.ACKNOWLEDGE_DAYS),
            **values)).returning(Loan.id).run())[0]
        await LoanOrganisation.insert(*[LoanOrganisation(loan=row["id"], organisation=o)
                                        for o in organisation_ids]).run()
        await audit.record(actor=actor, entity="asset", entity_key=asset["tag"],
                           action="check_out", changes={"loan": [None, row["id"]]},
                           site_id=asset["site"])
        loan = await get_loan(row["id"], scope)
        if base_url and loan["person_email"]:
            link = acknowledge_link(base_url, token)
            await outbox.queue_for_user(loan["person_email"],
                                        lambda: emails.acknowledge_request(loan, link))
    return loan, token


def acknowledge_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/loans/acknowledge/{token}"


async def remind_overdue(today: dt.date) -> int:
    """Email each holder of an overdue loan, again every REMIND_EVERY_DAYS; returns how many
    were queued. The daily job runs this."""
    again = today - dt.timedelta(days=REMIND_EVERY_DAYS)
    due = [loan for loan in await overdue_loans(EVERYTHING, today)
           if loan["person_email"] and (loan["reminded_on"] is None
                                        or loan["reminded_on"] <= again)]
    for loan in due:
        async with audit.atomic():
            await outbox.queue_for_user(loan["person_email"],
                                        lambda loan=loan: emails.overdue_reminder(loan))
            await mark_reminded([loan["id"]], today)
    return len(due)


async def _token_loan(token: str) -> dict[str, Any]:
    loan = await Loan.select().where(
        (Loan.acknowledge_token_hash == rules.token_hash(token))
        & (Loan.acknowledge_token_hash != "")).first().run()
    if loan is None or (loan["acknowledge_expires_at"] is not None
                        and loan["acknowledge_expires_at"] < clock.now()):
        raise NotFound("token")
    return loan


async def loan_by_token(token: str) -> LoanRow:
    """What the emailed link shows before the person accepts (nothing is spent by opening
    it: mail scanners open links too)."""
    loan = await _token_loan(token)
    rows = await db.fetch_small(_LOAN_SELECT + " WHERE loan.id = {}", loan["id"], row=LoanRow)
    return rows[0]


async def holders(asset_ids: list[int]) -> dict[int, str]:
    """The name of who holds each lent device (the current loan's person)."""
    if not asset_ids:
        return {}
    rows = await db.fetch_all(
        "SELECT loan.asset, person.name FROM loan JOIN person ON person.id = loan.person "
        "WHERE loan.returned_on IS NULL AND loan.asset IN ("
        + ", ".join("{}" for _i in asset_ids) + ")", *asset_ids)
    return {r["asset"]: r["name"] or _("a former holder") for r in rows}


async def acknowledge_by_token(token: str) -> dict[str, Any]:
    """The person opened the emailed link: the loan is acknowledged now, the link spent."""
    now = clock.now()
    acknowledged: dict[str, Any] = {}
    async with audit.atomic():
        loan = await _token_loan(token)
        await _acknowledge(loan, now, actor="link")
        acknowledged = loan
    return acknowledged


async def acknowledge(loan_id: int, version: int | None, actor: Actor | str,
                      scope: Scope) -> LoanRow:
    """The signed receipt came back (recorded by the person who lent the device)."""
    async with audit.atomic():
        loan = await get_loan(loan_id, scope)
        if loan["acknowledged_at"] is None:
            await _acknowledge(loan, clock.now(), actor=actor, version=version)
    return await get_loan(loan_id, scope)


async def _acknowledge(loan: Mapping[str, Any], at: dt.datetime, *, actor: Actor | str,
                       version: int | None = None) -> None:
    await audit.update_versioned(Loan, loan["id"], version if version is not None
                                 else loan["version"],
                                 {"acknowledged_at": at, "acknowledge_token_hash": ""},
                                 entity="loan", entity_key=str(loan["id"]),
                                 action="acknowledge", actor=actor)


async def update_loan(loan_id: int, raw: Mapping[str, Any], version: int | None,
                      actor: Actor | str, scope: Scope) -> LoanRow:
    async with audit.atomic():
        loan = await get_loan(loan_id, scope)
        out_on = loan["out_on"]
        if isinstance(out_on, str):
            out_on = dt.date.fromisoformat(out_on)
        values = rules.clean_loan_update(raw, out_on)
        await audit.update_versioned(Loan, loan_id, version, values, entity="loan",
                                     entity_key=str(loan_id), action="update", actor=actor)
    return await get_loan(loan_id, scope)


async def check_in(loan_id: int, raw: Mapping[str, Any], version: int | None,
                   actor: Actor | str, scope: Scope) -> LoanRow:
    async with audit.atomic():
        loan = await get_loan(loan_id, scope)
        if loan["returned_on"] is not None:
            raise ValidationFailed({"returned_on": _("This device is already back.")})
        values = rules.clean_check_in(raw, clock.today(), loan["out_on"])
        await audit.update_versioned(Loan, loan_id, version, {
            **values, "acknowledge_token_hash": ""}, entity="loan", entity_key=str(loan_id),
            action="check_in", actor=actor)
        await audit.record(actor=actor, entity="asset", entity_key=loan["asset_tag"],
                           action="check_in", changes={"loan": [loan_id, None]},
                           site_id=loan["site_id"])
    return await get_loan(loan_id, scope)


async def mark_reminded(loan_ids: list[int], today: dt.date) -> None:
    if loan_ids:
        await Loan.update({Loan.reminded_on: today}).where(Loan.id.is_in(loan_ids)).run()


# Personal data


async def export_person(person_id: int, scope: Scope) -> dict[str, Any]:
    """Everything kept about a person (their right of access), as plain JSON values."""
    person = await get_person(person_id, scope)
    loans = await person_loans(person_id)
    codes = {r["id"]: r["code"] for r in await Organisation.select(
        Organisation.id, Organisation.code).run()}

    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value

    return {
        "person": {k: plain(person[k]) for k in ("id", "name", "mandates", "email",
                                                 "created_at", "updated_at")}
        | {"organisations": [codes[o] for o in person["organisations"]]},
        "loans": [{k: plain(loan[k]) for k in (
            "id", "asset_tag", "out_on", "out_condition", "accessories", "due_on", "for_term",
            "acknowledged_at", "returned_on", "return_condition", "missing_accessories",
            "notes")} | {"organisations": [codes[o] for o in loan["organisations"]]}
            for loan in loans],
    }


async def erase_person(person_id: int, actor: Actor | str, scope: Scope) -> str:
    """Erase a person who holds nothing: deleted when they never held a device, otherwise
    anonymised (the loans stay, held by "a former holder"). Returns "deleted" or
    "anonymised"."""
    async with audit.atomic():
        person = await get_person(person_id, scope)
        loans = await person_loans(person_id)
        if any(loan["returned_on"] is None for loan in loans):
            raise ValidationFailed({"person": _("This person still holds a device: check it "
                                                "in first.")})
        del person  # read for its scope check
        outcome = await _forget(person_id, bool(loans), actor)
    return outcome


async def _forget(person_id: int, held_something: bool, actor: Actor | str) -> str:
    # What the audit trail kept of this person's fields goes too.
    await AuditRecord.update({AuditRecord.changes: "{}"}).where(
        (AuditRecord.entity == "person") & (AuditRecord.entity_key == str(person_id))).run()
    if held_something:
        await Person.update({Person.name: "", Person.mandates: "", Person.email: "",
                             Person.anonymised_at: clock.now(),
                             Person.version: Person.version + 1}).where(
            Person.id == person_id).run()
        outcome = "anonymised"
    else:
        await Person.delete().where(Person.id == person_id).run()
        outcome = "deleted"
    await audit.record(actor=actor, entity="person", entity_key=str(person_id),
                       action=outcome, changes={})
    return outcome


async def anonymise_stale(months: int, actor: Actor | str = "retention") -> int:
    """People with no open loan and none returned in the last `months` months (nor made in
    them) are anonymised or deleted; returns how many. The daily job runs this."""
    cutoff = rules.months_before(clock.today(), months)
    rows = await db.fetch_all(
        "SELECT p.id, (SELECT COUNT(*) FROM loan l WHERE l.person = p.id) AS loans "
        "FROM person p WHERE p.anonymised_at IS NULL AND p.created_at < {} "
        "AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.person = p.id AND "
        "(l.returned_on IS NULL OR l.returned_on >= {}))",
        dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC), cutoff)
    for row in rows:
        async with audit.atomic():
            await _forget(row["id"], row["loans"] > 0, actor)
    return len(rows)
