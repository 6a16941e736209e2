"""The typed documents' pure parts: sent fields only, enumerations of the rules' codes, a
strict reading of numbers, history changes in codes, msgspec's words as the pages' ones."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from inventory.api.docs import _message
from inventory.api.history import coded
from inventory.assets import rules
from inventory.assets.documents import AssetDocument, AssetUpdate, Status
from inventory.core.i18n import set_language
from inventory.interventions.documents import InterventionInput


def test_fields_are_the_ones_sent_with_codes_as_text():
    body = msgspec.json.decode(b'{"kind": "repair", "done_on": "2026-11-30", "notes": ""}',
                               type=InterventionInput, strict=True)
    assert body.fields() == {"kind": "repair", "done_on": dt.date(2026, 11, 30), "notes": ""}
    assert type(body.fields()["kind"]) is str
    assert AssetUpdate(purchase_date=None).fields() == {"purchase_date": None}


def test_numbers_as_text_are_refused_when_read_strictly():
    with pytest.raises(msgspec.ValidationError, match=r"\$\.minutes_spent"):
        msgspec.json.decode(b'{"minutes_spent": "20"}', type=InterventionInput, strict=True)
    with pytest.raises(msgspec.ValidationError, match=r"\$\.kind"):
        msgspec.json.decode(b'{"kind": "dusting"}', type=InterventionInput, strict=True)


def test_enumerations_are_the_rules_codes():
    assert [s.value for s in Status] == list(rules.STATUSES)


def test_a_document_reads_the_fields_its_type_declares():
    row = {"tag": "BRN-000001", "category": 3, "category_code": "TNI", "site": 7,
           "site_code": "GS-FERRY", "room": None, "model": None, "serial": "", "status":
           "in_service", "purchase_date": "2024-09-01", "purchase_price_cents": 100,
           "supplier": "", "order_ref": "", "warranty_end": None, "commissioning_date": None,
           "eol_year_override": None, "eol_year": 2031, "holder": "", "hostname": "",
           "ip_address": "", "mac_address": "", "firmware": "", "notes": "",
           "last_seen_on": None, "version": 2, "created_at": None, "updated_at": None,
           "id": 99, "search_text": "secret"}
    doc = AssetDocument.of(row)
    assert doc.category == "TNI" and doc.site == "GS-FERRY"
    assert doc.purchase_date == dt.date(2024, 9, 1)
    encoded = msgspec.json.decode(msgspec.json.encode(doc))
    assert "id" not in encoded and "search_text" not in encoded
    with pytest.raises(msgspec.ValidationError):
        AssetDocument.of({**row, "status": "lost"})


def test_history_changes_in_codes():
    codes = {"site": {7: "GS-FERRY", 8: "EE-CURIE"}, "category": {3: "TNI"}}
    assert coded({"site": [8, 7], "room": [4, 5], "category": [None, 3], "notes": ["", "x"],
                  "is_network": [False, True]}, codes) == {
        "site": ["EE-CURIE", "GS-FERRY"], "room": [4, 5], "category": [None, "TNI"],
        "notes": ["", "x"], "is_network": [False, True]}
    assert coded({"site": [None, "École Curie"]}, codes) == {"site": [None, "École Curie"]}


def test_type_errors_in_the_pages_words():
    set_language("en")
    assert _message("Expected `int`, got `str`") == "Enter a whole number."
    assert _message("Expected `int` >= 1") == "This number is out of range."
    assert _message("Invalid enum value 'xyz'") == "Choose one of the proposed values."
    assert _message("Invalid RFC3339 encoded date") == "Enter a date such as 2024-12-31."
    assert _message("Expected `bool`, got `str`") == "Enter true or false."
    assert _message("Object missing required field `site`") == "This field is required."
    set_language("fr")
    assert _message("Expected `str`, got `int`") == "Ce champ doit être du texte."
    set_language("en")
