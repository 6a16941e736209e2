"""Where sites are, and a technician's queue nearest site first (issue 14). Pure."""

import pytest

from inventory.core.errors import FieldError
from inventory.dashboard.homes import by_site
from inventory.sites import rules


def test_a_coordinate_is_typed_with_a_point_or_a_comma_or_sent_as_a_number():
    assert rules.coordinate("48,8566", 90) == rules.coordinate(" 48.8566 ", 90) == 48.8566
    assert rules.coordinate(-1.5536, 180) == -1.5536
    assert rules.coordinate("2.35222219", 180) == 2.352222  # a map's ~0.1 m
    assert rules.coordinate("", 90) is None and rules.coordinate(None, 90) is None
    for wrong, limit in (("91", 90), ("-180.5", 180), ("nord", 90), ("nan", 90), (True, 90)):
        with pytest.raises(FieldError):
            rules.coordinate(wrong, limit)


def test_a_position_in_an_address_is_two_numbers_in_range():
    assert rules.parse_position("47.215,2.565") == (47.215, 2.565)
    for wrong in (None, "", "47.2", "47.2,2.5,1", "95,2", "a,b", "47.2,"):
        assert rules.parse_position(wrong) is None


def test_distances_are_those_of_the_map():
    paris, lyon = (48.8566, 2.3522), (45.7640, 4.8357)
    assert 390 < rules.distance_km(paris, lyon) < 393  # 391.5 km as the crow flies
    assert rules.distance_km(paris, paris) == 0
    # A degree of latitude is ~111 km anywhere.
    assert round(rules.distance_km((47.0, 2.0), (48.0, 2.0))) == 111


def _fault(site: int, code: str, name: str) -> dict:
    return {"site": site, "site_code": code, "site_name": name}


def test_the_queue_comes_nearest_site_first_when_the_position_is_known():
    rows = [_fault(1, "A", "Alpha"), _fault(2, "M", "Mike"), _fault(3, "Z", "Zulu"),
            _fault(1, "A", "Alpha")]
    where = {1: (47.32, 2.565), 3: (47.2177, 2.565)}
    here = (47.215, 2.565)
    # Without a position: the person's own sites first, then by name.
    assert [g.code for g in by_site(rows, first=[3])] == ["Z", "A", "M"]
    assert [g.code for g in by_site(rows)] == ["A", "M", "Z"]
    # With it: by distance, the sites of unknown position last (own first among them).
    groups = by_site(rows, first=[2], near=here, positions=where)
    assert [g.code for g in groups] == ["Z", "A", "M"]
    assert [len(g.rows) for g in groups] == [1, 2, 1]
    assert round(groups[0].distance_km, 1) == 0.3 and round(groups[1].distance_km, 1) == 11.7
    assert groups[2].distance_km is None
