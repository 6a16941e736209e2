"""assets.rules.fold, the search's folding of text (lower case, no accents, single spaces),
takes a shortcut for ASCII text and drops combining marks through a translation table: its
output must stay exactly what the original per-character version gave, for every character,
or stored search texts and typed searches would no longer meet."""

import random
import unicodedata

import pytest

from inventory.assets import rules

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


def reference_fold(text: str) -> str:
    """fold as it was written first (the definition the fast one must match)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@pytest.mark.parametrize("text, folded", [
    ("Réfectoire  Œuvre", "refectoire oeuvre"),
    ("BRN-000123", "brn-000123"),
    ("Élève LY-0007-00042 (exemple)", "eleve ly-0007-00042 (exemple)"),
    ("  Tab\tand\nnew line  ", "tab and new line"),
    ("ﬁne ÆSOP straße İstanbul", "fine aesop strasse istanbul"),
    ("", ""),
])
def test_examples(text, folded):
    assert rules.fold(text) == folded == reference_fold(text)


def test_every_character_folds_as_before():
    # Each code point alone and between letters and spaces (case and spacing around it),
    # over the whole of Unicode: the BMP entirely, the rest one in seven.
    points = list(range(0x10000)) + list(range(0x10000, 0x110000, 7))
    for code in points:
        char = chr(code)
        for text in (char, f"Ab {char}É\u0301 x", char * 3):
            assert rules.fold(text) == reference_fold(text), hex(code)


def test_random_texts_fold_as_before():
    rng = random.Random(17)
    alphabet = ("abcXYZ019 -_%\t\n\u00a0\u2003éèêëÉàçÇôœŒæÆßẞİıﬁ①²ℌ\u0301\u0308\u0327"
                "ÅΩσςΣДжЖ中文한국어ありがとう\U0001d400\U0001f600")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert rules.fold(text) == reference_fold(text), repr(text)
    # ASCII-only texts take the shortcut.
    for _ in range(5_000):
        text = "".join(chr(rng.randint(0, 127)) for _ in range(rng.randint(0, 30)))
        assert text.isascii() and rules.fold(text) == reference_fold(text), repr(text)
