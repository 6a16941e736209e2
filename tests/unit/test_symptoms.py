"""Which symptoms a category offers (faults/symptoms.py). Pure."""

from inventory.faults import symptoms


def test_defaults_by_code_then_by_kind_then_generic():
    assert symptoms.defaults_for("tni") == ["no_image", "pen", "touch", "sound", "calibration",
                                           "no_power", "broken", "other"]
    assert symptoms.defaults_for("IMPR")[:3] == ["paper", "toner", "no_print"]
    assert symptoms.defaults_for("ECRAN-X", interactive_display=True)[0] == "no_image"
    assert symptoms.defaults_for("BORNE", network=True)[:2] == ["no_network", "no_wifi"]
    assert symptoms.defaults_for("CAFETIERE") == ["no_power", "broken", "other"]


def test_stored_lists_keep_order_drop_unknown_and_end_with_other():
    assert symptoms.store(["toner", "OTHER", "paper", "toner", "bogus", ""]) == \
        "toner,paper,other"
    assert symptoms.parse("") == ["no_power", "broken", "other"]
    assert symptoms.parse("pen,no_image") == ["pen", "no_image", "other"]
    assert list(symptoms.offered("paper")) == ["paper", "other"]
    assert symptoms.unknown(["paper", "bogus", ""]) == ["bogus"]
    # Every code a list may hold is one the API enumerates.
    assert set(symptoms.defaults_for("TNI")) <= set(symptoms.all_symptoms())
