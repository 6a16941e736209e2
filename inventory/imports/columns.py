"""Columns of an imported table: which field each one feeds (guessed from the header or given
in a mapping file), and each cell read into a value or a precise error. Pure: no DB, no HTTP.

A value that cannot be read is an error on its row, never a silent guess: 03/04/2023 is
3 April 2023, 2023-13-01 is refused, "1.234,50" is refused rather than read as 1.23 €.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from inventory.assets.rules import STATUSES
from inventory.core import i18n
from inventory.core import parsers as v
from inventory.core.errors import Collector, FieldError
from inventory.core.fields import FIELD_LABELS
from inventory.core.i18n import _
from inventory.core.i18n import lazy_gettext as L
from inventory.exporting.columns import unneutralise  # our exports' formula guards, undone

# The fields a column can feed, in the order the mapping screen offers them. The export's
# columns (exporting/columns.py ASSETS) are all here, so an export can be re-imported
# (tests/unit/test_asset_fields.py).
FIELDS = {
    "tag": FIELD_LABELS["tag"],
    "category": FIELD_LABELS["category"],
    "manufacturer": FIELD_LABELS["manufacturer"],
    "model": FIELD_LABELS["model"],
    "manufacturer_model": L("Manufacturer / model (split on the slash)"),
    "serial": FIELD_LABELS["serial"],
    "site": L("Site (code, UAI or name)"),
    "site_uai": L("Site UAI code"),
    "room": FIELD_LABELS["room"],
    "status": FIELD_LABELS["status"],
    "purchase_date": FIELD_LABELS["purchase_date"],
    "purchase_price_eur": FIELD_LABELS["purchase_price_eur"],
    "warranty_end": FIELD_LABELS["warranty_end"],
    "warranty_months": L("Warranty (months from purchase)"),
    "warranty_years": L("Warranty (years from purchase)"),
    "end_of_life_year": FIELD_LABELS["eol_year"],
    "commissioning_date": FIELD_LABELS["commissioning_date"],
    "supplier": FIELD_LABELS["supplier"],
    "order_ref": FIELD_LABELS["order_ref"],
    "organisation": L("Organisation (code, name or SIREN)"),
    "contract": L("Contract (reference)"),
    "purchase": L("Order (reference or number)"),
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
            "inventaire", "code inventaire", "etiquette de l actif", "etiquette d actif",
            "numero d immobilisation", "n d immobilisation"],
    "category": ["category", "categorie", "type", "type de materiel", "famille",
                 "category code", "type d equipement", "type d equipements", "nature",
                 "designation", "types de materiels"],
    "manufacturer": ["manufacturer", "fabricant", "fabricants", "marque", "constructeur",
                     "brand"],
    "model": ["model", "modele", "model name", "modele de materiel", "nom du modele",
              "modeles"],
    "manufacturer_model": ["marque modele", "fabricant modele", "marque et modele",
                           "manufacturer model", "make model"],
    "serial": ["serial", "serial number", "numero de serie", "n de serie", "no de serie",
               "num serie", "numero serie", "sn"],
    "site": ["site", "location", "lieu", "etablissement", "ecole", "batiment", "code site",
             "site code", "default location", "localisation", "localisations",
             "emplacement par defaut", "lieux"],
    "site_uai": ["site uai", "uai", "rne", "code uai"],
    "room": ["room", "salle", "piece", "local", "emplacement"],
    "status": ["status", "statut", "etat", "status label", "etiquette de statut", "statuts"],
    "purchase_date": ["purchase date", "date d achat", "date achat", "achete le", "purchased",
                      "achete", "date de l achat"],
    "purchase_price_eur": ["purchase price eur", "purchase price", "purchase cost",
                           "prix d achat", "prix d achat eur", "prix", "cout", "cout d achat",
                           "montant", "prix ttc", "prix ht", "valeur", "cost",
                           "cout de l achat", "valeur d achat", "montant ttc", "montant ht",
                           "prix d achat ttc", "prix d achat ht"],
    "warranty_end": ["warranty end", "warranty expires", "fin de garantie",
                     "date de fin de garantie", "fin garantie", "garantie jusqu au",
                     "warranty expiration date"],
    "warranty_months": ["warranty", "warranty months", "garantie", "garantie mois",
                        "duree de garantie", "duree garantie", "garantie en mois",
                        "duree de garantie mois", "garantie mois"],
    "warranty_years": ["warranty years", "garantie ans", "garantie annees",
                       "duree de garantie ans", "duree de garantie annees", "garantie en ans",
                       "garantie en annees"],
    "end_of_life_year": ["end of life year", "fin de vie", "annee de fin de vie", "eol",
                         "eol date", "date de fin de vie"],
    "commissioning_date": ["commissioning date", "date de mise en service",
                           "mise en service"],
    "supplier": ["supplier", "fournisseur", "vendor", "fournisseurs"],
    # Free text: GLPI's and Snipe-IT's exports ("Numéro de commande", "Order Number") carry
    # orders this service does not know. "Bon de commande", "N° de commande" name one of
    # ours (purchase below), "Marché" a contract.
    "order_ref": ["order ref", "order number", "numero de commande", "reference de commande",
                  "order reference"],
    "organisation": ["organisation", "organization", "proprietaire", "collectivite",
                     "organisme", "owner", "organisation proprietaire",
                     "collectivite proprietaire", "siren", "code organisation"],
    "contract": ["contract", "contrat", "marche", "reference du marche", "marche public",
                 "n de marche", "numero de marche", "reference du contrat", "n de contrat",
                 "numero de contrat", "accord cadre", "contract reference"],
    "purchase": ["purchase", "purchase order", "bon de commande", "n de bon de commande",
                 "n de commande", "no de commande", "commande", "numero du bon de commande"],
    "holder": ["holder", "detenteur", "attribue a", "utilisateur", "usager", "checked out to",
               "assigned to"],
    "hostname": ["hostname", "nom d hote", "nom", "name", "asset name", "nom de la machine",
                 "nom de l actif", "item name"],
    "ip_address": ["ip address", "ip", "adresse ip"],
    "mac_address": ["mac address", "mac", "adresse mac"],
    "firmware": ["firmware", "micrologiciel", "version du firmware"],
    "notes": ["notes", "note", "commentaire", "commentaires", "comments", "remarques",
              "observations", "observation"],
}

# Status words of our export, of both languages' labels, of Snipe-IT and of GLPI. Snipe-IT's
# "Ready to Deploy" is a device waiting in stock, not one in service; its "Pending" too.
STATUS_WORDS = {
    "in_service": ["in service", "en service", "deployed", "deploye", "actif", "active",
                   "en fonctionnement", "affecte", "en production", "en pret", "prete",
                   "en utilisation", "utilise", "attribue"],
    "in_stock": ["in stock", "en stock", "stock", "pending", "en attente", "disponible",
                 "available", "ready to deploy", "pret a etre deploye", "pret a deployer",
                 "deployable", "neuf", "new", "en reserve"],
    "faulty": ["faulty", "en panne", "panne", "broken", "hors service", "hs", "defectueux",
               "defectueuse", "endommage", "casse"],
    "in_repair": ["in repair", "en reparation", "out for repair", "reparation",
                  "en maintenance", "out for diagnostics", "en diagnostic", "en sav", "sav"],
    "retired": ["retired", "reforme", "archived", "archive", "rebut", "mis au rebut",
                "au rebut", "vole", "perdu", "retire", "lost stolen", "lost", "stolen",
                "broken not fixable", "a reformer", "a reformer", "reformee", "detruit",
                "recycle"],
}
# Snipe-IT writes a label's kind after it: "Stolen (archived)", "Ready to Deploy (deployable)".
_STATUS_KINDS = {"deployable": "in_stock", "pending": "in_stock", "archived": "retired",
                 "undeployable": "faulty", "deployed": "in_service"}
_STATUS_SUFFIX = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")

_TAG = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_SHORT_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})$")
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_MONTHS = re.compile(r"^(\d{1,3})\s*(mois|months?|m)?$")
_YEARS = re.compile(r"^(\d{1,2})\s*(ans?|years?)$")


def normalise(text: str) -> str:
    """'Numéro d'inventaire ' -> 'numero d inventaire' (case, accents, punctuation)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


@functools.cache
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


_YEAR_WORDS = {"ans", "an", "annees", "annee", "years", "year"}
_MONTH_WORDS = {"mois", "months", "month"}
_TAX_INCLUDED = {"ttc"}
_TAX_EXCLUDED = {"ht", "hors taxes", "hors taxe"}


def _words(text: str) -> set[str]:
    return set(normalise(text).split())


def _field_of(column: str) -> str:
    """The field a column name names ("" when unknown). GLPI prefixes its export headers with
    their group ("Informations financières et administratives - Date d'achat"): the part after
    the last " - " is tried too. A unit in brackets ("Garantie (ans)") says months or years."""
    names = _known_names()
    key = normalise(column)
    field = names.get(key)
    if field is None and " - " in column:
        key = normalise(column.rsplit(" - ", 1)[1])
        field = names.get(key)
    if field is None:  # "Prix d'achat (€)", "Garantie (ans)": without the bracket
        bare = normalise(re.sub(r"\([^()]*\)", " ", column.rsplit(" - ", 1)[-1]))
        field = names.get(bare) if bare else None
    if field in ("warranty_months", "warranty_years"):
        words = _words(column)
        if words & _YEAR_WORDS:
            field = "warranty_years"
        elif words & _MONTH_WORDS:
            field = "warranty_months"
    return field or IGNORE


def is_known_column(text: str) -> bool:
    """Whether a cell's text names a column the import knows (to find the header row)."""
    return bool(text) and _field_of(text) != IGNORE


def tax_kind(column: str) -> str:
    """ "ttc", "ht" or "" from a price column's name ("Prix HT", "Montant TTC")."""
    folded = " " + normalise(column) + " "
    if any(f" {w} " in folded for w in _TAX_INCLUDED) or "toutes taxes" in folded:
        return "ttc"
    if any(f" {w} " in folded for w in _TAX_EXCLUDED):
        return "ht"
    return ""


def _years_format(number_format: str) -> bool:
    """A cell format such as 0" ans" or # "années" shows years."""
    quoted = " ".join(re.findall(r'"([^"]*)"', number_format or ""))
    return bool(_words(quoted) & _YEAR_WORDS)


def guess_mapping(header: Sequence[str], formats: Sequence[str] = ()) -> list[str]:
    """The field each column feeds, guessed from its name ("" when unknown); a field is
    given to its first column only. When a price exists with tax (TTC) and before tax (HT),
    the TTC one is the asset's price (what the budget pays). A warranty whose cells are shown
    in years (a number format with "ans") is in years."""
    guessed = [_field_of(column) for column in header]
    for i, fmt in enumerate(formats[:len(guessed)]):
        if guessed[i] == "warranty_months" and _years_format(fmt):
            guessed[i] = "warranty_years"
    prices = [i for i, f in enumerate(guessed) if f == "purchase_price_eur"]
    with_tax = [i for i in prices if tax_kind(header[i]) == "ttc"]
    if with_tax and len(prices) > 1:
        for i in prices:
            if i != with_tax[0]:
                guessed[i] = IGNORE
    used: set[str] = set()
    mapping = []
    for field in guessed:
        if field in used or (field in ("manufacturer", "model") and "manufacturer_model" in used):
            field = IGNORE
        used.add(field)
        mapping.append(field)
    return mapping


def price_note(header: Sequence[str], mapping: Sequence[str]) -> str:
    """What the mapping screen says about prices with and without tax ("" if nothing)."""
    taxed = {tax_kind(c): c for c in header if _field_of(c) == "purchase_price_eur"}
    if "ttc" not in taxed or "ht" not in taxed:
        return ""
    chosen = next((header[i] for i, f in enumerate(mapping) if f == "purchase_price_eur"), "")
    if tax_kind(chosen) == "ht":
        return _("The price before tax (HT, column “%(ht)s”) is the asset's price; the price "
                 "with tax (column “%(ttc)s”) is what the budget pays.") % {
                     "ht": chosen, "ttc": taxed["ttc"]}
    return _("The file gives prices before tax (HT, column “%(ht)s”) and with tax (TTC, "
             "column “%(ttc)s”): the asset's price is the price with tax, what the budget "
             "pays.") % {"ht": taxed["ht"], "ttc": taxed["ttc"]}


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


def apply_mapping_file(header: Sequence[str], given: Mapping[str, str],
                       formats: Sequence[str] = ()) -> list[str]:
    """The guessed mapping, overridden by a mapping file; columns it names must exist."""
    mapping = guess_mapping(header, formats)
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


DATE_ORDERS = ("dmy", "mdy")


def parse_date(value: str, order: str = "dmy") -> dt.date | None:
    """31/12/2023 (day first, also with . or -) or 2023-12-31 (a time after it is ignored).
    With order="mdy" (chosen by the person: Snipe-IT, American files), 12/31/2023 and
    1/23/23 are month first. Nothing is guessed: a month-first date in a day-first file is
    refused with a hint."""
    raw = value.strip()
    if not raw:
        return None
    first = raw.split()[0] if order == "mdy" else raw  # Snipe-IT adds a time: 1/23/23 10:00
    try:
        if order == "mdy" and ((match := _DAY_FIRST.match(first))
                               or (match := _SHORT_YEAR.match(first))):
            month, day, year = (int(g) for g in match.groups())
            if year < 100:
                year += 2000 if year < 70 else 1900
            return dt.date(year, month, day)
        if order != "mdy" and (match := _DAY_FIRST.match(raw)):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _ISO.match(raw):
            year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
            dt.time(hour, minute, second)  # a time after the date must be a real one
            return dt.date(year, month, day)
    except ValueError:
        pass
    if order != "mdy" and (match := (_DAY_FIRST.match(raw) or _SHORT_YEAR.match(raw))):
        a, b, _year = (int(g) for g in match.groups())
        if 1 <= a <= 12 and 12 < b <= 31 or match.re is _SHORT_YEAR:
            raise FieldError(_("“%(value)s” is not a day-first date. If the file's dates are "
                                 "month first (1/23/2023), choose “month first” for the dates "
                                 "on the columns screen (--date-order mdy).") % {"value": raw})
    raise FieldError(_("“%(value)s” is not a date; enter it as 31/12/2024.") % {"value": raw})


def _status_word(raw: str) -> str | None:
    for key, words in STATUS_WORDS.items():
        if raw in words or raw == normalise(key):
            return key
    for key, label in STATUSES.items():
        for language in i18n.LANGUAGES:
            if raw == normalise(i18n.translations(language).gettext(label.message)):
                return key
    return None


def parse_status(value: str) -> str | None:
    raw = normalise(value)
    if not raw:
        return None
    if found := _status_word(raw):
        return found
    if match := _STATUS_SUFFIX.match(value.strip()):  # Snipe-IT: "Stolen (archived)"
        label, kind = normalise(match.group(1)), normalise(match.group(2))
        if found := _status_word(label) or _STATUS_KINDS.get(kind):
            return found
    raise FieldError(_("Unknown status “%(value)s”; use one of: %(choices)s.") % {
        "value": value.strip(), "choices": ", ".join(str(s) for s in STATUSES.values())})


def parse_months(value: str) -> int | None:
    """A warranty in months: "36", "36 mois", or with its unit "3 ans". A bare number under
    6 is not guessed: three months or three years? The person says which."""
    raw = value.strip().casefold()
    if not raw:
        return None
    if match := _YEARS.match(raw):
        return int(match.group(1)) * 12
    if match := _MONTHS.match(raw):
        months = int(match.group(1))
        if not match.group(2) and 0 < months < 6:
            raise FieldError(_("A warranty of %(num)d months? If this column gives years, "
                                 "map it to “Warranty (years from purchase)”; otherwise write "
                                 "“%(num)d mois”.") % {"num": months})
        return months
    raise FieldError(_("Enter a warranty length in months, such as 36."))


def parse_years(value: str) -> int | None:
    """A warranty in years ("3", "3 ans", "2,5") as months; "36 mois" keeps its unit."""
    raw = value.strip().casefold()
    if not raw:
        return None
    if (match := _MONTHS.match(raw)) and match.group(2):
        return int(match.group(1))
    number = re.match(r"^(\d{1,2})(?:[.,](\d))?\s*(ans?|années?|annees?|years?)?$", raw)
    if number:
        return int(number.group(1)) * 12 + (int(number.group(2) or 0) * 12) // 10
    raise FieldError(_("Enter a warranty length in years, such as 3."))


def parse_eol(value: str, order: str = "dmy") -> int | None:
    """An end-of-life year, or a date whose year is taken (Snipe-IT's "EOL" is a date)."""
    raw = value.strip()
    if re.match(r"^\d{4}$", raw) or not raw:
        return v.integer(raw, minimum=1990, maximum=2100)
    try:
        day = parse_date(raw, order)
    except FieldError:
        raise FieldError(_("Enter a year, such as 2030, or a date.")) from None
    return v.integer(str(day.year), minimum=1990, maximum=2100) if day else None


def round_amount(value: str) -> tuple[int, bool] | None:
    """A number cell computed by a formula (498.996) as cents rounded half up, and whether it
    was rounded; None when the text is not a plain number."""
    try:
        amount = Decimal(value.strip())
    except ArithmeticError:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    cents = (amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(cents), cents != amount * 100


def split_manufacturer_model(value: str) -> tuple[str, str]:
    """ "Dell / Latitude 5420" -> ("Dell", "Latitude 5420"); without a slash, the model only."""
    if "/" in value:
        maker, model = value.split("/", 1)
        return maker.strip(), model.strip()
    return "", value.strip()


def parse_tag(value: str) -> str:
    tag = value.strip().upper()
    if tag and not _TAG.match(tag):
        raise FieldError(_("A tag has 1 to 32 capital letters, digits, dots, dashes or "
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
                "site_uai": 8, "room": 120, "organisation": 200, "contract": 64,
                "purchase": 64}


def parse_row(cells: Sequence[str], mapping: Sequence[str], *, date_order: str = "dmy",
              notes: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """One row's cells -> ({field: value} for the mapped fields, {field: error}). Blank cells
    give None or "". Money comes back as purchase_price_cents, warranty months or years as a
    warranty_end (when the purchase date is known). What was read but adjusted (an amount
    rounded to the cent) goes to `notes`, keyed by field."""
    c = Collector()
    numbers: frozenset[int] = getattr(cells, "numbers", frozenset())
    raw = {field: unneutralise(cells[i]) for i, field in enumerate(mapping) if field}
    for i, field in enumerate(mapping):
        if field == "manufacturer_model":
            maker, model = split_manufacturer_model(raw.pop(field))
            raw.setdefault("manufacturer", maker)
            raw.setdefault("model", model)
        elif field == "purchase_price_eur" and i in numbers:
            rounded = round_amount(cells[i])
            if rounded and rounded[1]:
                c.values[field] = rounded[0]
                raw.pop(field)
                if notes is not None:
                    notes[field] = _("%(value)s rounded to %(euros)s €.") % {
                        "value": cells[i], "euros": f"{rounded[0] / 100:.2f}".replace(".", ",")}
    for field, value in raw.items():
        if field == "tag":
            c.field(field, parse_tag, value)
        elif field in ("purchase_date", "warranty_end", "commissioning_date"):
            c.field(field, parse_date, value, date_order)
        elif field == "purchase_price_eur":
            c.field(field, v.euros_to_cents, value)
        elif field == "status":
            c.field(field, parse_status, value)
        elif field == "warranty_months":
            c.field(field, parse_months, value)
        elif field == "warranty_years":
            c.field("warranty_months", parse_years, value)
        elif field == "end_of_life_year":
            c.field(field, parse_eol, value, date_order)
        elif field in _TEXT_LIMITS:
            c.field(field, v.text, value, max_length=_TEXT_LIMITS[field])
        else:
            c.values[field] = value.strip()  # checked with the asset's own rules later
    if "purchase_price_eur" in c.values:
        c.values["purchase_price_cents"] = c.values.pop("purchase_price_eur")
    months = c.values.pop("warranty_months", None)
    if "warranty_years" in raw and "warranty_months" in c.errors:
        c.errors["warranty_years"] = c.errors.pop("warranty_months")
    if months is not None and "warranty_end" not in raw:
        if c.values.get("purchase_date"):
            c.values["warranty_end"] = add_months(c.values["purchase_date"], months)
        elif "purchase_date" not in c.errors:
            which = "warranty_years" if "warranty_years" in raw else "warranty_months"
            c.error(which, _("A warranty in months needs the purchase date."))
    return c.values, c.errors
