"""Columns of an imported table: which field each one feeds (guessed from the header or given
in a mapping file), and each cell read into a value or a precise error. Pure: no DB, no HTTP.

A value that cannot be read is an error on its row, never a silent guess: 03/04/2023 is
3 April 2023, 2023-13-01 is refused, "1.234,50" is refused rather than read as 1.23 €.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from inventory import i18n
from inventory import validation as v
from inventory.assets.rules import STATUSES
from inventory.exports import unneutralise  # our exports' formula guards, undone
from inventory.fields import FIELD_LABELS
from inventory.i18n import _
from inventory.i18n import lazy_gettext as L

# The fields a column can feed, in the order the mapping screen offers them. The export's
# columns (inventory/exports.py ASSET_COLUMNS) are all here, so an export can be re-imported.
FIELDS = {
    "tag": FIELD_LABELS["tag"],
    "category": FIELD_LABELS["category"],
    "manufacturer": FIELD_LABELS["manufacturer"],
    "model": FIELD_LABELS["model"],
    "serial": FIELD_LABELS["serial"],
    "site": L("Site (code, UAI or name)"),
    "site_uai": L("Site UAI code"),
    "room": FIELD_LABELS["room"],
    "status": FIELD_LABELS["status"],
    "purchase_date": FIELD_LABELS["purchase_date"],
    "purchase_price_eur": FIELD_LABELS["purchase_price_eur"],
    "warranty_end": FIELD_LABELS["warranty_end"],
    "warranty_months": L("Warranty (months from purchase)"),
    "end_of_life_year": FIELD_LABELS["eol_year"],
    "commissioning_date": FIELD_LABELS["commissioning_date"],
    "supplier": FIELD_LABELS["supplier"],
    "order_ref": FIELD_LABELS["order_ref"],
    "holder": FIELD_LABELS["holder"],
    "hostname": FIELD_LABELS["hostname"],
    "ip_address": FIELD_LABELS["ip_address"],
    "mac_address": FIELD_LABELS["mac_address"],
    "firmware": FIELD_LABELS["firmware"],
    "notes": FIELD_LABELS["notes"],
}
IGNORE = ""

# Header names seen in the wild, written as normalise() leaves them: our own export, French
# spreadsheets, Snipe-IT's asset export and GLPI's computer export.
SYNONYMS = {
    "tag": ["tag", "etiquette", "asset tag", "numero d inventaire", "n d inventaire",
            "no d inventaire", "n inventaire", "num inventaire", "numero inventaire",
            "inventaire", "code inventaire"],
    "category": ["category", "categorie", "type", "type de materiel", "famille",
                 "category code"],
    "manufacturer": ["manufacturer", "fabricant", "marque", "constructeur", "brand"],
    "model": ["model", "modele", "model name", "modele de materiel"],
    "serial": ["serial", "serial number", "numero de serie", "n de serie", "no de serie",
               "num serie", "numero serie", "sn"],
    "site": ["site", "location", "lieu", "etablissement", "ecole", "batiment", "code site",
             "site code", "default location"],
    "site_uai": ["site uai", "uai", "rne", "code uai"],
    "room": ["room", "salle", "piece", "local", "emplacement"],
    "status": ["status", "statut", "etat", "status label"],
    "purchase_date": ["purchase date", "date d achat", "date achat", "achete le"],
    "purchase_price_eur": ["purchase price eur", "purchase price", "purchase cost",
                           "prix d achat", "prix d achat eur", "prix", "cout", "cout d achat",
                           "montant", "prix ttc", "prix ht", "valeur"],
    "warranty_end": ["warranty end", "warranty expires", "fin de garantie",
                     "date de fin de garantie", "fin garantie", "garantie jusqu au",
                     "warranty expiration date"],
    "warranty_months": ["warranty", "warranty months", "garantie", "garantie mois",
                        "duree de garantie", "duree garantie"],
    "end_of_life_year": ["end of life year", "fin de vie", "annee de fin de vie", "eol"],
    "commissioning_date": ["commissioning date", "date de mise en service",
                           "mise en service"],
    "supplier": ["supplier", "fournisseur", "vendor"],
    "order_ref": ["order ref", "order number", "bon de commande", "numero de commande",
                  "n de commande", "commande", "marche", "reference du marche"],
    "holder": ["holder", "detenteur", "attribue a", "utilisateur", "usager", "checked out to",
               "assigned to"],
    "hostname": ["hostname", "nom d hote", "nom", "name", "asset name", "nom de la machine"],
    "ip_address": ["ip address", "ip", "adresse ip"],
    "mac_address": ["mac address", "mac", "adresse mac"],
    "firmware": ["firmware", "micrologiciel", "version du firmware"],
    "notes": ["notes", "note", "commentaire", "commentaires", "comments", "remarques",
              "observations"],
}

# Status words of our export, of both languages' labels, of Snipe-IT and of GLPI.
STATUS_WORDS = {
    "in_service": ["in service", "en service", "deployed", "ready to deploy", "deployable",
                   "actif", "active", "en fonctionnement", "affecte"],
    "in_stock": ["in stock", "en stock", "stock", "pending", "en attente", "disponible",
                 "available"],
    "faulty": ["faulty", "en panne", "panne", "broken", "hors service", "hs", "defectueux"],
    "in_repair": ["in repair", "en reparation", "out for repair", "reparation",
                  "en maintenance"],
    "retired": ["retired", "reforme", "archived", "archive", "rebut", "mis au rebut"],
}

_TAG = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_MONTHS = re.compile(r"^(\d{1,3})\s*(mois|months?|m)?$")
_YEARS = re.compile(r"^(\d{1,2})\s*(ans?|years?)$")


def normalise(text: str) -> str:
    """'Numéro d'inventaire ' -> 'numero d inventaire' (case, accents, punctuation)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _known_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for field, words in SYNONYMS.items():
        for word in words:
            names.setdefault(word, field)
    for field, label in FIELDS.items():
        names.setdefault(normalise(field), field)
        for language in i18n.LANGUAGES:
            text = i18n.translations(language).gettext(label.message)
            names.setdefault(normalise(text), field)
    return names


def guess_mapping(header: Sequence[str]) -> list[str]:
    """The field each column feeds, guessed from its name ("" when unknown); a field is
    given to its first column only."""
    names = _known_names()
    used: set[str] = set()
    mapping = []
    for column in header:
        field = names.get(normalise(column), IGNORE)
        if field in used:
            field = IGNORE
        used.add(field)
        mapping.append(field)
    return mapping


class MappingProblem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_mapping(mapping: Sequence[str]) -> None:
    """A field fed by two columns, or nothing mapped at all, is refused."""
    seen: set[str] = set()
    for field in mapping:
        if field and field not in FIELDS:
            raise MappingProblem(_("Unknown field “%(field)s”.") % {"field": field})
        if field and field in seen:
            raise MappingProblem(_("Two columns feed the field “%(field)s”; keep one.")
                                 % {"field": str(FIELDS[field])})
        seen.add(field)
    if not any(mapping):
        raise MappingProblem(_("No column is mapped to a field: choose at least one."))


def parse_mapping_file(text: str, name: str) -> dict[str, str]:
    """A mapping file: JSON or TOML, {"column name": "field"} (empty or "ignore": ignored).
    The columns may also sit under a [columns] table."""
    try:
        data = tomllib.loads(text) if name.lower().endswith(".toml") else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise MappingProblem(_("The mapping file cannot be read: %(error)s")
                             % {"error": error}) from None
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and (isinstance(f, str) or f is None) for k, f in data.items()):
        raise MappingProblem(_("The mapping file must map column names to field names."))
    return {column: ("" if f in (None, "ignore") else f) for column, f in data.items()}


def apply_mapping_file(header: Sequence[str], given: Mapping[str, str]) -> list[str]:
    """The guessed mapping, overridden by a mapping file; columns it names must exist."""
    mapping = guess_mapping(header)
    positions = {normalise(c): i for i, c in enumerate(header)}
    for column, field in given.items():
        if field and field not in FIELDS:
            raise MappingProblem(_("Unknown field “%(field)s”.") % {"field": field})
        index = positions.get(normalise(column))
        if index is None:
            raise MappingProblem(_("The file has no column “%(column)s”.") % {"column": column})
        if field:  # a field moved to another column leaves its guessed one
            mapping = [IGNORE if f == field else f for f in mapping]
        mapping[index] = field
    check_mapping(mapping)
    return mapping


# Cells


def parse_date(value: str) -> dt.date | None:
    """31/12/2023 (day first, also with . or -) or 2023-12-31 (a time after it is ignored)."""
    raw = value.strip()
    if not raw:
        return None
    try:
        if match := _DAY_FIRST.match(raw):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _ISO.match(raw):
            year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
            dt.time(hour, minute, second)  # a time after the date must be a real one
            return dt.date(year, month, day)
    except ValueError:
        pass
    raise v.FieldError(_("“%(value)s” is not a date; enter it as 31/12/2024.") % {"value": raw})


def parse_status(value: str) -> str | None:
    raw = normalise(value)
    if not raw:
        return None
    for key, words in STATUS_WORDS.items():
        if raw in words or raw == normalise(key):
            return key
    for key, label in STATUSES.items():
        for language in i18n.LANGUAGES:
            if raw == normalise(i18n.translations(language).gettext(label.message)):
                return key
    raise v.FieldError(_("Unknown status “%(value)s”; use one of: %(choices)s.") % {
        "value": value.strip(), "choices": ", ".join(str(s) for s in STATUSES.values())})


def parse_months(value: str) -> int | None:
    raw = value.strip().casefold()
    if not raw:
        return None
    if match := _MONTHS.match(raw):
        return int(match.group(1))
    if match := _YEARS.match(raw):
        return int(match.group(1)) * 12
    raise v.FieldError(_("Enter a warranty length in months, such as 36."))


def parse_tag(value: str) -> str:
    tag = value.strip().upper()
    if tag and not _TAG.match(tag):
        raise v.FieldError(_("A tag has 1 to 32 capital letters, digits, dots, dashes or "
                             "underscores, such as BRN-004213."))
    return tag


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


_TEXT_LIMITS = {"category": 120, "manufacturer": 120, "model": 120, "site": 200,
                "site_uai": 8, "room": 120}


def parse_row(cells: Sequence[str], mapping: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """One row's cells -> ({field: value} for the mapped fields, {field: error}). Blank cells
    give None or "". Money comes back as purchase_price_cents, warranty months as a
    warranty_end (when the purchase date is known)."""
    c = v.Collector()
    raw = {field: unneutralise(cells[i]) for i, field in enumerate(mapping) if field}
    for field, value in raw.items():
        if field == "tag":
            c.field(field, parse_tag, value)
        elif field in ("purchase_date", "warranty_end", "commissioning_date"):
            c.field(field, parse_date, value)
        elif field == "purchase_price_eur":
            c.field(field, v.euros_to_cents, value)
        elif field == "status":
            c.field(field, parse_status, value)
        elif field == "warranty_months":
            c.field(field, parse_months, value)
        elif field == "end_of_life_year":
            c.field(field, v.integer, value, minimum=1990, maximum=2100)
        elif field in _TEXT_LIMITS:
            c.field(field, v.text, value, max_length=_TEXT_LIMITS[field])
        else:
            c.values[field] = value.strip()  # checked with the asset's own rules later
    if "purchase_price_eur" in c.values:
        c.values["purchase_price_cents"] = c.values.pop("purchase_price_eur")
    months = c.values.pop("warranty_months", None)
    if months is not None and "warranty_end" not in raw:
        if c.values.get("purchase_date"):
            c.values["warranty_end"] = add_months(c.values["purchase_date"], months)
        elif "purchase_date" not in c.errors:
            c.error("warranty_months", _("A warranty in months needs the purchase date."))
    return c.values, c.errors
