"""Pure rules for sites and rooms: UAI codes, kinds, codes."""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from inventory.core.errors import FieldError
from inventory.core.i18n import _, lazy_gettext

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_UAI_SHAPE = re.compile(r"^\d{7}[A-Z]$")

SITE_KINDS = {
    "maternelle": lazy_gettext("Nursery school"),
    "elementaire": lazy_gettext("Elementary school"),
    "groupe_scolaire": lazy_gettext("School group"),
    "college": lazy_gettext("Lower secondary school (collège)"),
    "lycee": lazy_gettext("Upper secondary school (lycée)"),
    "mairie": lazy_gettext("Town hall"),
    "mediatheque": lazy_gettext("Media library"),
    "gymnase": lazy_gettext("Sports hall"),
    "centre_loisirs": lazy_gettext("Leisure centre"),
    "other": lazy_gettext("Other"),
}
SCHOOL_KINDS = frozenset({"maternelle", "elementaire", "groupe_scolaire", "college", "lycee"})

ROOM_KINDS = {
    "classroom": lazy_gettext("Classroom"),
    "office": lazy_gettext("Office"),
    "network_cabinet": lazy_gettext("Network cabinet"),
    "storage": lazy_gettext("Storage"),
    "hall": lazy_gettext("Hall or shared room"),
    "other": lazy_gettext("Other"),
}


def uai_check_letter(number: str) -> str:
    return UAI_LETTERS[int(number) % 23]


def normalise_uai(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def uai_problem(value: str) -> str | None:
    """None when `value` is a valid UAI code, otherwise a message that says what is wrong."""
    code = normalise_uai(value)
    if not _UAI_SHAPE.match(code):
        return _("A UAI code is 7 digits followed by a letter, such as 0750654D.")
    expected = uai_check_letter(code[:7])
    if code[7] != expected:
        return _("The check letter of this UAI code should be %(letter)s, not %(given)s.") % {
            "letter": expected,
            "given": code[7],
        }
    return None


_CODE_SHAPE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def code_problem(value: str) -> str | None:
    if not _CODE_SHAPE.match(value):
        return _("Use 1 to 32 capital letters, digits, dashes or underscores, such as GS-PASTEUR.")
    return None


_NUMBERS = re.compile(r"(\d+)")


@lru_cache(maxsize=8192)  # the list's room filter sorts a site's rooms on every page
def natural_key(name: str | None) -> tuple:
    """Sort key for room names as people count them: "Classe 2" before "Classe 10",
    accents and case ignored ("étage" next to "Etage"), the name itself breaking ties.
    Text and numbers alternate in the key (re.split with a group always starts with text),
    so two keys always compare item by item with the same types."""
    text = name or ""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text)
                     if not unicodedata.combining(c)).casefold().strip()
    parts = _NUMBERS.split(folded)
    key = tuple(int(part) if i % 2 else part.strip() for i, part in enumerate(parts))
    return (key, text)


def sort_rooms(rooms: list, name_key: str = "name") -> list:
    """Rooms (dicts) in natural order of their names."""
    return sorted(rooms, key=lambda room: natural_key(room.get(name_key)))


# Where a site is: WGS 84 degrees, as the national directory of schools (and any map) gives
# them. A position is (latitude, longitude).
Position = tuple[float, float]
_EARTH_RADIUS_KM = 6371.0088


def coordinate(value: object, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (limit 180) typed with a point or a comma, or sent
    as a number; None when blank. Raises FieldError with the message to show."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise FieldError(_("Enter a number of degrees, such as 48.8566."))
    try:
        number = float(str(value).strip().replace(",", ".").replace("°", ""))
    except ValueError:
        raise FieldError(_("Enter a number of degrees, such as 48.8566.")) from None
    if not math.isfinite(number) or abs(number) > limit:
        raise FieldError(_("Between -%(n)d and %(n)d degrees.") % {"n": limit})
    return round(number, 6)  # ~0.1 m: what a map gives


def parse_position(text: str | None) -> Position | None:
    """A position as a page's address carries it ("48.85,2.35"); None if it is not one."""
    parts = (text or "").split(",")
    if len(parts) != 2:
        return None
    try:
        latitude, longitude = coordinate(parts[0], 90), coordinate(parts[1], 180)
    except FieldError:
        return None
    return (latitude, longitude) if latitude is not None and longitude is not None else None


def distance_km(a: Position, b: Position) -> float:
    """The great-circle distance (haversine): enough to tell which school is nearer."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))
