"""Values of an imported file that are not ours yet: which kind of site a name says, a short
code for a new site, and which of our categories, statuses, sites or manufacturers a file's
word most likely means. Pure: no DB, no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from inventory.imports.columns import normalise

# What a value choice says when the person wants the file's value created as a new site,
# category or manufacturer (in ImportOptions.values, the values screen and profile files;
# organisations are never created by an import).
CREATE = "+create"
# The fields whose values the values screen lists, in its order.
VALUE_FIELDS = ("category", "status", "site", "manufacturer", "organisation")
# What `--create` and the values screen may create.
CREATABLE = ("sites", "rooms", "categories", "models")

# Site kinds, read from the start of a folded name (longest words first). Abbreviations are
# those found in town-hall spreadsheets: "EM Pasteur", "EE J. Ferry", "GS du Centre".
_KIND_WORDS = (
    ("groupe scolaire", "groupe_scolaire"), ("ecole primaire", "groupe_scolaire"),
    ("ecole maternelle", "maternelle"), ("ecole elementaire", "elementaire"),
    ("centre de loisirs", "centre_loisirs"), ("accueil de loisirs", "centre_loisirs"),
    ("hotel de ville", "mairie"), ("complexe sportif", "gymnase"), ("salle de sport", "gymnase"),
    ("maternelle", "maternelle"), ("elementaire", "elementaire"), ("primaire", "groupe_scolaire"),
    ("college", "college"), ("lycee", "lycee"), ("mairie", "mairie"),
    ("mediatheque", "mediatheque"), ("bibliotheque", "mediatheque"), ("gymnase", "gymnase"),
    ("alsh", "centre_loisirs"), ("clsh", "centre_loisirs"),
    ("em", "maternelle"), ("ee", "elementaire"), ("gs", "groupe_scolaire"),
    ("clg", "college"), ("lp", "lycee"), ("lgt", "lycee"),
)
# The short prefix of a generated site code, per kind (the demo's GS-FERRY style).
_CODE_PREFIX = {"maternelle": "EM", "elementaire": "EE", "groupe_scolaire": "GS",
                "college": "CLG", "lycee": "LYC", "mairie": "MAIRIE", "mediatheque": "MEDIA",
                "gymnase": "GYM", "centre_loisirs": "CL", "other": "SITE"}
# Words of a name that say nothing about which site it is.
_FILLER = {"ecole", "de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux",
           "saint", "st", "ste", "sainte", "rue", "avenue", "place"}
# Site abbreviations people write for the words our names spell out.
_EXPANSIONS = {"em": "ecole maternelle", "ee": "ecole elementaire", "gs": "groupe scolaire",
               "clg": "college", "ecole": "ecole"}


def site_kind(name: str) -> str:
    """The kind of site a name says ("École maternelle Pasteur" -> "maternelle"); "other"
    when it says none."""
    folded = normalise(name)
    for words, kind in _KIND_WORDS:  # at the start: "EM Pasteur", "Collège Jean Moulin"
        if folded == words or folded.startswith(words + " "):
            return kind
    for words, kind in _KIND_WORDS:  # elsewhere, whole words only: "Ferry (maternelle)"
        if len(words) > 3 and f" {words} " in f" {folded} ":
            return kind
    return "other"


def site_code(name: str, taken: Iterable[str], uai: str = "") -> str:
    """A short, unique code for a new site: the kind's prefix and the name's last meaningful
    word ("École élémentaire Jules Ferry" -> "EE-FERRY"), numbered when taken."""
    kind = site_kind(name)
    kind_words = {w for words, k in _KIND_WORDS if k == kind for w in words.split()}
    words = [w for w in normalise(name).split() if w not in _FILLER and w not in kind_words]
    last = words[-1].upper() if words else (uai.upper() or "")
    base = f"{_CODE_PREFIX[kind]}-{last}" if last else _CODE_PREFIX[kind]
    base = re.sub(r"[^A-Z0-9_-]+", "-", base)[:28].strip("-") or "SITE"
    return _unused(base, taken)


def category_code(name: str, taken: Iterable[str]) -> str:
    """A code for a new category: its abbreviation in brackets if it has one ("Écran numérique
    interactif (ENI)" -> "ENI"), else its folded words ("PC portable" -> "PC-PORTABLE")."""
    bracket = re.search(r"\(([^()]{1,32})\)\s*$", name)
    source = bracket.group(1) if bracket else name
    base = re.sub(r"[^A-Z0-9]+", "-", normalise(source).upper()).strip("-")[:28] or "IMPORT"
    return _unused(base, taken)


def _unused(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base-2`, `base-3`… the first that no existing code takes."""
    used = {t.upper() for t in taken}
    code, number = base, 1
    while code in used:
        number += 1
        code = f"{base}-{number}"
    return code


# Close matches

@dataclass(frozen=True)
class Choice:
    """One of ours a file value can be mapped to: its key (code, status key, manufacturer
    name), what the screen shows, and other words that name it (a code, a translation)."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def _forms(text: str) -> frozenset[str]:
    """The folded ways a name can be written: as is, singular, without its bracketed
    abbreviation, the abbreviation alone, the initials of a long name."""
    forms = set()
    bracket = re.search(r"\(([^()]*)\)", text)
    plain = re.sub(r"\([^()]*\)", " ", text)
    for variant in (text, plain, bracket.group(1) if bracket else ""):
        folded = normalise(variant)
        if folded:
            forms.add(folded)
            forms.add(" ".join(_singular(w) for w in folded.split()))
            words = folded.split()
            expanded = " ".join(_EXPANSIONS.get(w, w) for w in words)
            forms.add(" ".join(_singular(w) for w in expanded.split()))
    words = [w for w in normalise(plain).split() if w not in _FILLER]
    if len(words) >= 2:
        forms.add("".join(w[0] for w in words))  # "écran numérique interactif" -> "eni"
    return frozenset(forms)


@lru_cache(maxsize=8192)
def _fuzzy(text: str) -> tuple[str, ...]:
    """The forms compared letter by letter: the name without its brackets, singular, site
    abbreviations spelled out (the exact forms above catch the rest)."""
    plain = normalise(re.sub(r"\([^()]*\)", " ", text))
    expanded = " ".join(_singular(w) for w in " ".join(
        _EXPANSIONS.get(w, w) for w in plain.split()).split())
    return (expanded,) if len(expanded) >= 3 else ()


@lru_cache(maxsize=8192)
def _matcher(b: str) -> SequenceMatcher:
    return SequenceMatcher(None, "", b)  # b's index is built once


def _score(value: str, choice: Choice, cutoff: float) -> float:
    forms = _forms(choice.label).union(*(_forms(a) for a in (choice.key, *choice.aliases)))
    if _forms(value) & forms:
        return 1.0
    best = 0.0
    for a in _fuzzy(value):
        meaningful = {w for w in a.split() if len(w) > 2 and w not in _FILLER}
        for b in _fuzzy(choice.label) + tuple(f for x in choice.aliases for f in _fuzzy(x)):
            if meaningful and meaningful <= set(b.split()):  # "École J. Ferry", "GS J. Ferry"
                best = max(best, 0.85)
            matcher = _matcher(b)
            matcher.set_seq1(a)
            # The quick upper bounds first: most pairs are far apart.
            floor = max(best, cutoff)
            if matcher.real_quick_ratio() > floor and matcher.quick_ratio() > floor:
                best = max(best, matcher.ratio())
    return best


def close_matches(value: str, choices: Sequence[Choice], limit: int = 5,
                  cutoff: float = 0.6) -> tuple[list[Choice], Choice | None]:
    """Our choices closest to a file's value, best first, and the one to pre-select: an
    equal name once accents, case, plurals and abbreviations are set aside, or a single
    clear match. (None when the choice is not clear: the person decides.)"""
    if not _forms(value):
        return [], None
    scored = []
    for choice in choices:
        score = _score(value, choice, cutoff)
        if score >= cutoff:
            scored.append((score, choice))
    scored.sort(key=lambda pair: (-pair[0], pair[1].label))
    ranked = [c for _s, c in scored[:limit]]
    exact = [c for s, c in scored if s == 1.0]
    if len(exact) == 1:
        return ranked, exact[0]
    if not exact and len(scored) >= 1 and scored[0][0] >= 0.85 and (
            len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.1):
        return ranked, scored[0][1]
    return ranked, None


def site_part(value: str) -> str:
    """The site of a GLPI location "School > Building > Room" (the value itself otherwise)."""
    return value.split(" > ")[0].strip() if " > " in value else value.strip()


def parse_create(text: str) -> frozenset[str]:
    """"sites,rooms" or "all" -> what to create; raises ValueError naming an unknown word."""
    words = {w.strip().lower() for w in text.split(",") if w.strip()}
    if "all" in words:
        return frozenset(CREATABLE)
    unknown = sorted(words - set(CREATABLE))
    if unknown:
        raise ValueError(unknown[0])
    return frozenset(words)
