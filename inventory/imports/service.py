"""Importing an equipment inventory: one path for the pages and the `inventory import` command.

Two phases, so that reading a large file never holds the database's write lock (on SQLite a
200,000-row check made everyone else's saves fail with "database is locked"):

1. Validate, with reads only and no transaction: every row is read and checked; sites,
   categories, models and rooms are resolved through caches, and those to create (missing
   rooms and models, categories when the person may create them) are planned under
   placeholder ids (negative numbers). A dry run stops here.
2. Write, in one short transaction, only when every row is right: the planned references are
   created through their own services, then assets are created in batches and changed through
   the assets service (create_many, apply_changes_many), with the derived values and audit records
   every creation and change gets, whoever makes it. A device to change is read again there,
   batch by batch; one changed by someone else since phase 1 (another version) aborts the
   whole import (check again); so does any error, so a file is imported entirely or not at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inventory.accounts.scope import EVERYTHING, Scope
from inventory.assets import queries, rules, tally
from inventory.assets import service as assets
from inventory.assets.service import clean_asset_fields
from inventory.catalog import service as catalog
from inventory.contracts import service as contract_service
from inventory.contracts.shares import warranty_end
from inventory.core import audit, i18n
from inventory.core.audit import Actor
from inventory.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L
from inventory.core.tables import Asset, AssetModel, Category, Organisation, Room, Site
from inventory.faults import service as faults
from inventory.imports import columns, planned, reading
from inventory.imports import values as value_rules
from inventory.organisations import service as organisations
from inventory.sites import service as sites_service
from inventory.sites.rules import code_problem, normalise_uai, uai_problem

BATCH_SIZE = 500
MAX_LISTED_VALUES = 200  # distinct values per field on the values screen
# Asset fields an import sets, besides site, room and status: those a person edits.
ASSET_FIELDS = assets.EDIT_FIELDS
# Which column an error on a field points at, when the field is not a column itself.
_ERROR_COLUMN = {"purchase_price_cents": "purchase_price_eur",
                 "eol_year_override": "end_of_life_year"}
ACTIONS = ("create", "update", "unchanged", "error")
_REFERENCES = ("site", "room", "category", "model")  # may hold a placeholder until phase 2
# The model a row gets when it names a maker and no model; stored in the installation's language.
UNKNOWN_MODEL = L("(unknown model)")


@dataclass(slots=True)
class RowResult:
    # Tuples, not lists: most rows have no error and no note, and share the empty tuple (an
    # empty list each is 56 bytes a row).
    number: int
    action: str
    tag: str = ""
    errors: tuple[tuple[str, str], ...] = ()  # (column, message)
    changed: tuple[str, ...] = ()
    notes: tuple[tuple[str, str | Note], ...] = ()  # (column, what was adjusted)


@dataclass(frozen=True, slots=True)
class Note:
    """A note whose text is made when shown: the translated message (one string, shared by
    every row with this kind of note) and the row's value. In a town hall's file every row
    may get one ("no contract or order has this reference"), ~280 bytes a row as text."""

    message: str  # with a %(value)s placeholder
    value: str

    def __str__(self) -> str:
        return self.message % {"value": self.value}


@dataclass(frozen=True, slots=True)
class _PlannedUpdate:
    """A device the file changes, kept from the check to the write: only what the write
    needs. The asset as read is read again when written (the whole row as a dict, and what it
    becomes, held ~3.6 KB a row until the write: a 500,000-row file of changes, ~1.8 GB)."""

    result: RowResult  # its tag is the asset's
    asset_id: int
    version: int  # as checked: the write refuses another
    names: tuple[str, ...]  # the fields that change (one tuple shared by the rows alike)
    values: bytes  # their new values, packed (planned.pack)
    owner: int | None  # the organisation it is given to, or None


@dataclass
class Report:
    header: list[str] = field(default_factory=list)
    # Left out of the repr: Python 3.11's asyncio.run writes the repr of its main task, and
    # so of the report it returned, when it restores the Ctrl-C handler (an error message it
    # builds and drops); 500,000 rows made a ~250 MB string.
    rows: list[RowResult] = field(default_factory=list, repr=False)
    problem: str = ""  # the file as a whole cannot be imported
    committed: bool = False
    created_refs: Counter = field(default_factory=Counter)  # sites, rooms, models, categories
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why): totals rows
    header_row: int = 1  # the row taken as the header, as a spreadsheet numbers it
    header_found: bool = True  # found by the import (False: chosen by the person)

    @property
    def counts(self) -> Counter:
        return Counter(r.action for r in self.rows)

    @property
    def ok(self) -> bool:
        return not self.problem and not any(r.action == "error" for r in self.rows)

    def errors(self) -> Iterator[tuple[int, str, str]]:
        for row in self.rows:
            for column, message in row.errors:
                yield row.number, column, message


@dataclass(frozen=True)
class Importer:
    """Who imports: their name in the audit trail, their sites, whether they may create
    categories, and the installation's tag prefix (new assets of an organisation with a
    prefix of its own get that one)."""

    actor: Actor | str
    scope: Scope
    may_create_categories: bool = False
    prefix: str = "BRN"
    digits: int = 6
    language: str = i18n.DEFAULT_LANGUAGE  # the installation's, for names the import invents
    may_create_sites: bool = False
    may_transfer: bool = False  # give devices to another organisation (sites' managers)


@dataclass(frozen=True)
class ImportOptions:
    """What the person chose beyond the column mapping: on the mapping and values screens, in a
    saved profile, or on the command line."""

    header_row: int | None = None  # the header's row number as a spreadsheet shows it; None: found
    date_order: str = "dmy"  # "dmy" (03/04/2023 is 3 April) or "mdy" (Snipe-IT's 4/3/2023)
    # Of "sites", "rooms", "categories", "models" (values.CREATABLE). Rooms and models are
    # created whether named or not (as before this option: a room of a known site, a model of
    # a known category); sites and categories only when named here, or when a value choice
    # says values.CREATE, and when the person may create them.
    create: frozenset[str] = frozenset()
    # "category"/"status"/"site"/"manufacturer" -> the file's value -> our code or status key,
    # our manufacturer's name, or values.CREATE (create the file's value as it is).
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # "site"/"category" -> the code (site: or UAI) of rows that give none.
    defaults: Mapping[str, str] = field(default_factory=dict)


_OUR_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,15})-(\d+)$")  # a series' prefix and number
_FILE_LEVEL = "(file)"  # an error key whose message is the report's problem, said once


class _Stale(Exception):
    """The database changed between the check and the write."""


class _WriteProblem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


async def run_import(path: Path, mapping: Sequence[str], who: Importer, *, commit: bool,
                     limit: int = reading.MAX_FILE_BYTES,
                     options: ImportOptions = ImportOptions()) -> Report:
    """Import the table at `path` with `mapping` (one field name or "" per column). With
    commit=False, or when any row is wrong, nothing is written."""
    report = Report()
    try:
        info = reading.inspect(path, limit, header_row=options.header_row)
        report.header = info.header
        report.header_row, report.header_found = info.header_row, info.found
        if len(mapping) != len(info.header):
            raise columns.MappingProblem(_("The column mapping does not match the file."))
        columns.check_mapping(mapping)
        if options.date_order not in columns.DATE_ORDERS:
            raise columns.MappingProblem(_("Unknown date order “%(order)s”.")
                                         % {"order": options.date_order})
    except (reading.FileProblem, columns.MappingProblem) as problem:
        report.problem = problem.message
        return report
    run = _Run(path, info, list(mapping), who, report, options, keep_plan=commit)
    try:
        async with audit.reading():  # no write lock: others keep saving during a long check
            await run.validate()
    except reading.FileProblem as problem:
        report.problem = problem.message
    if not report.rows and not report.problem:
        report.problem = _("The file has a header but no rows.")
    if commit and report.ok:
        try:
            async with audit.atomic():
                await run.write()
            report.committed = True
            await tally.fold()  # the file's devices counted in, as one change
        except _Stale:
            report.problem = _("Devices of this file were changed by someone else while it was "
                               "being checked; nothing was imported. Check the file again.")
        except _WriteProblem as problem:
            report.problem = problem.message
    return report


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


class _References:
    """Sites, categories, models and rooms, loaded once and kept up to date as the import
    creates rooms, models and categories."""

    async def load(self) -> None:
        self.sites = await Site.select(Site.id, Site.code, Site.uai, Site.name).run()
        self.site_by_code = {s["code"]: s for s in self.sites}
        self.site_names = {s["id"]: s["name"] for s in self.sites}
        self.site_by_uai = {s["uai"]: s for s in self.sites if s["uai"]}
        names: dict[str, list] = {}
        for s in self.sites:
            names.setdefault(_fold(s["name"]), []).append(s)
        self.site_by_name = {k: found[0] for k, found in names.items() if len(found) == 1}
        self.categories: dict[int, dict] = {}
        self.category_by_code: dict[str, dict] = {}
        self.category_by_name: dict[str, dict] = {}
        for c in await Category.select(Category.id, Category.code, Category.name,
                                       Category.lifespan_years).run():
            self._add_category(c)
        self.models: dict[tuple[int, str, str], int] = {}
        self.model_names: dict[tuple[int, str], list[int]] = {}
        self.model_info: dict[int, tuple[str, str]] = {}
        for m in await AssetModel.select(AssetModel.id, AssetModel.category,
                                         AssetModel.manufacturer, AssetModel.name).run():
            self._add_model(m)
        self.rooms = {(r["site"], _fold(r["name"])): r["id"]
                      for r in await Room.select(Room.id, Room.site, Room.name).run()}
        self.manufacturers = {_fold(m): m for _k, (m, _n) in sorted(self.model_info.items())}

    async def load_owners(self, scope: Scope) -> None:
        """Organisations (by code, SIREN and name) and the contracts and orders a device
        may be linked to: those the importer sees."""
        self.organisations = await Organisation.select(
            Organisation.id, Organisation.code, Organisation.name, Organisation.siren).run()
        self.organisation_codes = {o["id"]: o["code"] for o in self.organisations}
        contracts, orders = await contract_service.link_choices(scope)
        self.contracts = {c["id"]: c for c in contracts}
        self.contract_by_reference = {_fold(c["reference"]): c for c in contracts}
        self.orders = {o["id"]: o for o in orders}
        self.orders_by_reference: dict[str, list[dict]] = {}
        for order in orders:
            if order["reference"]:
                self.orders_by_reference.setdefault(_fold(order["reference"]), []).append(order)

    def find_organisation(self, given: str) -> dict | None:
        key, digits = given.strip().upper(), "".join(given.split())
        for o in self.organisations:
            if o["code"] == key or (o["siren"] and o["siren"] == digits):
                return o
        named = [o for o in self.organisations if _fold(o["name"]) == _fold(given)]
        return named[0] if len(named) == 1 else None

    def _add_site(self, s: dict) -> None:
        self.sites.append(s)
        self.site_by_code[s["code"]] = s
        self.site_names[s["id"]] = s["name"]
        if s["uai"]:
            self.site_by_uai[s["uai"]] = s
        self.site_by_name.setdefault(_fold(s["name"]), s)

    def find_site(self, given: str) -> dict | None:
        return (self.site_by_code.get(given.upper()) or self.site_by_uai.get(normalise_uai(given))
                or self.site_by_name.get(_fold(given)))

    def find_category(self, given: str) -> dict | None:
        return self.category_by_code.get(given.upper()) or self.category_by_name.get(_fold(given))

    def _add_category(self, c: dict) -> None:
        self.categories[c["id"]] = c
        self.category_by_code[c["code"]] = c
        self.category_by_name.setdefault(_fold(c["name"]), c)

    def _add_model(self, m: dict) -> None:
        self.models[(m["category"], _fold(m["manufacturer"]), _fold(m["name"]))] = m["id"]
        self.model_names.setdefault((m["category"], _fold(m["name"])), []).append(m["id"])
        self.model_info[m["id"]] = (m["manufacturer"], m["name"])


class _Run:
    def __init__(self, path: Path, info: reading.TableInfo, mapping: list[str], who: Importer,
                 report: Report, options: ImportOptions, keep_plan: bool = True):
        self.path, self.info, self.mapping, self.who, self.report = path, info, mapping, who, report
        self.options = options
        self.keep_plan = keep_plan  # a dry run keeps no rows to write
        self.column_of = {f: info.header[i] for i, f in enumerate(mapping) if f}
        self.refs = _References()
        self.seen_tags: dict[str, int] = {}
        self.seen_serials: dict[tuple[str, int], int] = {}
        self.unknown_categories: set[str] = set()
        # What phase 2 writes, decided in phase 1.
        self.planned: list[tuple[int, Callable[[], Awaitable[dict]]]] = []  # placeholder, create
        self.real_ids: dict[int, int] = {}  # placeholder -> id once created
        # (row, its field names, their values packed): a new device's checked values, kept
        # until the write. The names are one tuple shared by the rows that give the same
        # fields: as a dict each row held ~770 bytes (a région's 500,000 rows, ~370 MB).
        self.creates: list[tuple[RowResult, tuple[str, ...], bytes]] = []
        self.field_names: dict[tuple[str, ...], tuple[str, ...]] = {}
        # The file's texts that notes name, each kept once: a town hall's order reference is
        # on many rows, and each row's cell is a string of its own (~60 bytes).
        self.noted_texts: dict[str, str] = {}
        self.updates: list[_PlannedUpdate] = []
        self.arrived_faulty: list[tuple[RowResult, str]] = []  # (row, faulty or in_repair)
        # The highest number of each of our series (the installation's prefix, and each
        # organisation's) among the file's tags.
        self.highest_given: dict[str, int] = {}
        self.series = {who.prefix}
        self._choose_values()

    # Value choices and defaults (values screen, profile, command line)

    def _choose_values(self) -> None:
        """The file's values the person mapped to ours, by column; those to create."""
        self.create = set(self.options.create) | {"rooms", "models"}
        self.cell_choices: list[tuple[int, str, dict[str, str]]] = []
        self.create_values: dict[str, set[str]] = {f: set() for f in value_rules.VALUE_FIELDS}
        for name, chosen in self.options.values.items():
            if name not in self.mapping or name not in value_rules.VALUE_FIELDS:
                continue
            replace = {}
            for theirs, ours in chosen.items():
                if ours == value_rules.CREATE:
                    self.create_values[name].add(_fold(theirs))
                elif ours:
                    replace[_fold(theirs)] = ours
            self.cell_choices.append((self.mapping.index(name), name, replace))
        # A field every new asset needs, fed by no column and no choice for all rows: one
        # message for the file rather than one per row.
        self.missing_fields = []
        if not {"site", "site_uai"} & set(self.column_of) and not self.options.defaults.get("site"):
            self.missing_fields.append("site")
        if "category" not in self.column_of and not self.options.defaults.get("category"):
            self.missing_fields.append("category")

    def _chosen_cells(self, cells: Sequence[str]) -> Sequence[str]:
        if not self.cell_choices:
            return cells
        numbers: frozenset[int] = getattr(cells, "numbers", frozenset())
        cells = reading.Cells(cells)
        cells.numbers = numbers  # which cells were numbers in the workbook
        for index, name, replace in self.cell_choices:
            cell = cells[index] if index < len(cells) else ""
            key = value_rules.site_part(cell) if name == "site" else cell.strip()
            ours = replace.get(_fold(key))
            if ours is not None:
                cells[index] = cell.replace(key, ours, 1) if name == "site" else ours
        return cells

    def _check_defaults(self) -> None:
        for name, given in self.options.defaults.items():
            if not given:
                continue
            found = self.refs.find_site(given) if name == "site" else (
                self.refs.find_category(given) if name == "category" else None)
            if found is None:
                message = (_("The site chosen for all rows, “%(value)s”, does not exist.")
                           if name == "site" else
                           _("The category chosen for all rows, “%(value)s”, does not exist."))
                self.report.problem = message % {"value": given}
            elif name == "site" and not self.who.scope.allows(found["id"]):
                self.report.problem = _("The site “%(site)s” is not one of your sites.") % {
                    "site": found["code"]}

    def _missing_problem(self) -> str:
        if self.missing_fields == ["site"]:
            return _("No column gives the site: map one, or choose a site for all rows.")
        if self.missing_fields == ["category"]:
            return _("No column gives the category: map one, or choose a category for all "
                     "rows.")
        return _("No column gives the site or the category: map them, or choose a site and a "
                 "category for all rows.")

    def column(self, field_name: str) -> str:
        field_name = _ERROR_COLUMN.get(field_name, field_name)
        if field_name == "warranty_end" and "warranty_end" not in self.column_of:
            field_name = "warranty_months"
        if field_name == "warranty_months" and "warranty_months" not in self.column_of:
            field_name = "warranty_years"
        if field_name in ("manufacturer", "model") and field_name not in self.column_of:
            field_name = "manufacturer_model"
        return self.column_of.get(field_name, "")

    def _message(self, field_name: str, message: str, cells: Sequence[str]) -> str:
        """An error names the value it is about ("“Foo”: unknown category")."""
        column = self.column(field_name)
        index = self.info.header.index(column) if column in self.info.header else -1
        value = cells[index].strip() if 0 <= index < len(cells) else ""
        if not value or f"“{value}”" in message or f"« {value} »" in message:
            return message
        return _("“%(value)s”: %(message)s") % {"value": value, "message": message}

    async def validate(self) -> None:
        """Phase 1: read and check every row, plan what to write. Reads only."""
        await self.refs.load()
        await self.refs.load_owners(self.who.scope)
        self.series |= set((await organisations.tag_prefixes()).values())
        self._check_defaults()
        batch: list[tuple[int, dict, dict, dict, Sequence[str]]] = []
        for number, cells, extra in reading.rows(self.path, self.info, self.report.skipped):
            notes: dict[str, str | Note] = {}
            values, errors = columns.parse_row(self._chosen_cells(cells), self.mapping,
                                               date_order=self.options.date_order, notes=notes)
            if extra:
                errors.setdefault("", _("This row has more cells than the header has columns."))
            self._note_tag(values.get("tag") or "")
            batch.append((number, values, errors, notes, cells))
            if len(batch) >= BATCH_SIZE:
                await self._batch(batch)
                batch = []
        if batch:
            await self._batch(batch)

    def _note_tag(self, tag: str) -> None:
        """Tags of the file in our own series (BRN-000123) are taken from the sequence before
        new tags are given, so a new asset never receives one the file gives later. A number
        beyond the series' width (a 12-digit tag) is kept as given and does not move the
        sequence: every later tag would be unprintable, or beyond PostgreSQL's integer."""
        match = _OUR_TAG.match(tag)
        if match and match.group(1) in self.series and len(match.group(2)) <= self.who.digits:
            series = match.group(1)
            self.highest_given[series] = max(self.highest_given.get(series, 0),
                                             int(match.group(2)))

    def plan(self, row: dict, create: Callable[[], Awaitable[dict]]) -> dict:
        """A reference to create in phase 2: `row` gets a placeholder id (negative) that the
        caches and the rows use until `create()` gives the real row."""
        row = {**row, "id": -(len(self.planned) + 1)}
        self.planned.append((row["id"], create))
        return row

    def real(self, value: Any) -> Any:
        return self.real_ids[value] if isinstance(value, int) and value < 0 else value

    async def write(self) -> None:
        """Phase 2, inside the write transaction: what phase 1 planned, nothing else read
        from the file."""
        for placeholder, create in self.planned:
            try:
                row = await create()
            except (ValidationFailed, NotFound) as failed:
                message = next(iter(failed.errors.values()), "") if isinstance(
                    failed, ValidationFailed) else str(failed)
                raise _WriteProblem(_("A site, room, category or model of the file cannot be "
                                      "created: %(message)s") % {"message": message}) from None
            self.real_ids[placeholder] = row["id"]
        for series, highest in sorted(self.highest_given.items()):
            await assets.advance_sequence(series, highest)
        for start in range(0, len(self.updates), BATCH_SIZE):
            chunk = self.updates[start:start + BATCH_SIZE]
            now = {a["id"]: a for a in await _assets("asset.id", [u.asset_id for u in chunk])}
            await self._update(chunk, now)
        for start in range(0, len(self.creates), BATCH_SIZE):
            await self._create(self.creates[start:start + BATCH_SIZE])
        # A device brought in as faulty gets its fault, in this same transaction.
        await faults.open_for_imported({r.tag: status for r, status in self.arrived_faulty},
                                       self.who.actor)

    # References

    async def _site(self, values: dict, errors: dict) -> dict | None:
        given = values.get("site") or ""
        uai = normalise_uai(values.get("site_uai") or "")
        site = None
        if given:
            site = self.refs.find_site(given)
            if site is None and uai:  # a name of the file's own, and a UAI we know
                site = self.refs.site_by_uai.get(uai)
            if site is None:
                return await self._new_site(given, uai, errors)
            if uai and site["uai"] != uai:
                errors["site_uai"] = _("This UAI code is not the one of site “%(site)s”.") % {
                    "site": site["code"]}
                return None
        elif uai:
            site = self.refs.site_by_uai.get(uai)
            if site is None:
                return await self._new_site("", uai, errors)
        if site is not None and not self.who.scope.allows(site["id"]):
            errors["site" if given else "site_uai"] = _(
                "The site “%(site)s” is not one of your sites.") % {"site": site["code"]}
            return None
        return site

    async def _new_site(self, name: str, uai: str, errors: dict) -> dict | None:
        """A site the file names and we do not have: created when the person agreed and may,
        with the kind its name says and a short code; its address is added later."""
        wanted = "sites" in self.create or _fold(name or uai) in self.create_values["site"]
        column = "site" if name else "site_uai"
        if not wanted or not self.who.may_create_sites:
            if name:
                message = _("Unknown site “%(site)s”: map it to one of ours, or create it "
                            "(a site has its UAI code and address), or give its code.")
            else:
                message = _("No site has the UAI code “%(uai)s”.")
            if wanted:
                message = _("You may not create sites (“%(site)s%(uai)s”): map it to an "
                            "existing one, or ask someone who manages sites.")
            errors[column] = message % {"site": name, "uai": uai if not name else ""}
            return None
        if uai and (problem := uai_problem(uai)):
            errors["site_uai" if "site_uai" in self.column_of else column] = problem
            return None
        if not uai and uai_problem(name) is None:  # the site column holds a UAI code
            name, uai = "", normalise_uai(name)
        label = name or uai
        raw = {"code": value_rules.site_code(label, self.refs.site_by_code, uai),
               "name": label, "kind": value_rules.site_kind(label), "uai": uai}
        try:  # checked now, as create_site will check it in phase 2
            cleaned = sites_service.clean_site(raw)
        except ValidationFailed as failed:
            errors[column] = next(iter(failed.errors.values()))
            return None
        actor, scope = self.who.actor, self.who.scope  # a site of the importer's organisation
        row = self.plan(cleaned, lambda: sites_service.create_site(raw, actor, scope))
        self.refs._add_site(row)
        self.report.created_refs["sites"] += 1
        return row

    async def _category(self, given: str, errors: dict) -> dict | None:
        found = self.refs.find_category(given)
        if found:
            return found
        wanted = "categories" in self.create or _fold(given) in self.create_values["category"]
        if not self.who.may_create_categories:
            errors["category"] = _("Unknown category “%(category)s”: choose an existing one, or "
                                   "ask someone who manages categories to create it.") % {
                                       "category": given}
            return None
        if not wanted:
            errors["category"] = _("Unknown category “%(category)s”: map it to one of ours, or "
                                   "create it.") % {"category": given}
            return None
        code = given.upper() if not code_problem(given.upper()) else \
            value_rules.category_code(given, self.refs.category_by_code)
        suffix = 1
        base = code
        while code in self.refs.category_by_code:
            suffix += 1
            code = f"{base[:28]}-{suffix}"
        payload = {"code": code, "name": given, "lifespan_years": 5}
        try:  # checked now, as create_category will check it in phase 2
            catalog.clean_category(payload)
        except ValidationFailed as failed:
            errors["category"] = next(iter(failed.errors.values()))
            return None
        actor = self.who.actor
        row = self.plan({"code": code, "name": given, "lifespan_years": 5},
                        lambda: catalog.create_category(payload, actor))
        self.refs._add_category(row)
        self.report.created_refs["categories"] += 1
        return row

    async def _model(self, category: dict, values: dict, errors: dict) -> int | None:
        name = values.get("model") or ""
        manufacturer = values.get("manufacturer") or ""
        if not name:
            if not manufacturer:
                return None
            # A maker without a model: that maker's "(unknown model)", to be named later.
            name = i18n.translations(self.who.language).gettext(UNKNOWN_MODEL.message)
        if manufacturer:
            found = self.refs.models.get((category["id"], _fold(manufacturer), _fold(name)))
            if found:
                return found
        else:
            candidates = self.refs.model_names.get((category["id"], _fold(name)), [])
            if len(candidates) == 1:
                return candidates[0]
            errors["manufacturer"] = _("Give the manufacturer of model “%(model)s”.") % {
                "model": name}
            return None
        payload = {"category": category["code"], "manufacturer": manufacturer, "name": name}
        try:
            catalog.clean_model(payload, {category["code"]: category["id"]})
        except ValidationFailed as failed:
            errors["model"] = next(iter(failed.errors.values()))
            return None
        actor = self.who.actor
        row = self.plan({"category": category["id"], "manufacturer": manufacturer,
                         "name": name}, lambda: catalog.create_model(payload, actor))
        self.refs._add_model(row)
        self.report.created_refs["models"] += 1
        return row["id"]

    async def _room(self, site: dict, name: str, errors: dict) -> int | None:
        found = self.refs.rooms.get((site["id"], _fold(name)))
        if found:
            return found
        try:
            sites_service.clean_room({"name": name, "kind": "other"})
        except ValidationFailed:
            errors["room"] = _("The room “%(room)s” cannot be created.") % {"room": name}
            return None
        code, actor, scope = site["code"], self.who.actor, self.who.scope
        row = self.plan({"name": name}, lambda: sites_service.create_room(
            code, {"name": name, "kind": "other"}, actor, scope))
        self.refs.rooms[(site["id"], _fold(name))] = row["id"]
        self.report.created_refs["rooms"] += 1
        return row["id"]

    # Rows

    async def _batch(self, batch: list[tuple[int, dict, dict, dict, Sequence[str]]]) -> None:
        tags = [values["tag"] for _n, values, _e, _o, _c in batch if values.get("tag")]
        by_tag = {a["tag"]: a for a in await _assets("asset.tag", tags)}
        serials = [values["serial"] for _n, values, _e, _o, _c in batch if values.get("serial")]
        by_serial: dict[str, list[dict]] = {}
        for asset in await _assets("asset.serial", serials):
            by_serial.setdefault(asset["serial"], []).append(asset)
        for number, values, errors, notes, cells in batch:
            result = RowResult(number=number, action="error", tag=values.get("tag") or "")
            final, current = await self._row(number, values, errors, by_tag, by_serial, notes)
            result.notes = tuple((self.column(f), m) for f, m in notes.items())
            if errors:
                result.errors = tuple((self.column(f), self._message(f, m, cells))
                                      for f, m in errors.items() if f != _FILE_LEVEL)
            elif current is None:
                result.action = "create"
                if self.keep_plan:
                    names = tuple(final)
                    self.creates.append((result, self.field_names.setdefault(names, names),
                                         planned.pack(tuple(final.values()))))
            else:
                result.tag = current["tag"]
                owner = final.pop("owner", current["owner"])
                transfer = owner if owner != current["owner"] else None
                changes = audit.diff(current, final)
                changed = tuple(changes) + (("organisation",) if transfer else ())
                result.changed = self.field_names.setdefault(changed, changed)
                result.action = "update" if result.changed else "unchanged"
                if result.changed and self.keep_plan:
                    names = self.field_names.setdefault(tuple(changes), tuple(changes))
                    self.updates.append(_PlannedUpdate(
                        result, current["id"], current["version"], names,
                        planned.pack(tuple(final[name] for name in names)), transfer))
            if (not errors and self.keep_plan and final.get("status") in ("faulty", "in_repair")
                    and (current is None or "status" in result.changed)):
                self.arrived_faulty.append((result, final["status"]))
            self.report.rows.append(result)

    async def _row(self, number: int, values: dict, errors: dict, by_tag: dict,
                   by_serial: dict, notes: dict | None = None) -> tuple[dict, dict | None]:
        """What the row's asset becomes (and the asset it updates, if any); problems go to
        `errors`, keyed by field."""
        mapped = self.column_of
        if values.get("site") and " > " in values["site"]:  # GLPI: "School > Building > Room"
            parts = [part.strip() for part in values["site"].split(" > ")]
            values["site"] = parts[0]
            if not values.get("room"):
                values["room"] = parts[-1]
        tag = values.get("tag") or ""
        if tag and "tag" not in errors:
            if tag in self.seen_tags:
                errors["tag"] = _("The tag %(tag)s is already on row %(row)d of this file.") % {
                    "tag": tag, "row": self.seen_tags[tag]}
            else:
                self.seen_tags[tag] = number
        current = by_tag.get(tag) if tag else None
        if current is None:
            for name in self.missing_fields:  # said once for the file
                self.report.problem = self._missing_problem()
                errors[_FILE_LEVEL] = name
            for name in ("site", "category"):
                if not values.get(name) and self.options.defaults.get(name) \
                        and not (name == "site" and values.get("site_uai")):
                    values[name] = self.options.defaults[name]
        site = await self._site(values, errors)
        category = None
        if values.get("category"):
            category = await self._category(values["category"], errors)
        elif current is not None and "category" not in mapped:
            category = self.refs.categories[current["category"]]
        model_id = None
        if category is not None and ("model" in mapped or "manufacturer" in mapped
                                     or "manufacturer_model" in mapped):
            model_id = await self._model(category, values, errors)
        elif current is not None and category is not None \
                and category["id"] == current["category"]:
            model_id = current["model"]
        if current is None and not tag and values.get("serial") and model_id:
            current = next((a for a in by_serial.get(values["serial"], [])
                            if a["model"] == model_id), None)
        if current is not None and not self.who.scope.allows(current["site"]):
            errors["tag" if tag else "serial"] = _("This device belongs to a site that is not "
                                                   "one of yours.")
        if errors:
            return {}, current
        # What the asset becomes: what it is now, overridden by the file's mapped columns,
        # checked by the asset's own rules.
        raw = {name: current.get(name) for name in ASSET_FIELDS} if current else {}
        for name in ASSET_FIELDS:
            if name in values and name not in ("category", "model", "contract", "purchase"):
                raw[name] = values[name]
        owner = self._owner(values, current, errors)
        self._links(values, raw, errors, current, {} if notes is None else notes)
        raw["category"] = category["code"] if category else ""
        planned_model = model_id is not None and model_id < 0  # created in phase 2
        raw["model"] = None if planned_model else model_id
        cleaned, field_errors = clean_asset_fields(raw)
        errors.update(field_errors)
        if current is None and site is None:
            errors["site"] = _("This field is required.")
        if errors:
            return {}, current
        final = dict(cleaned)
        if planned_model:
            final["model"] = model_id
        if owner is not None:
            final["owner"] = owner
        linked = self.refs.contracts.get(final.get("contract"))
        if linked and not final.get("warranty_end") and ("contract" in values
                                                         or "purchase" in values):
            # The contract's warranty terms, as the API and the asset form apply them.
            final["warranty_end"] = warranty_end(final.get("purchase_date"),
                                                 linked["warranty_months"])
        # Without errors, the category is known and there is a site: the file's or the
        # asset's (a new asset without one is an error above).
        assert category is not None
        final["category"] = category["id"]
        # Location: the file's site, else where it is now; the room follows the site.
        if site is None:
            assert current is not None
            site = {"id": current["site"], "code": current["site_code"]}
        final["site"] = site["id"]
        if values.get("room"):
            final["room"] = await self._room(site, values["room"], errors)
        elif "room" in values or current is None or final["site"] != current["site"]:
            final["room"] = None
        else:
            final["room"] = current["room"]
        final["status"] = values.get("status") or (current["status"] if current else "in_service")
        # End of life: the category's rule, unless the file's year says otherwise.
        lifespan = category["lifespan_years"]
        computed = rules.end_of_life_year(
            lifespan_years=lifespan, purchase_date=final["purchase_date"],
            commissioning_date=final["commissioning_date"])
        if "end_of_life_year" in values:
            wanted = values["end_of_life_year"]
            final["eol_year_override"] = None if wanted in (None, computed) else wanted
        final["eol_year"] = rules.end_of_life_year(
            lifespan_years=lifespan, purchase_date=final["purchase_date"],
            commissioning_date=final["commissioning_date"], override=final["eol_year_override"])
        if final.get("serial") and final.get("model"):
            key = (final["serial"], final["model"])
            other = next((a for a in by_serial.get(final["serial"], [])
                          if a["model"] == final["model"]
                          and (current is None or a["id"] != current["id"])), None)
            if other is not None:
                errors["serial"] = _("Another asset of this model already has this serial "
                                     "number (%(tag)s).") % {"tag": other["tag"]}
            elif key in self.seen_serials:
                errors["serial"] = _("This serial number of the same model is already on row "
                                     "%(row)d of this file.") % {"row": self.seen_serials[key]}
            else:
                self.seen_serials[key] = number
        return final, current

    def _owner(self, values: dict, current: dict | None, errors: dict) -> int | None:
        """The organisation the row names (its code, SIREN or name), one the importer works
        for; giving a device to another organisation is a transfer, for someone who may
        (sites' managers working for both)."""
        given = values.get("organisation") or ""
        if not given or "organisation" in errors:
            return None
        found = self.refs.find_organisation(given)
        if found is None or not self.who.scope.allows_organisation(found["id"]):
            errors["organisation"] = _("Unknown organisation: give the code, SIREN number or "
                                       "name of one of your organisations.")
            return None
        if current is not None and found["id"] != current["owner"] and (
                not self.who.may_transfer
                or not self.who.scope.allows_organisation(current["owner"])):
            errors["organisation"] = _("This device belongs to another organisation: only "
                                       "someone managing sites for both may give it away.")
            return None
        return found["id"]

    def _links(self, values: dict, raw: dict, errors: dict, current: dict | None,
               notes: dict) -> None:
        """The contract (by reference) and the order (by reference, or number) the row
        names, as ids in `raw`, among the contracts the importer sees; an order gives its
        contract, and must be of the contract named with it. A reference that names none
        of them is kept as the free-text order reference, said in a note (town halls'
        "Bon de commande" columns hold orders never registered here), unless the row
        gives that text too."""
        contract = order = None
        unknown: list[tuple[str, str]] = []  # (field, the file's value)
        if "contract" in values and "contract" not in errors:
            given = values["contract"] or ""
            contract = self.refs.contract_by_reference.get(_fold(given)) if given else None
            if given and contract is None:
                unknown.append(("contract", given))
            raw["contract"] = contract["id"] if contract else None
        if "purchase" in values and "purchase" not in errors:
            given = values["purchase"] or ""
            found = self.refs.orders_by_reference.get(_fold(given), []) if given else []
            if given and not found and given.strip().isdigit():
                found = [o for o in [self.refs.orders.get(int(given))] if o]
            if contract is not None and found:
                mine = [o for o in found if o["contract"] == contract["id"]]
                if not mine:
                    errors["purchase"] = _("This order belongs to another contract.")
                found = mine
            if len(found) > 1:
                errors["purchase"] = _("Several orders have this reference: give their "
                                       "contract in a column too.")
            elif found:
                order = found[0]
                if "contract" not in values or (not values["contract"] and contract is None):
                    raw["contract"] = order["contract"]
            elif given and "purchase" not in errors:
                unknown.append(("purchase", given))
            raw["purchase"] = order["id"] if order else None
        if "contract" in values and "purchase" not in values and current is not None \
                and raw.get("contract") != current["contract"]:
            raw["purchase"] = None  # the device's order was of the contract the file changes
        if not unknown:
            return
        text = " / ".join(given for _field, given in unknown)
        if values.get("order_ref") and values["order_ref"] != text:
            for name, _given in unknown:
                errors[name] = _("No contract or order of yours has this reference, and the "
                                 "order reference is given in another column.")
            return
        raw["order_ref"] = text
        for name, given in unknown:
            notes[name] = Note(_("“%(value)s”: no contract or order of yours has this "
                                 "reference; kept as the order or contract reference."),
                               self.noted_texts.setdefault(given, given))

    async def _update(self, chunk: Sequence[_PlannedUpdate], now: Mapping[int, dict]) -> None:
        """Apply the changes through the assets service, as the pages do (a move, a status
        change and an edit each leave their own audit record; a new organisation is a
        transfer), if nobody changed the assets since phase 1: `now` holds the assets read
        again in this transaction, the same rows as checked when their versions are."""
        changes = []
        for update in chunk:
            current = now.get(update.asset_id)
            if current is None or current["version"] != update.version:
                raise _Stale  # changed or deleted by someone else since the check
            final = {k: self.real(value) if k in _REFERENCES else value for k, value in zip(
                update.names, planned.unpack(update.values), strict=True)}
            changes.append((current, final, update.version))
        try:
            await assets.apply_changes_many(changes, self.who.actor)
            for update, (current, _final, _version) in zip(chunk, changes, strict=True):
                if update.owner is not None:
                    await assets.transfer_asset(current["tag"],
                                                self.refs.organisation_codes[update.owner],
                                                None, self.who.actor, self.who.scope)
        except (Conflict, NotFound):
            raise _Stale from None
        except ValidationFailed as failed:
            raise _WriteProblem(next(iter(failed.errors.values()))) from None

    async def _create(self, creates: list[tuple[RowResult, tuple[str, ...], bytes]]) -> None:
        given = [r.tag for r, _names, _values in creates if r.tag]
        if given and await _assets("asset.tag", given):
            raise _Stale  # created by someone else since phase 1
        rows = [{k: self.real(value) if k in _REFERENCES else value
                 for k, value in zip(names, planned.unpack(values), strict=True)}
                | ({"tag": r.tag} if r.tag else {}) for r, names, values in creates]
        tags = await assets.create_many(rows, self.who.actor, prefix=self.who.prefix,
                                        digits=self.who.digits)
        for (result, _names, _values), tag in zip(creates, tags, strict=True):
            result.tag = tag


async def _assets(column: str, keys: Sequence[str | int]) -> list[dict[str, Any]]:
    if not keys:
        return []
    keys = sorted(set(keys))
    sql = queries.DETAIL_SELECT + f" WHERE {column} IN (" + ", ".join("{}" for _ in keys) + ")"
    return await Asset.raw(sql, *keys).run()


def mapping_from_form(header: Sequence[str], form: Mapping[str, Any]) -> list[str]:
    """The mapping screen posts col_0, col_1, ... (a field name or empty)."""
    mapping = []
    for i in range(len(header)):
        value = form.get(f"col_{i}", "")
        mapping.append(value if isinstance(value, str) and value in columns.FIELDS else "")
    return mapping


# The values screen


@dataclass
class ValueToMap:
    """A value of the file that is not one of ours: how often it occurs, our closest
    choices, the one pre-selected ("" none, values.CREATE to create it)."""

    field: str
    value: str
    count: int
    proposals: list[value_rules.Choice]
    selected: str


@dataclass
class ValuesScreen:
    fields: dict[str, list[ValueToMap]]  # in VALUE_FIELDS order, only fields with values
    choices: dict[str, list[value_rules.Choice]]  # everything of ours, per field
    creatable: dict[str, bool]  # field -> may the person create its values
    more: dict[str, int] = field(default_factory=dict)  # field -> values left off the screen


async def _our_choices(scope: Scope = EVERYTHING) -> tuple[_References, dict[str, list[value_rules.Choice]]]:
    from inventory.assets.rules import STATUSES
    from inventory.core import i18n

    refs = _References()
    await refs.load()
    await refs.load_owners(scope)
    statuses = [value_rules.Choice(key, str(label), tuple(
        i18n.translations(lang).gettext(label.message) for lang in i18n.LANGUAGES))
        for key, label in STATUSES.items()]
    return refs, {
        "category": [value_rules.Choice(c["code"], c["name"])
                     for c in sorted(refs.categories.values(), key=lambda c: _fold(c["name"]))],
        "status": statuses,
        "site": [value_rules.Choice(s["code"], s["name"], (s["uai"] or "",))
                 for s in sorted(refs.sites, key=lambda s: _fold(s["name"]))],
        "manufacturer": [value_rules.Choice(m, m) for m in sorted(set(
            refs.manufacturers.values()), key=_fold)],
        "organisation": [value_rules.Choice(o["code"], o["name"], (o["siren"] or "",))
                         for o in sorted(refs.organisations, key=lambda o: _fold(o["name"]))
                         if scope.allows_organisation(o["id"])],
    }


def _recognised(refs: _References, name: str, value: str, scope: Scope) -> bool:
    if name == "organisation":
        found = refs.find_organisation(value)
        return found is not None and scope.allows_organisation(found["id"])
    if name == "category":
        return refs.find_category(value) is not None
    if name == "site":
        return refs.find_site(value) is not None
    if name == "manufacturer":
        return _fold(value) in refs.manufacturers
    try:
        columns.parse_status(value)
    except FieldError:
        return False
    return True


async def values_to_map(path: Path, mapping: Sequence[str], who: Importer,
                        options: ImportOptions = ImportOptions(),
                        limit: int = reading.MAX_FILE_BYTES) -> ValuesScreen:
    """Each distinct value of the mapped category, status, site and manufacturer columns
    that is not one of ours, with its count and our closest choices. Reads only."""
    info = reading.inspect(path, limit, header_row=options.header_row)
    indexes = {name: mapping.index(name) for name in value_rules.VALUE_FIELDS if name in mapping}
    counts: dict[str, Counter] = {name: Counter() for name in indexes}
    spelled: dict[tuple[str, str], str] = {}
    for _number, cells, _extra in reading.rows(path, info):
        for name, index in indexes.items():
            cell = columns.unneutralise(cells[index]) if index < len(cells) else ""
            value = value_rules.site_part(cell) if name == "site" else cell.strip()
            if value:
                key = _fold(value)
                counts[name][key] += 1
                spelled.setdefault((name, key), value)
    refs, choices = await _our_choices(who.scope)
    creatable = {"category": who.may_create_categories, "site": who.may_create_sites,
                 "manufacturer": True, "status": False, "organisation": False}
    screen = ValuesScreen(fields={}, choices=choices, creatable=creatable)
    for name in value_rules.VALUE_FIELDS:
        if name not in counts:
            continue
        chosen = {_fold(k): x for k, x in options.values.get(name, {}).items()}
        listed: list[ValueToMap] = []
        for key, count in counts[name].most_common():
            value = spelled[(name, key)]
            if _recognised(refs, name, value, who.scope) and key not in chosen:
                continue
            if len(listed) >= MAX_LISTED_VALUES:  # the most frequent first; the rest counted
                screen.more[name] = screen.more.get(name, 0) + 1
                continue
            proposals, best = value_rules.close_matches(value, choices[name])
            if key in chosen:
                selected = chosen[key]
            elif best is not None:
                selected = best.key
            else:  # nothing close: create it if the person may, else they choose
                selected = value_rules.CREATE if creatable[name] else ""
            listed.append(ValueToMap(name, value, count, proposals, selected))
        if listed:
            screen.fields[name] = listed
    return screen


def values_from_form(form: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The values screen posts value-<field>-<n> (the file's value) and choice-<field>-<n>."""
    chosen: dict[str, dict[str, str]] = {}
    for key in form:
        if not key.startswith("value-"):
            continue
        _prefix, name, number = (key.split("-", 2) + ["", ""])[:3]
        theirs, ours = form.get(key), form.get(f"choice-{name}-{number}", "")
        if name in value_rules.VALUE_FIELDS and isinstance(theirs, str) and isinstance(ours, str) \
                and ours:
            chosen.setdefault(name, {})[theirs] = ours
    return chosen
