"""Translations: gettext catalogs under inventory/locale, French by default.

The current language lives in a context variable set per request (and per CLI run), so
services, validators and templates all call the same `_()` and get the reader's language.
Catalogs are read from the .po files at start-up: no compile step to forget.
"""

from __future__ import annotations

import contextvars
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parents[1] / "locale"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_current = contextvars.ContextVar("inventory_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    import io

    with po_path.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def set_language(language: str) -> contextvars.Token:
    return _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def get_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


class LazyString:
    """A message translated when it is shown, for module-level labels."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


def lazy_gettext(message: str) -> LazyString:
    return LazyString(message)


def negotiate(accept_language: str | None, cookie: str | None) -> str:
    """Pick the language: explicit choice (cookie) first, then the browser's, else French."""
    if cookie in LANGUAGES:
        return cookie
    if accept_language:
        weighted = []
        for part in accept_language.split(","):
            lang, _sep, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            weighted.append((weight, lang.split("-")[0].lower()))
        for _weight, lang in sorted(weighted, key=lambda w: -w[0]):
            if lang in LANGUAGES:
                return lang
    return DEFAULT_LANGUAGE
