"""Test data that says what a test needs: sites, rooms, categories, models, assets, accounts,
faults, interventions, maintenance tasks, inventory audits, contracts and plans, each made
through the same service function the pages use (so it carries the tags, derived values
and audit records a real one has), with invented defaults that any keyword overrides.

In a test, the `make` fixture (tests/conftest.py) builds into that test's own database, on
either engine:

    def test_something(empty_client, make):
        school = make.site(kind="maternelle")
        board = make.asset(site=school, category=make.category(code="TNI"))
        make.sign_in(empty_client, "director", sites=[school])
        ...

Each call returns the stored row as the service returns it (a dict: `site["code"]`,
`asset["tag"]`, `account["email"]`...). Parents may be given as those dicts or as codes
(site and category codes, a room id); a missing parent is made with its own defaults.
Service-level tests that already run in an event loop use the `a_…` coroutines directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from inventory.accounts import permissions
from inventory.accounts import service as accounts
from inventory.accounts.scope import EVERYTHING
from inventory.assets import service as assets
from inventory.catalog import service as catalog
from inventory.core.audit import Actor
from inventory.faults import service as faults
from inventory.faults import symptoms, workflow
from inventory.organisations import service as organisations
from inventory.setup import service as setup
from inventory.sites import service as sites
from tests.helpers import sign_in as _session_for

ACTOR = "factory"  # who the audit trail says made the test's data
PASSWORD = "Essai-Tournesol-2026"  # every factory account's (invented, not a common one)
TAG_PREFIX = "BRN"  # the prefix the test rig's settings give the app (tests/conftest.py)
TAG_DIGITS = 6
PUBLIC_URL = "https://inventaire.commune.example"

_numbers = itertools.count(1)


def _n() -> int:
    return next(_numbers)


def _code(value: Any) -> str:
    return value["code"] if isinstance(value, Mapping) else str(value)


def _id(value: Any) -> Any:
    return value["id"] if isinstance(value, Mapping) else value


def _strings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Form posts carry text; None means "leave out"."""
    return {k: v if isinstance(v, str | list) else str(v) for k, v in raw.items()
            if v is not None}


def uai(number: int) -> str:
    """A valid UAI code (7 digits and their check letter) for an invented school."""
    from inventory.sites.rules import uai_check_letter

    digits = f"{number:07d}"
    return digits + uai_check_letter(digits)


# The coroutines (one per record kind)


async def a_installation(**overrides: Any) -> dict[str, str]:
    """Finish the set-up as an administrator would (a public address phones can reach;
    the tag prefix is the one the rig's settings fix), so the administrator is no longer
    sent to /setup and labels print without confirming a local address. A `tag_prefix`
    given is stored as the set-up page stores it (the command line, which the rig's
    settings do not reach, reads it from the database)."""
    from inventory.core.settings import Settings

    raw = {"label_owner": "Commune de Vallombreuse", "base_url": PUBLIC_URL,
           "support_phone": "01 99 00 12 34", **overrides}
    fixed_prefix = None if "tag_prefix" in overrides else TAG_PREFIX
    rig = Settings(database_url="", tag_prefix=fixed_prefix)  # the app's: tests/conftest.py
    return await setup.save(_strings(raw), rig, Actor(label=ACTOR))


async def a_organisation(**overrides: Any) -> dict[str, Any]:
    n = _n()
    raw = {"code": f"ORG-{n}", "name": f"Communauté d'essai n° {n}", "kind": "epci",
           **overrides}
    return await organisations.create_organisation(_strings(raw), ACTOR)


async def a_site(owner: Any = None, **overrides: Any) -> dict[str, Any]:
    """A site of `owner` (an organisation or its code; by default the installation's
    first)."""
    n = _n()
    raw = {"code": f"ECOLE-{n}", "name": f"École des Essais n° {n}", "kind": "elementaire",
           "city": "Vallombreuse", "owner": _code(owner) if owner is not None else None,
           **overrides}
    return await sites.create_site(_strings(raw), ACTOR)


async def a_room(site: Any = None, **overrides: Any) -> dict[str, Any]:
    site = site if site is not None else await a_site()
    raw = {"name": f"Salle {_n()}", "kind": "classroom", **overrides}
    return await sites.create_room(_code(site), _strings(raw), ACTOR, EVERYTHING)


async def a_category(**overrides: Any) -> dict[str, Any]:
    n = _n()
    raw = {"code": f"CAT-{n}", "name": f"Catégorie d'essai {n}", "lifespan_years": 6,
           "replacement_cost_cents": 50_000, "price_change_bp": 0, **overrides}
    return await catalog.create_category(raw, ACTOR)


async def a_model(category: Any = None, **overrides: Any) -> dict[str, Any]:
    category = category if category is not None else await a_category()
    raw = {"category": _code(category), "manufacturer": "Fabricant Fictif",
           "name": f"Modèle {_n()}", **overrides}
    return await catalog.create_model(_strings(raw), ACTOR)


async def a_asset(site: Any = None, category: Any = None, room: Any = None, model: Any = None,
                  status: str = "in_service", **overrides: Any) -> dict[str, Any]:
    """An asset (tag from the rig's sequence). `status` may be any status, "retired"
    included: the ones a creation refuses are reached by a change of status after it."""
    if site is None:
        site = await _site_of_room(room) if isinstance(room, Mapping) else await a_site()
    if category is None and isinstance(model, Mapping):
        category = await _category_of_model(model)
    category = category if category is not None else await a_category()
    created_status = status if status != "retired" else "in_service"
    raw = {"site": _code(site), "category": _code(category), "room": _id(room),
           "model": _id(model), "status": created_status, **overrides}
    asset = await assets.create(_strings(raw), ACTOR, EVERYTHING, prefix=TAG_PREFIX,
                                digits=TAG_DIGITS)
    if status != created_status:
        asset = await assets.change_status(asset["tag"], status, None, ACTOR, EVERYTHING)
    return asset


async def _site_of_room(room: Mapping[str, Any]) -> str:
    from inventory.core.tables import Site

    return (await Site.select(Site.code).where(Site.id == room["site"]).first().run())["code"]


async def _category_of_model(model: Mapping[str, Any]) -> str:
    from inventory.core.tables import Category

    return (await Category.select(Category.code).where(
        Category.id == model["category"]).first().run())["code"]


async def a_account(role: str = permissions.TECHNICIAN, sites: Iterable[Any] | None = None,
                    member_of: Iterable[Any] | None = None,
                    **overrides: Any) -> dict[str, Any]:
    """An active account with `role` (a director gets a new site unless `sites` names
    theirs); its password is PASSWORD unless overridden. It works for `member_of`
    (organisations or codes), by default the installation's first."""
    assert role in permissions.ROLES, role
    site_list = list(sites) if sites is not None else []
    if role == permissions.DIRECTOR and sites is None:
        site_list = [await a_site()]
    n = _n()
    raw = {"email": f"{role}-{n}@commune.example", "name": f"Personne d'essai {n}",
           "role": role, "sites": [_code(s) for s in site_list], "password": PASSWORD,
           **overrides}
    user = await accounts.create_user(raw, ACTOR)
    if member_of is not None:
        ids = [await organisations.owner_id(_code(o)) for o in member_of]
        await organisations.set_user_organisations(user["id"], ids)
    return {**user, "password": raw["password"]}


async def a_contract(owner: Any = None, members: Iterable[tuple[Any, int]] = (),
                     **overrides: Any) -> dict[str, Any]:
    """A contract of `owner` (an organisation or its code; by default the first), with
    `members` as (organisation or code, share) pairs, shares in basis points unless
    share_mode="amount" is given."""
    from inventory.contracts import service as contracts

    n = _n()
    raw = {"reference": f"MARCHE-{n}", "title": f"Marché d'essai {n}", "kind": "marche",
           "supplier": "Fournisseur Fictif SARL", "amount_cents": 100_000,
           "owner": _code(owner) if owner is not None else None,
           "members": [{"organisation": _code(org), "share": share} for org, share in members],
           **overrides}
    return await contracts.create_contract({k: v for k, v in raw.items() if v is not None},
                                           ACTOR, EVERYTHING)


async def a_purchase(contract: Any = None, lines: Iterable[Mapping[str, Any]] | None = None,
                     **overrides: Any) -> dict[str, Any]:
    from inventory.contracts import service as contracts

    contract = contract if contract is not None else await a_contract()
    raw = {"contract": _id(contract), "reference": f"BC-{_n()}",
           "lines": list(lines) if lines is not None else [
               {"description": "Tablette d'essai", "quantity": 1, "unit_price_cents": 30_000}],
           **overrides}
    return await contracts.create_purchase(raw, ACTOR, EVERYTHING)


async def a_plan(organisations: Iterable[Any] = (), first_year: int = 2028, years: int = 3,
                 cap: str = "100000", **overrides: Any) -> dict[str, Any]:
    """A draft renewal plan for `organisations` (organisations or codes; none: every one),
    made as the plan form makes it, with the same yearly cap (euros) every year."""
    from inventory.planning import service as planning

    raw = {"name": f"Plan d'essai {_n()}", "first_year": str(first_year), "years": str(years),
           "budgets": "one", "organisations": [_code(o) for o in organisations],
           **{f"cap_all_{y}": cap for y in range(first_year, first_year + years)},
           **overrides}
    return await planning.create_plan(_strings(raw), ACTOR, EVERYTHING)


def _actor(who: Any) -> Actor | str:
    """An account (as account() returns it) as the actor of a write, or a label as is."""
    return Actor(label=who["email"], user_id=who["id"]) if isinstance(who, Mapping) else who


async def a_intervention(asset: Any = None, by: Any = ACTOR, **overrides: Any) -> dict[str, Any]:
    """A technician's work record on `asset` (made if not given), logged by `by` (an account
    or a label), as the intervention form logs it."""
    from inventory.interventions import service as interventions

    asset = asset if asset is not None else await a_asset()
    tag = asset["tag"] if isinstance(asset, Mapping) else str(asset)
    raw = {"kind": "repair", "minutes_spent": "30", "notes": "Intervention d'essai",
           **overrides}
    row = await interventions.log(tag, _strings(raw), _actor(by), EVERYTHING)
    return await interventions.get(row["id"])


async def a_maintenance_task(category: Any = None, asset: Any = None,
                             **overrides: Any) -> dict[str, Any]:
    """A preventive task for every device of `category` (or for one `asset`), as the
    maintenance page makes it; every 180 days from today unless overridden."""
    from inventory.maintenance import service as maintenance

    raw = {"name": f"Entretien d'essai {_n()}", "interval_days": "180", **overrides}
    if asset is not None:
        raw["asset"] = asset["tag"] if isinstance(asset, Mapping) else str(asset)
    else:
        raw["category"] = _code(category if category is not None else await a_category())
    row = await maintenance.create_task(_strings(raw), ACTOR)
    return next(t for t in await maintenance.list_tasks() if t["id"] == row["id"])


async def a_campaign(site: Any = None, by: Any = ACTOR) -> int:
    """An inventory audit started at `site` (made if not given) by `by`: its id."""
    from inventory.campaigns import service as campaigns

    site = site if site is not None else await a_site()
    return await campaigns.start(_code(site), _actor(by), EVERYTHING)


async def a_campaign_check(campaign: int, asset: Any, room: Any,
                           by: Any = ACTOR) -> str:
    """A label scanned in `room` during inventory audit `campaign`: the outcome
    ("found", "elsewhere", ...)."""
    from inventory.campaigns import service as campaigns

    tag = asset["tag"] if isinstance(asset, Mapping) else str(asset)
    return await campaigns.check(campaign, tag, _id(room), _actor(by), EVERYTHING)


async def a_person(organisations: Iterable[Any] = (), **overrides: Any) -> dict[str, Any]:
    """Someone who may hold devices (an elected councillor, say), working for
    `organisations` (organisations or codes; none: nobody's in particular)."""
    from inventory.loans import service as loans

    n = _n()
    raw = {"name": f"Camille Essai {n}", "mandates": "Conseillère municipale",
           "email": f"personne-{n}@conseil.example",
           "organisations": [_code(o) for o in organisations], **overrides}
    return await loans.create_person(raw, ACTOR, EVERYTHING)


async def a_loan(asset: Any = None, person: Any = None, returned: bool = False,
                 **overrides: Any) -> dict[str, Any]:
    """`asset` (a row or a tag; made if not given) lent to `person` (a row or an id; made if
    not given) for their term of office unless `due_on` is given, as the lending page does it
    (a second device of a kind confirmed); "token" is the acknowledgment link's token (the
    one the person is emailed). `returned`: checked in today."""
    from inventory.loans import service as loans

    tag = asset if isinstance(asset, str) else (asset or await a_asset())["tag"]
    person = person if person is not None else await a_person()
    raw = {"person": str(_id(person)), "for_term": None if "due_on" in overrides else "1",
           **overrides}
    loan, token = await loans.check_out(tag, _strings(raw), ACTOR, EVERYTHING,
                                        confirm_second=True)
    if returned:
        loan = await loans.check_in(loan["id"], {}, None, ACTOR, EVERYTHING)
    return {**loan, "token": token}


async def a_document(contract: Any, data_dir: Any, filename: str = "marche.pdf",
                     data: bytes | None = None) -> dict[str, Any]:
    """A document attached to `contract`, its file written under `data_dir` (the app's,
    tmp_path in the HTTP tests, for the download to find it)."""
    from pathlib import Path

    from inventory.contracts import service as contracts

    data = data if data is not None else (
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return await contracts.add_document(_id(contract), filename, data, ACTOR, EVERYTHING,
                                        data_dir=Path(data_dir), max_bytes=10_000_000)


async def a_import_profile(name: str | None = None,
                           columns: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A saved import profile (the import page's "save these choices")."""
    from inventory.imports import profiles

    profile = profiles.Profile(columns=dict(columns or {"N° de série": "serial"}))
    return await profiles.save_profile(name or f"Profil d'essai {_n()}", profile, ACTOR)


async def a_reserved_tags(count: int = 1) -> str:
    """Tags taken ahead of time for blank labels: the batch's name."""
    from inventory.labels import service as labels

    return await labels.reserve_blank_tags(count, ACTOR, prefix=TAG_PREFIX, digits=TAG_DIGITS)


async def a_token(account: Mapping[str, Any], name: str = "Script d'essai") -> dict[str, Any]:
    """An API token of `account`: its stored row, with the token itself as "token"."""
    from inventory.accounts import tokens

    token, row = await tokens.create(account["id"], name, _actor(account))
    return {**row, "token": token}


async def a_anonymous_reports(allowed: bool = True) -> None:
    """Whether visitors without an account may report a problem from a label (off in a new
    installation, on in the demo)."""
    await accounts.set_setting(accounts.ANONYMOUS_REPORTS, "1" if allowed else "0")


# Fault status -> the actions that lead there from "new" (as a technician would take them).
_FAULT_PATHS = {
    workflow.NEW: (),
    workflow.ACKNOWLEDGED: ("acknowledge",),
    workflow.IN_PROGRESS: ("start",),
    workflow.WAITING_PARTS: ("start", "wait_parts"),
    workflow.RESOLVED: ("start", "resolve"),
    workflow.CLOSED: ("start", "resolve", "close"),
    workflow.REJECTED: ("reject",),
}


async def a_fault(asset: Any = None, room: Any = None, status: str = workflow.NEW,
                  reported_by: Any = ACTOR, handled_by: Any = ACTOR,
                  photo: bytes | None = None, data_dir: Any = None,
                  **overrides: Any) -> dict[str, Any]:
    """A fault reported on `asset` (made if neither it nor `room` is given), then taken
    through the workflow to `status` by the actions of `handled_by` (a technician's
    account, or a label), who is then the one it is assigned to. A `photo` (image bytes)
    is kept under `data_dir` (the app's, tmp_path in the HTTP tests) as the form keeps it."""
    if asset is None and room is None:
        asset = await a_asset()
    if asset is not None:
        tag = asset["tag"] if isinstance(asset, Mapping) else str(asset)
        offered = (await assets.get_asset(tag, EVERYTHING))["category_symptoms"]
        raw = {"asset": tag, "symptom": symptoms.parse(offered)[0]}
    else:
        raw = {"room": str(_id(room)), "symptom": "no_power"}
    raw.update(overrides)
    if raw.get("symptom") == "other":
        raw.setdefault("description", "Un bruit étrange au démarrage.")
    if photo is not None:
        from pathlib import Path

        fault = await faults.report(_strings(raw), _actor(reported_by), EVERYTHING,
                                    photo=photo, data_dir=Path(data_dir))
    else:
        fault = await faults.report(_strings(raw), _actor(reported_by), EVERYTHING)
    for action in _FAULT_PATHS[status]:
        note = "Hors garantie, non réparable." if action == "reject" else ""
        fault = await faults.transition(fault["id"], action, note, _actor(handled_by),
                                        permissions.TECHNICIAN, EVERYTHING)
    return fault


# The fixture's object: the same, one call each, for tests that do not run a loop


class Factory:
    """Builds records in the current test database; each method runs its coroutine with
    `run` (tests/conftest.py), on an engine of its own."""

    def __init__(self, run: Callable[[Any], Any]):
        self._run = run

    def installation(self, **overrides: Any) -> dict[str, str]:
        return self._run(a_installation(**overrides))

    def organisation(self, **overrides: Any) -> dict[str, Any]:
        return self._run(a_organisation(**overrides))

    def site(self, **overrides: Any) -> dict[str, Any]:
        return self._run(a_site(**overrides))

    def room(self, site: Any = None, **overrides: Any) -> dict[str, Any]:
        return self._run(a_room(site, **overrides))

    def category(self, **overrides: Any) -> dict[str, Any]:
        return self._run(a_category(**overrides))

    def model(self, category: Any = None, **overrides: Any) -> dict[str, Any]:
        return self._run(a_model(category, **overrides))

    def asset(self, site: Any = None, category: Any = None, **overrides: Any) -> dict[str, Any]:
        return self._run(a_asset(site, category, **overrides))

    def assets(self, count: int, site: Any = None, category: Any = None,
               **overrides: Any) -> list[dict[str, Any]]:
        """`count` assets sharing the same site and category (made once if not given)."""

        async def many():
            where = site
            if where is None:  # the room's site, or one new site for them all
                room = overrides.get("room")
                where = await _site_of_room(room) if isinstance(room, Mapping) else await a_site()
            kind = category if category is not None else await a_category()
            return [await a_asset(where, kind, **overrides) for _ in range(count)]

        return self._run(many())

    def account(self, role: str = permissions.TECHNICIAN, sites: Iterable[Any] | None = None,
                **overrides: Any) -> dict[str, Any]:
        return self._run(a_account(role, sites, **overrides))

    def contract(self, owner: Any = None, members: Iterable[tuple[Any, int]] = (),
                 **overrides: Any) -> dict[str, Any]:
        return self._run(a_contract(owner, members, **overrides))

    def purchase(self, contract: Any = None, lines: Iterable[Mapping[str, Any]] | None = None,
                 **overrides: Any) -> dict[str, Any]:
        return self._run(a_purchase(contract, lines, **overrides))

    def fault(self, asset: Any = None, **overrides: Any) -> dict[str, Any]:
        return self._run(a_fault(asset, **overrides))

    def intervention(self, asset: Any = None, **overrides: Any) -> dict[str, Any]:
        return self._run(a_intervention(asset, **overrides))

    def maintenance_task(self, category: Any = None, asset: Any = None,
                         **overrides: Any) -> dict[str, Any]:
        return self._run(a_maintenance_task(category, asset, **overrides))

    def campaign(self, site: Any = None, by: Any = ACTOR) -> int:
        return self._run(a_campaign(site, by))

    def campaign_check(self, campaign: int, asset: Any, room: Any, by: Any = ACTOR) -> str:
        return self._run(a_campaign_check(campaign, asset, room, by))

    def person(self, organisations: Iterable[Any] = (), **overrides: Any) -> dict[str, Any]:
        return self._run(a_person(organisations, **overrides))

    def loan(self, asset: Any = None, person: Any = None, returned: bool = False,
             **overrides: Any) -> dict[str, Any]:
        return self._run(a_loan(asset, person, returned, **overrides))

    def document(self, contract: Any, data_dir: Any, filename: str = "marche.pdf",
                 data: bytes | None = None) -> dict[str, Any]:
        return self._run(a_document(contract, data_dir, filename, data))

    def import_profile(self, name: str | None = None,
                       columns: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self._run(a_import_profile(name, columns))

    def reserved_tags(self, count: int = 1) -> str:
        return self._run(a_reserved_tags(count))

    def token(self, account: Mapping[str, Any], name: str = "Script d'essai") -> dict[str, Any]:
        return self._run(a_token(account, name))

    def anonymous_reports(self, allowed: bool = True) -> None:
        self._run(a_anonymous_reports(allowed))

    def plan(self, organisations: Iterable[Any] = (), **overrides: Any) -> dict[str, Any]:
        return self._run(a_plan(organisations, **overrides))

    def sign_in(self, client, who: str | Mapping[str, Any] = permissions.ADMINISTRATOR,
                sites: Iterable[Any] | None = None, **overrides: Any) -> dict[str, Any]:
        """Sign `client` in (its previous session dropped) as `who`: an account from
        account(), or a role, for which a new account is made. Returns the account."""
        account = who if isinstance(who, Mapping) else self.account(who, sites, **overrides)
        client.cookies.delete("session")
        _session_for(client, account["email"])
        return account

    def sign_out(self, client) -> None:
        from tests.helpers import with_csrf

        client.cookies.delete("session")
        with_csrf(client)

