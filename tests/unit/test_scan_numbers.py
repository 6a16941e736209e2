"""A tag's number as people type it in the scan box (assets/scanning.py). Pure."""

import pytest

from inventory.assets.scanning import numbered_tags, typed_number


@pytest.mark.parametrize(("typed", "expected"), [
    ("23", ("", 23)),
    ("000023", ("", 23)),
    (" 23 ", ("", 23)),
    ("BRN-23", ("BRN", 23)),
    ("brn-000023", ("BRN", 23)),
    ("BRN 23", ("BRN", 23)),
    ("BRN23", ("BRN", 23)),
    ("ECOLE2-7", ("ECOLE2", 7)),
    ("0", None),
    ("000", None),
    ("", None),
    ("Epson", None),
    ("23 rue", None),
    ("12.5", None),
    ("1234567890123", None),  # wider than a tag's number
])
def test_typed_number(typed, expected):
    assert typed_number(typed) == expected


def test_numbered_tags_every_padding():
    tags = numbered_tags("BRN", 23)
    assert tags[0] == "BRN-23" and "BRN-000023" in tags and tags[-1] == "BRN-000000000023"
    assert len(tags) == 11
    assert numbered_tags("BRN", 123456789012) == ["BRN-123456789012"]
