"""Rooms in natural order (pure sort key) and millimetres as the page shows them."""

import random

from inventory.core import i18n
from inventory.core.formatters import format_mm
from inventory.sites.rules import natural_key, sort_rooms


def test_numbers_in_room_names_sort_by_value():
    names = ["Classe 10", "Classe 2", "Classe 1", "Classe 11", "Bureau", "classe 3",
             "Salle 2B", "Salle 2A", "Salle 12", "Étage 1 - salle 4", "Etage 1 - salle 10",
             "Atelier", "", "101"]
    shuffled = names[:]
    random.Random(4).shuffle(shuffled)
    ordered = sorted(shuffled, key=natural_key)
    assert ordered[:4] == ["", "101", "Atelier", "Bureau"]
    assert ordered[4:9] == ["Classe 1", "Classe 2", "classe 3", "Classe 10", "Classe 11"]
    # Accents and case are ignored; the numbers inside count as numbers.
    assert ordered[9:11] == ["Étage 1 - salle 4", "Etage 1 - salle 10"]
    assert ordered[11:] == ["Salle 2A", "Salle 2B", "Salle 12"]


def test_mixed_names_never_compare_a_number_with_text():
    names = ["12", "A", "A1", "1A", "A 1 B 2", "A 1 B 10", None, "  Classe 9 "]
    assert [n for n in sorted(names, key=natural_key)] == \
        [None, "1A", "12", "A", "A1", "A 1 B 2", "A 1 B 10", "  Classe 9 "]


def test_sort_rooms_keeps_the_rows():
    rooms = [{"id": 1, "name": "Classe 10"}, {"id": 2, "name": "Classe 9"}]
    assert [r["id"] for r in sort_rooms(rooms)] == [2, 1]


def test_millimetres_with_the_page_language():
    token = i18n.set_language("fr")
    try:
        assert [format_mm(x) for x in (0.0, -0.0, 1.5, -0.25, 2.0, 12.1)] == \
            ["0,0", "0,0", "1,5", "-0,25", "2,0", "12,1"]
    finally:
        i18n._current.reset(token)
    token = i18n.set_language("en")
    try:
        assert format_mm(-1.5) == "-1.5" and format_mm(None) == ""
    finally:
        i18n._current.reset(token)
