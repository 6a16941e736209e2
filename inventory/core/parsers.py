"""Pure input parsing; no DB, no HTTP (the errors are in errors.py).

Every parser takes what a form or a JSON body gives (str, number, None) and either returns
a clean value or raises FieldError with a translated message for that field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from inventory.core.errors import FieldError
from inventory.core.i18n import _


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def left_blank(value: Any, required: bool, message: str | None = None) -> bool:
    """Whether `value` is blank and may be; a blank required value is an error (`message`,
    by default "This field is required.")."""
    if not blank(value):
        return False
    if required:
        raise FieldError(message or _("This field is required."))
    return True


# C0 control characters and DEL: invisible, refused by XLSX writers (and NUL by PostgreSQL).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Text as typed, pasted or read from a file, without control characters: line breaks
    (CR LF, CR, and the vertical tab Word writes for a manual break) become newlines, which
    a multi-line field keeps with tabs and a one-line field turns into spaces."""
    if value.isprintable():  # nearly every value: no control character to look for
        return value
    cleaned = _CONTROL.sub("", _LINE_BREAKS.sub("\n", value))
    if not multiline:
        cleaned = cleaned.replace("\n", " ").replace("\t", " ")
    return cleaned


def text(value: Any, *, required: bool = False, max_length: int = 200,
         multiline: bool = False) -> str:
    """Every text a form, the API, an import or the command line gives goes through here."""
    if isinstance(value, str):
        value = clean_text(value, multiline=multiline)
    if left_blank(value, required):
        return ""
    if not isinstance(value, str | int | float):
        raise FieldError(_("Enter text."))
    cleaned = str(value).strip()
    if len(cleaned) > max_length:
        raise FieldError(_("At most %(n)d characters.") % {"n": max_length})
    return cleaned


def lines(value: Any, *, max_length: int = 2000) -> str:
    """Text of one item a line: a form's text area gives it as text, the API as a list of
    lines (accessories, mandates)."""
    if isinstance(value, list | tuple):
        if not all(isinstance(line, str) for line in value):
            raise FieldError(_("Enter text."))
        value = "\n".join(value)
    cleaned = text(value, max_length=max_length, multiline=True)
    return "\n".join(line.strip() for line in cleaned.splitlines() if line.strip())


_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def date(value: Any, *, required: bool = False) -> dt.date | None:
    """ISO dates (2024-03-31, what <input type=date> sends) and French dates (31/03/2024)."""
    if isinstance(value, dt.date):
        return value
    if left_blank(value, required):
        return None
    if not isinstance(value, str):
        raise FieldError(_("Enter a date such as 31/12/2024."))
    raw = value.strip()
    try:
        if match := _DAY_FIRST.match(raw):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FieldError(_("“%(value)s” is not a date; enter it as 31/12/2024.") % {"value": raw}) from None


INT_MIN, INT_MAX = -2_147_483_648, 2_147_483_647


def row_number(text: Any) -> int | None:
    """A non-negative whole number written in a query string or form (an id, a page, a
    version), or None when it is not one or is too large for the database."""
    text = str(text or "").strip()
    if not text.isdigit() or len(text) > 10 or int(text) > INT_MAX:
        return None
    return int(text)


def integer(
    value: Any, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    if left_blank(value, required):
        return None
    if isinstance(value, bool):
        raise FieldError(_("Enter a whole number."))
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip().replace("\u202f", "").replace(" ", ""))
        except ValueError:
            raise FieldError(_("Enter a whole number.")) from None
    # Every integer column is 32-bit on PostgreSQL (and SQLite refuses beyond 64): a larger
    # number is bad input, never a database error.
    minimum = INT_MIN if minimum is None else max(minimum, INT_MIN)
    maximum = INT_MAX if maximum is None else min(maximum, INT_MAX)
    if number < minimum:
        raise FieldError(_("Enter a number of at least %(n)d.") % {"n": minimum})
    if number > maximum:
        raise FieldError(_("Enter a number of at most %(n)d.") % {"n": maximum})
    return number


_MONEY_NOISE = re.compile(r"[\s\u00a0\u202f€]|EUR", re.IGNORECASE)


# A stored amount's largest value: amount columns are 32-bit integers (cents).
AMOUNT_MAX_CENTS = 2_000_000_000


def euros_to_cents(value: Any, *, required: bool = False,
                   maximum: int = AMOUNT_MAX_CENTS) -> int | None:
    """'1 234,50 €', '1234.5', 1234 -> cents. Refuses negatives and sub-cent precision."""
    if left_blank(value, required):
        return None
    if isinstance(value, bool):
        raise FieldError(_("Enter an amount in euros, such as 1 234,50."))
    raw = _MONEY_NOISE.sub("", str(value))
    if raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise FieldError(_("Enter an amount in euros, such as 1 234,50.")) from None
    if not amount.is_finite():
        raise FieldError(_("Enter an amount in euros, such as 1 234,50."))
    if amount < 0:
        raise FieldError(_("An amount cannot be negative."))
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise FieldError(_("An amount has at most two decimals."))
    if cents > maximum:
        raise FieldError(_("This amount is too large."))
    return int(cents)


def percent_to_bp(value: Any, *, required: bool = False) -> int | None:
    """'2,5', '-1.25 %' -> hundredths of a percent (250, -125); between -50 % and +50 %."""
    if left_blank(value, required):
        return None
    not_a_percentage = _("Enter a percentage, such as 2,5.")
    amount = hundredths_of_percent(value, not_a_percentage, not_a_percentage)
    if not -5000 <= amount <= 5000:
        raise FieldError(_("Enter a percentage between -50 and 50."))
    return amount


def hundredths_of_percent(value: Any, not_a_number: str, too_precise: str) -> int:
    """'2,5', '-1.25 %', 25 -> hundredths of a percent (250, -125, 2500); the error
    `not_a_number` for what is no number, `too_precise` for more than two decimals."""
    raw = re.sub(r"[\s\u00a0\u202f%]", "", str(value)).replace(",", ".")
    try:
        amount = Decimal(raw) * 100
    except InvalidOperation:
        raise FieldError(not_a_number) from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise FieldError(too_precise)
    return int(amount)


def cents(value: Any, *, required: bool = False) -> int | None:
    """An amount already in integer cents (JSON API)."""
    number = integer(value, required=required)
    if number is not None and number < 0:
        raise FieldError(_("An amount cannot be negative."))
    return number


def choice(value: Any, allowed: Mapping[str, Any], *, required: bool = True) -> str:
    if left_blank(value, required, _("Choose a value.")):
        return ""
    if not isinstance(value, str) or value not in allowed:
        raise FieldError(_("Choose one of the proposed values."))
    return value


