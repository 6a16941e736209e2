"""Pure rules for assets: statuses, tags, end of life."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from inventory.core.i18n import _, lazy_gettext
from inventory.core.parsers import clean_text

STATUSES = {
    "in_service": lazy_gettext("In service"),
    "in_stock": lazy_gettext("In stock"),
    "faulty": lazy_gettext("Faulty"),
    "in_repair": lazy_gettext("In repair"),
    "retired": lazy_gettext("Retired"),
}
ACTIVE_STATUSES = tuple(s for s in STATUSES if s != "retired")


def format_tag(prefix: str, number: int, digits: int = 6) -> str:
    """BRN + 123 -> BRN-000123. Numbers wider than `digits` keep all their digits."""
    if number < 1:
        raise ValueError("tag numbers start at 1")
    return f"{prefix}-{number:0{digits}d}"


_TAG_SHAPE = re.compile(r"^[A-Z][A-Z0-9]{0,15}-\d{1,12}$")


def normalise_tag(value: str) -> str:
    """A tag as typed or scanned (a scanner may add a NUL or a tab), without control
    characters."""
    return clean_text(value).strip().upper()


def looks_like_tag(value: str) -> bool:
    return bool(_TAG_SHAPE.match(normalise_tag(value)))


def end_of_life_year(
    *,
    lifespan_years: int | None,
    purchase_date: dt.date | None,
    commissioning_date: dt.date | None = None,
    override: int | None = None,
) -> int | None:
    """The year an asset should be replaced: an explicit override wins; otherwise the year
    it entered service (commissioning, else purchase) plus its category's lifespan."""
    if override is not None:
        return override
    start = commissioning_date or purchase_date
    if start is None or lifespan_years is None:
        return None
    return start.year + lifespan_years


def warranty_state(warranty_end: dt.date | None, today: dt.date, soon_days: int = 90) -> str:
    """'none', 'expired', 'ending' (within soon_days) or 'active'."""
    if warranty_end is None:
        return "none"
    if warranty_end < today:
        return "expired"
    if (warranty_end - today).days <= soon_days:
        return "ending"
    return "active"


_MAC = re.compile(r"^[0-9A-F]{2}([:-]?)[0-9A-F]{2}(\1[0-9A-F]{2}){4}$")


def normalise_mac(value: str) -> str:
    """Accepts aa:bb:cc:dd:ee:ff, AA-BB-..., aabbccddeeff; returns AA:BB:CC:DD:EE:FF."""
    raw = value.strip().upper()
    if not _MAC.match(raw):
        raise ValueError(_("A MAC address has six pairs of hexadecimal digits, such as 00:1A:2B:3C:4D:5E."))
    digits = re.sub(r"[:-]", "", raw)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


# Free-text search. French users type without accents and in any case ("refectoire" for
# "Réfectoire"), and SQLite's LIKE folds ASCII letters only: both sides are folded here, the
# stored side in asset.search_text (written with the asset), the typed side per search.
SEARCHED_FIELDS = ("tag", "serial", "holder", "order_ref", "hostname", "ip_address",
                   "mac_address", "notes")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


class _Unmarked(dict):
    """str.translate table that drops combining marks (accents once decomposed) and keeps
    every other character: filled as characters are met, so after the first few texts the
    whole translation runs in C instead of a Python test per character."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_UNMARKED = _Unmarked()


def fold(text: str) -> str:
    """Lower case, without accents, single spaces: 'Réfectoire  Œuvre' -> 'refectoire oeuvre'."""
    if not text.isascii():
        # ASCII text has no ligature, nothing to decompose and no combining mark: tags,
        # serials and addresses (most of what is folded) skip straight to the case.
        text = unicodedata.normalize("NFKD", text.translate(_LIGATURES)).translate(_UNMARKED)
    return " ".join(text.casefold().split())


def search_text(asset: Mapping[str, Any]) -> str:
    """What a search reads of an asset's own fields (its model and room are matched by
    name, separately). One line per field, so a search never matches across two fields."""
    return "\n".join(fold(str(asset[name])) for name in SEARCHED_FIELDS if asset.get(name))


def derived_values(asset: Mapping[str, Any]) -> dict[str, str]:
    """The columns every write of an asset computes from its fields: creations add them to
    the row, updates pass this to audit.update_versioned(derive=...)."""
    return {"search_text": search_text(asset)}


def like_pattern(query: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') that finds the folded query anywhere: % and _ typed
    by the person are plain characters."""
    folded = fold(query)
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Each engine indexes asset.search_text by trigrams (three characters in a row: SQLite's
# FTS5 trigram tokenizer, PostgreSQL's pg_trgm; migration m0029), which find any substring
# of at least that many characters; a shorter term is read with LIKE over the column.
TRIGRAM = 3


def uses_substring_index(folded: str) -> bool:
    return len(folded) >= TRIGRAM


def trigrams(folded: str, most: int = 12) -> list[str]:
    """Distinct trigrams of a folded term, at most `most`, spread over it."""
    every = [folded[i:i + TRIGRAM] for i in range(len(folded) - TRIGRAM + 1)]
    # The term's end first (where identifiers differ), then every third one, then the rest.
    return list(dict.fromkeys(every[-1:] + every[::TRIGRAM] + every))[:most]


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 phrase: in double quotes, inside which every character is plain (a
    double quote is doubled), so %, _, *, - or AND typed by the person are searched as
    they are."""
    return '"' + text.replace('"', '""') + '"'


FLEET = ""  # where the trigram counts keep the fleet's size (no trigram is empty)


def narrow_below(fleet: int) -> int:
    """Fewer assets than this hold a trigram worth reading from SQLite's index: reading an
    asset by its id costs about what reading twenty through the search's covering index
    does, so a trigram held by 2 % of the fleet is where the index stops paying."""
    return max(2000, fleet // 50)


def narrowing_query(counts: Mapping[str, int], below: int, most: int = 3) -> str | None:
    """The FTS5 query (SQLite's trigram table) that narrows a search to the assets holding
    the term's rarest trigrams (at most `most` of them, each held by fewer than `below`
    assets); None when every one is more common (reading the column is then as quick).

    A trigram nearly every asset holds ("brn" of the tags) costs more to read than it
    saves. It narrows, the LIKE over the column decides: whatever the counts, the result
    is exactly the LIKE's."""
    rare = sorted((n, t) for t, n in counts.items() if n < below)[:most]
    if not rare:
        return None
    return " AND ".join(fts_phrase(t) for _n, t in rare)


# A search with fewer matches than this reads them all and sorts them, whatever the fleet.
WALK_AT_LEAST = 500


def walk_in_tag_order(matches: int, shown: int, fleet: int) -> bool:
    """Whether walking the fleet in tag order finds the first `shown` of `matches` spread
    over `fleet` assets (about shown × fleet / matches rows read) sooner than reading the
    `matches` and sorting them."""
    return matches >= WALK_AT_LEAST and matches * matches >= shown * fleet


ELSEWHERE = "elsewhere"  # the action of a history entry that stands for hidden ones


def away_stretches(entries: list[dict[str, Any]], allows) -> list[tuple[Any, Any]]:
    """The stretches of time the device spent at sites a person does not see, oldest first,
    as (left, back) moments; `back` is None while it is still away. Entries as for
    history_for_scope (newest first, each with the `site_id` the device was at after it)."""
    stretches: list[tuple[Any, Any]] = []
    here, left = True, None
    for entry in reversed(entries):  # oldest first
        if entry.get("site_id") is None:
            continue
        now_here = allows(entry["site_id"])
        if here and not now_here:
            left = entry["at"]
        elif not here and now_here:
            stretches.append((left, entry["at"]))
        here = now_here
    if not here:
        stretches.append((left, None))
    return stretches


def history_for_scope(entries: list[dict[str, Any]], allows) -> tuple[list[dict[str, Any]], Any]:
    """What a person who sees only some sites may read of a device's history (entries newest
    first, each with the `site_id` the device was at after it; `allows(site_id)` says whether
    they see that site).

    Entries recorded while the device was at a site they cannot see become one entry
    "previously elsewhere" per stretch, with no actor and no details, and the move that
    brought it back shows no previous site or room. Also returns when the device last came
    into their sites (None when it never was elsewhere), so that interventions from before
    can be left out too."""
    shown: list[dict[str, Any]] = []
    here = True  # an entry without a site is where the device was at the entry before
    entered = None
    for entry in reversed(entries):  # oldest first
        if entry.get("site_id") is not None:
            here = allows(entry["site_id"])
        if not here:
            if not shown or shown[-1]["action"] != ELSEWHERE:
                shown.append({**entry, "actor": "", "user_id": None, "action": ELSEWHERE,
                              "changes": {}, "site_id": None})
            continue
        if shown and shown[-1]["action"] == ELSEWHERE:  # back: do not say from where
            entry = {**entry, "changes": {
                name: [None, pair[1]] if name in ("site", "room") else pair
                for name, pair in entry["changes"].items()}}
            entered = entry["at"]
        shown.append(entry)
    return list(reversed(shown)), entered
