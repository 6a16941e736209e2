"""Contracts, their members' shares and documents, purchases and their lines: the one write
path for each (pages, API and tests call these), scoped by organisation: a contract is seen
by the accounts of its owner and of its members."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from inventory.accounts.scope import Scope
from inventory.contracts import files, shares
from inventory.core import audit, db
from inventory.core import parsers as v
from inventory.core.audit import Actor
from inventory.core.errors import Collector, FieldError, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.tables import (
    Asset,
    Category,
    Contract,
    ContractDocument,
    ContractMember,
    Organisation,
    Purchase,
    PurchaseLine,
)

FIELDS = ("reference", "title", "kind", "supplier", "starts_on", "ends_on", "warranty_months",
          "maintenance_terms", "renewal_on", "amount_cents", "share_mode", "notes")
MAX_MEMBERS = 50
MAX_LINES = 200


# Contracts

async def _organisation_ids(codes: Sequence[str]) -> dict[str, int]:
    wanted = sorted({c.strip().upper() for c in codes if isinstance(c, str) and c.strip()})
    if not wanted:
        return {}
    rows = await Organisation.select(Organisation.id, Organisation.code).where(
        Organisation.code.is_in(wanted)).run()
    return {r["code"]: r["id"] for r in rows}


async def clean_contract(raw: Mapping[str, Any], scope: Scope) -> tuple[dict[str, Any],
                                                                        list[tuple[int, int]]]:
    """A contract's values and its members [(organisation id, share)]; ValidationFailed
    with every problem. `owner` and members are organisation codes; `members` is a list of
    {"organisation": code, "share": n} (n: basis points or cents, as `share_mode` says)."""
    c = Collector()
    c.field("reference", v.text, raw.get("reference"), required=True, max_length=64)
    c.field("title", v.text, raw.get("title"), max_length=200)
    c.field("kind", v.choice, raw.get("kind") or "marche", shares.KINDS)
    c.field("supplier", v.text, raw.get("supplier"), max_length=200)
    starts = c.field("starts_on", v.date, raw.get("starts_on"))
    ends = c.field("ends_on", v.date, raw.get("ends_on"))
    if starts and ends and ends < starts:
        c.error("ends_on", _("A contract cannot end before it starts."))
    c.field("warranty_months", v.integer, raw.get("warranty_months"), minimum=0, maximum=240)
    c.field("maintenance_terms", v.text, raw.get("maintenance_terms"), max_length=2000,
            multiline=True)
    c.field("renewal_on", v.date, raw.get("renewal_on"))
    if "amount_eur" in raw and "amount_cents" not in raw:
        amount = c.field("amount_cents", v.euros_to_cents, raw.get("amount_eur"))
    else:
        amount = c.field("amount_cents", _big_cents, raw.get("amount_cents"))
    c.values["amount_cents"] = amount = amount or 0
    mode = c.field("share_mode", v.choice, raw.get("share_mode") or shares.PERCENT,
                   shares.SHARE_MODES)
    c.field("notes", v.text, raw.get("notes"), max_length=4000, multiline=True)

    owner_code = raw.get("owner")
    members_raw = raw.get("members") or []
    if not isinstance(members_raw, list) or len(members_raw) > MAX_MEMBERS:
        c.error("members", _("Enter a list of at most %(n)d members.") % {"n": MAX_MEMBERS})
        members_raw = []
    codes = [code for m in members_raw if isinstance(m, Mapping)
             and isinstance(code := m.get("organisation"), str)]
    known = await _organisation_ids([owner_code, *codes] if isinstance(owner_code, str)
                                    else codes)
    if isinstance(owner_code, str) and owner_code.strip():
        owner = known.get(owner_code.strip().upper())
        if owner is None or not scope.allows_organisation(owner):
            c.error("owner", _("Choose one of the proposed values."))
        c.values["owner"] = owner
    elif scope.organisation_ids is not None and len(scope.organisation_ids) == 1:
        c.values["owner"] = next(iter(scope.organisation_ids))
    else:
        from inventory.organisations.service import first_organisation_id

        c.values["owner"] = await first_organisation_id()
        if not scope.allows_organisation(c.values["owner"]):
            c.error("owner", _("This field is required."))

    members: list[tuple[int, int]] = []
    for i, member in enumerate(members_raw):
        where = f"members.{i}"
        if not isinstance(member, Mapping):
            c.error(where, _("Choose one of the proposed values."))
            continue
        code = member.get("organisation")
        org = known.get(code.strip().upper()) if isinstance(code, str) else None
        if org is None:
            c.error(where, _("Choose one of the proposed values."))
            continue
        if org in [m for m, _s in members]:
            c.error(where, _("This organisation is listed twice."))
            continue
        try:
            share = _member_share(member, mode)
        except FieldError as error:
            c.error(where, error.message)
            continue
        members.append((org, share))
    if mode and not c.errors and (
            problem := shares.shares_problem(mode, [s for _m, s in members], amount)):
        c.error("members", problem)
    c.raise_if_any()
    return c.values, members


def _big_cents(value: Any) -> int | None:
    """Cents as the API sends them; a contract may exceed the 32-bit column of a device."""
    if v.blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(_("Enter a whole number."))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise FieldError(_("Enter a whole number.")) from None
    if not 0 <= number <= 10**14:
        raise FieldError(_("This amount is too large.") if number > 0
                         else _("An amount cannot be negative."))
    return number


def _member_share(member: Mapping[str, Any], mode: str | None) -> int:
    """A member's share: `share` (basis points or cents), or from a form, `percent`
    ('33,34') or `amount_eur` ('1 234,50')."""
    if "share" in member and not v.blank(member.get("share")):
        share = _big_cents(member["share"]) or 0
        if mode == shares.PERCENT and share > shares.WHOLE:
            raise FieldError(_("Enter a percentage between 0 and 100."))
        return share
    if mode == shares.PERCENT and not v.blank(member.get("percent")):
        return shares.percent_to_bp(member["percent"])
    if mode == shares.AMOUNT and not v.blank(member.get("amount_eur")):
        return v.euros_to_cents(member["amount_eur"]) or 0
    raise FieldError(_("Enter this member's share."))


def _visible(scope: Scope) -> Any:
    """The WHERE condition of the contracts `scope` sees: owned by or shared with one of
    its organisations."""
    if scope.organisation_ids is None:
        return None
    ids = sorted(scope.organisation_ids) or [-1]
    shared = ContractMember.select(ContractMember.contract).where(
        ContractMember.organisation.is_in(ids))
    return Contract.owner.is_in(ids) | Contract.id.is_in(shared)


def _seen(query: Any, scope: Scope) -> Any:
    """`query`, a select of contracts, kept to those `scope` sees."""
    visible = _visible(scope)
    return query if visible is None else query.where(visible)


async def _members(contract_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in contract_ids}
    if not contract_ids:
        return found
    rows = await ContractMember.select(
        ContractMember.contract, ContractMember.organisation, ContractMember.share,
        ContractMember.organisation.code.as_alias("organisation_code"),
        ContractMember.organisation.name.as_alias("organisation_name"),
    ).where(ContractMember.contract.is_in(list(contract_ids))).order_by(ContractMember.id).run()
    for row in rows:
        found[row["contract"]].append(row)
    return found


async def _with_members(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    members = await _members([r["id"] for r in rows])
    for row in rows:
        row["members"] = members[row["id"]]
    return rows


def _select(scope: Scope) -> Any:
    """The contracts `scope` sees, with their owner's code and name."""
    return _seen(Contract.select(*Contract.all_columns(),
                                 Contract.owner.code.as_alias("owner_code"),
                                 Contract.owner.name.as_alias("owner_name")), scope)


async def list_contracts(scope: Scope, *, after_id: int = 0,
                         limit: int | None = None) -> list[dict[str, Any]]:
    query = _select(scope).where(Contract.id > after_id).order_by(Contract.id)
    if limit is not None:
        query = query.limit(limit)
    return await _with_members(await query.run())


async def get_contract(contract_id: int, scope: Scope) -> dict[str, Any]:
    row = await _select(scope).where(Contract.id == contract_id).first().run()
    if row is None:
        raise NotFound(str(contract_id))
    return (await _with_members([row]))[0]


async def _check_reference(reference: str, exclude_id: int | None = None) -> None:
    if await db.taken(Contract, Contract.reference == reference, exclude_id):
        raise ValidationFailed({"reference": _("Another contract already has this reference.")})


async def _write_members(contract_id: int, members: list[tuple[int, int]]) -> None:
    await ContractMember.delete().where(ContractMember.contract == contract_id).run()
    if members:
        await ContractMember.insert(*[ContractMember(contract=contract_id, organisation=org,
                                                     share=share)
                                      for org, share in members]).run()


def _member_changes(members: list[tuple[int, int]]) -> list[list[int]]:
    return [[org, share] for org, share in members]


async def create_contract(raw: Mapping[str, Any], actor: Actor | str,
                          scope: Scope) -> dict[str, Any]:
    values, members = await clean_contract(raw, scope)
    async with audit.atomic():
        await _check_reference(values["reference"])
        row = (await Contract.insert(Contract(**values)).returning(Contract.id).run())[0]
        await _write_members(row["id"], members)
        await audit.record(actor=actor, entity="contract", entity_key=values["reference"],
                           action="create",
                           changes={**audit.created_changes(values),
                                    "members": [None, _member_changes(members)]})
    return await get_contract(row["id"], scope)


async def update_contract(contract_id: int, raw: Mapping[str, Any], version: int | None,
                          actor: Actor | str, scope: Scope, *,
                          partial: bool = False) -> dict[str, Any]:
    async with audit.atomic():
        current = await get_contract(contract_id, scope)
        if partial:
            stored = {k: current[k] for k in FIELDS}
            stored["owner"] = current["owner_code"]
            stored["members"] = [{"organisation": m["organisation_code"], "share": m["share"]}
                                 for m in current["members"]]
            raw = {**stored, **raw}
        values, members = await clean_contract(raw, scope)
        await _check_reference(values["reference"], exclude_id=contract_id)
        before = [(m["organisation"], m["share"]) for m in current["members"]]
        changes = await audit.update_versioned(
            Contract, contract_id, version, values, entity="contract",
            entity_key=values["reference"], action="update", actor=actor)
        if before != members:
            await _write_members(contract_id, members)
            if not changes:  # only the shares changed: the version still moves on
                await Contract.update({Contract.version: Contract.version + 1}).where(
                    Contract.id == contract_id).run()
            await audit.record(actor=actor, entity="contract", entity_key=values["reference"],
                               action="members", changes={"members": [
                                   _member_changes(before), _member_changes(members)]})
    return await get_contract(contract_id, scope)


async def deadlines(on: dt.date, scope: Scope) -> list[dict[str, Any]]:
    """Contracts ending and maintenance renewals within 90 days, of the contracts the
    person sees (the dashboard's alerts)."""
    until = on + dt.timedelta(days=shares.ALERT_DAYS)
    query = Contract.select(Contract.id, Contract.reference, Contract.title, Contract.ends_on,
                            Contract.renewal_on).where(
        ((Contract.ends_on >= on) & (Contract.ends_on <= until))
        | ((Contract.renewal_on >= on) & (Contract.renewal_on <= until)))
    return shares.deadlines(await _seen(query, scope).run(), on)


async def organisations() -> list[dict[str, Any]]:
    """The organisations a contract's owner and members are chosen from."""
    return await Organisation.select(Organisation.id, Organisation.code, Organisation.name
                                     ).order_by(Organisation.name).run()


# Purchases

async def clean_purchase(raw: Mapping[str, Any], scope: Scope) -> tuple[dict[str, Any],
                                                                        list[dict[str, Any]]]:
    c = Collector()
    contract_id = c.field("contract", v.integer, raw.get("contract"), required=True, minimum=1)
    if contract_id is not None:
        try:
            await get_contract(contract_id, scope)
        except NotFound:
            c.error("contract", _("Choose one of the proposed values."))
    c.field("reference", v.text, raw.get("reference"), max_length=64)
    c.field("ordered_on", v.date, raw.get("ordered_on"))
    c.field("notes", v.text, raw.get("notes"), max_length=4000, multiline=True)
    lines_raw = raw.get("lines") or []
    if not isinstance(lines_raw, list) or len(lines_raw) > MAX_LINES:
        c.error("lines", _("Enter a list of at most %(n)d lines.") % {"n": MAX_LINES})
        lines_raw = []
    categories = {r["code"]: r["id"] for r in await Category.select(Category.id, Category.code)
                  .run()}
    lines = []
    for i, line in enumerate(lines_raw):
        where = f"lines.{i}"
        if not isinstance(line, Mapping):
            c.error(where, _("Enter a line."))
            continue
        sub = Collector()
        sub.field("description", v.text, line.get("description"), required=True,
                  max_length=300)
        code = line.get("category")
        category = None
        if not v.blank(code):
            category = categories.get(str(code).strip().upper())
            if category is None:
                sub.error("category", _("Choose one of the proposed values."))
        sub.field("quantity", v.integer, line.get("quantity") if line.get("quantity")
                  is not None else 1, minimum=1, maximum=100_000)
        if "unit_price_eur" in line and "unit_price_cents" not in line:
            sub.field("unit_price_cents", v.euros_to_cents, line.get("unit_price_eur"))
        else:
            sub.field("unit_price_cents", v.cents, line.get("unit_price_cents"))
        if sub.errors:
            name, message = next(iter(sub.errors.items()))
            c.error(where, f"{name}: {message}")
            continue
        lines.append({"position": i + 1, "description": sub.values["description"],
                      "category": category, "quantity": sub.values["quantity"],
                      "unit_price_cents": sub.values["unit_price_cents"] or 0})
    c.raise_if_any()
    return c.values, lines


def _seen_purchases(query: Any, scope: Scope) -> Any:
    """`query`, a select of purchases, kept to those of the contracts `scope` sees."""
    visible = _visible(scope)
    if visible is None:
        return query
    return query.where(Purchase.contract.is_in(Contract.select(Contract.id).where(visible)))


async def _lines(purchase_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in purchase_ids}
    if not purchase_ids:
        return found
    rows = await PurchaseLine.select(
        *PurchaseLine.all_columns(), PurchaseLine.category.code.as_alias("category_code"),
    ).where(PurchaseLine.purchase.is_in(list(purchase_ids))).order_by(
        PurchaseLine.position, PurchaseLine.id).run()
    for row in rows:
        row["total_cents"] = shares.line_total(row["quantity"], row["unit_price_cents"])
        found[row["purchase"]].append(row)
    return found


async def _with_lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = await _lines([r["id"] for r in rows])
    for row in rows:
        row["lines"] = lines[row["id"]]
        row["total_cents"] = sum(line["total_cents"] for line in row["lines"])
    return rows


def _purchase_select(scope: Scope) -> Any:
    """The purchases `scope` sees, with their contract's reference."""
    return _seen_purchases(Purchase.select(
        *Purchase.all_columns(), Purchase.contract.reference.as_alias("contract_reference")),
        scope)


async def list_purchases(scope: Scope, *, contract_id: int | None = None, after_id: int = 0,
                         limit: int | None = None) -> list[dict[str, Any]]:
    query = _purchase_select(scope).where(Purchase.id > after_id).order_by(Purchase.id)
    if contract_id is not None:
        query = query.where(Purchase.contract == contract_id)
    if limit is not None:
        query = query.limit(limit)
    return await _with_lines(await query.run())


async def get_purchase(purchase_id: int, scope: Scope) -> dict[str, Any]:
    row = await _purchase_select(scope).where(Purchase.id == purchase_id).first().run()
    if row is None:
        raise NotFound(str(purchase_id))
    return (await _with_lines([row]))[0]


async def _write_lines(purchase_id: int, lines: list[dict[str, Any]]) -> None:
    await PurchaseLine.delete().where(PurchaseLine.purchase == purchase_id).run()
    if lines:
        await PurchaseLine.insert(*[PurchaseLine(purchase=purchase_id, **line)
                                    for line in lines]).run()


def _key(purchase_id: int) -> str:
    return f"purchase:{purchase_id}"


async def create_purchase(raw: Mapping[str, Any], actor: Actor | str,
                          scope: Scope) -> dict[str, Any]:
    values, lines = await clean_purchase(raw, scope)
    async with audit.atomic():
        row = (await Purchase.insert(Purchase(**values)).returning(Purchase.id).run())[0]
        await _write_lines(row["id"], lines)
        await audit.record(actor=actor, entity="purchase", entity_key=str(row["id"]),
                           action="create", changes={**audit.created_changes(values),
                                                     "lines": [None, len(lines)]})
    return await get_purchase(row["id"], scope)


async def update_purchase(purchase_id: int, raw: Mapping[str, Any], version: int | None,
                          actor: Actor | str, scope: Scope, *,
                          partial: bool = False) -> dict[str, Any]:
    async with audit.atomic():
        current = await get_purchase(purchase_id, scope)
        keep_lines = partial and "lines" not in raw
        if partial:
            stored = {k: current[k] for k in ("contract", "reference", "ordered_on", "notes")}
            raw = {**stored, **raw, "lines": raw.get("lines", [])}
        values, lines = await clean_purchase(raw, scope)
        changes = await audit.update_versioned(
            Purchase, purchase_id, version, values, entity="purchase",
            entity_key=str(purchase_id), action="update", actor=actor)
        if not keep_lines:
            await _write_lines(purchase_id, lines)
            if not changes:
                await Purchase.update({Purchase.version: Purchase.version + 1}).where(
                    Purchase.id == purchase_id).run()
            await audit.record(actor=actor, entity="purchase", entity_key=str(purchase_id),
                               action="lines", changes={"lines": [len(current["lines"]),
                                                                  len(lines)]})
    return await get_purchase(purchase_id, scope)


# What a device links to (the asset form's choices, the import's references)

async def link_choices(scope: Scope) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The contracts and orders a person may link a device to: those of the contracts
    they see. (contracts: id, reference, title, warranty_months; orders: id, reference,
    contract, contract_reference), by reference."""
    contracts = _seen(Contract.select(Contract.id, Contract.reference, Contract.title,
                                      Contract.warranty_months).order_by(Contract.reference),
                      scope)
    purchases = _seen_purchases(Purchase.select(
        Purchase.id, Purchase.reference, Purchase.contract,
        Purchase.contract.reference.as_alias("contract_reference"),
    ).order_by(Purchase.id), scope)
    orders = sorted(await purchases.run(), key=lambda p: (p["contract_reference"], p["id"]))
    return await contracts.run(), orders


async def links(contract_id: int | None, purchase_id: int | None,
                scope: Scope) -> dict[str, dict[str, Any] | None]:
    """A device's contract and order as the asset page shows them (reference, link), each
    None when absent or not one the person sees."""
    found: dict[str, dict[str, Any] | None] = {"contract": None, "purchase": None}
    if contract_id is not None:
        query = Contract.select(Contract.id, Contract.reference, Contract.title).where(
            Contract.id == contract_id)
        found["contract"] = await _seen(query, scope).first().run()
    if purchase_id is not None:
        query = Purchase.select(Purchase.id, Purchase.reference, Purchase.contract).where(
            Purchase.id == purchase_id)
        found["purchase"] = await _seen_purchases(query, scope).first().run()
    return found


# Members' cost reports

def cost_report(contract: Mapping[str, Any],
                purchases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each member's share of the contract's amount and of every purchase (the owner alone
    when there are no members): parts that add up to each total to the cent."""
    members = [(m["organisation"], m["share"]) for m in contract["members"]]
    names = {m["organisation"]: (m["organisation_code"], m["organisation_name"])
             for m in contract["members"]}
    names.setdefault(contract["owner"], (contract["owner_code"], contract["owner_name"]))
    of_contract = shares.member_costs(contract["amount_cents"], members, contract["owner"])
    of_purchases = {p["id"]: shares.member_costs(p["total_cents"], members, contract["owner"])
                    for p in purchases}
    report = []
    for org, part in of_contract.items():
        code, name = names[org]
        share = dict(members).get(org)
        report.append({
            "organisation": org, "code": code, "name": name, "share": share,
            "contract_cents": part,
            "purchases": {pid: parts.get(org, 0) for pid, parts in of_purchases.items()},
            "purchases_cents": sum(parts.get(org, 0) for parts in of_purchases.values()),
        })
    return report


async def report(contract_id: int, scope: Scope) -> tuple[dict[str, Any],
                                                          list[dict[str, Any]],
                                                          list[dict[str, Any]]]:
    """(contract, its purchases, each member's cost report)."""
    contract = await get_contract(contract_id, scope)
    purchases = await list_purchases(scope, contract_id=contract_id)
    return contract, purchases, cost_report(contract, purchases)


async def replacement_split(asset_id: int, cost_cents: int) -> dict[int | None, int]:
    """A device's replacement cost split by its contract's shares (its owner alone when it
    came under no shared contract): what plans per organisation charge each member."""
    asset = await Asset.select(Asset.owner, Asset.contract).where(Asset.id == asset_id
                                                                 ).first().run()
    if asset is None:
        raise NotFound(str(asset_id))
    contract = None
    if asset["contract"] is not None:
        contract = {"members": (await _members([asset["contract"]]))[asset["contract"]]}
    return shares.replacement_cost_split(cost_cents, contract, asset["owner"])


# Documents

def document_folder(data_dir: Path) -> Path:
    return Path(data_dir) / "contracts"


async def add_document(contract_id: int, filename: str | None, data: bytes, actor: Actor | str,
                       scope: Scope, *, data_dir: Path, max_bytes: int) -> dict[str, Any]:
    """Attach a document (checked by content) to a contract the person may see."""
    contract = await get_contract(contract_id, scope)
    try:
        media_type, extension = await asyncio.to_thread(files.kind_of, data, max_bytes)
    except FieldError as error:
        raise ValidationFailed({"file": error.message}) from None
    folder = document_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored_as = f"{contract_id}-{secrets.token_hex(12)}{extension}"
    path = folder / stored_as
    await asyncio.to_thread(path.write_bytes, data)
    shown = files.shown_name(filename)
    try:
        async with audit.atomic():
            row = (await ContractDocument.insert(ContractDocument(
                contract=contract_id, filename=shown, stored_as=stored_as,
                media_type=media_type, size=len(data),
                uploaded_by=audit.as_actor(actor).label)).returning(ContractDocument.id)
                .run())[0]
            await audit.record(actor=actor, entity="contract",
                               entity_key=contract["reference"], action="document",
                               changes={"document": [None, shown]})
    except BaseException:
        path.unlink(missing_ok=True)  # nothing half written
        raise
    return {**row, "filename": shown, "media_type": media_type, "size": len(data)}


async def list_documents(contract_id: int) -> list[dict[str, Any]]:
    return await ContractDocument.select().where(
        ContractDocument.contract == contract_id).order_by(ContractDocument.id).run()


async def document(contract_id: int, document_id: int, scope: Scope,
                   data_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The stored file of a document of a contract the person may see."""
    await get_contract(contract_id, scope)
    row = await ContractDocument.select().where(
        (ContractDocument.id == document_id) & (ContractDocument.contract == contract_id)
    ).first().run()
    if row is None:
        raise NotFound(str(document_id))
    path = document_folder(data_dir) / row["stored_as"]
    if not path.is_file():
        raise NotFound(str(document_id))
    return path, row
