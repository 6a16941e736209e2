"""Pure rules: no database, no HTTP."""

import datetime as dt

import pytest

from inventory.assets import rules as asset_rules
from inventory.core import i18n
from inventory.core import parsers as v
from inventory.core.errors import Collector, FieldError, ValidationFailed
from inventory.core.formatters import format_cents
from inventory.core.parsers import euros_to_cents
from inventory.sites import rules as site_rules

pytestmark = pytest.mark.usefixtures("english")


# UAI


@pytest.mark.parametrize("code", ["0750654D", "0990001N", " 0750654d "])
def test_valid_uai_codes_pass(code):
    assert site_rules.uai_problem(code) is None


def test_uai_check_letter_follows_the_rule():
    # n % 23 indexes ABCDEFGHJKLMNPRSTUVWXYZ (no I, O, Q)
    assert site_rules.uai_check_letter("0750654") == "D"
    assert site_rules.uai_check_letter("0000000") == "A"
    assert site_rules.uai_check_letter("0000008") == "J"  # I is skipped
    assert site_rules.uai_check_letter("0000022") == "Z"
    assert site_rules.uai_check_letter("0000023") == "A"


def test_wrong_check_letter_says_which_letter_is_expected():
    message = site_rules.uai_problem("0750654E")
    assert "D" in message and "E" in message


@pytest.mark.parametrize("code", ["075065D", "07506540", "ABCDEFGH", "0750654DD", ""])
def test_badly_shaped_uai_is_refused_with_the_expected_shape(code):
    assert "7 digits" in site_rules.uai_problem(code)


def test_uai_message_is_translated():
    i18n.set_language("fr")
    assert "chiffres" in site_rules.uai_problem("123")


# Tags


def test_tags_are_prefix_and_zero_padded_number():
    assert asset_rules.format_tag("BRN", 123) == "BRN-000123"
    assert asset_rules.format_tag("BRN", 1, digits=4) == "BRN-0001"
    assert asset_rules.format_tag("X", 1234567, digits=6) == "X-1234567"


def test_tag_numbers_start_at_one():
    with pytest.raises(ValueError):
        asset_rules.format_tag("BRN", 0)


def test_tag_shape_recognised_and_normalised():
    assert asset_rules.looks_like_tag(" brn-000123 ")
    assert not asset_rules.looks_like_tag("hello world")


# End of life


def test_end_of_life_from_purchase_plus_lifespan():
    assert asset_rules.end_of_life_year(lifespan_years=8, purchase_date=dt.date(2018, 12, 31)) == 2026


def test_commissioning_date_wins_over_purchase_date():
    assert asset_rules.end_of_life_year(
        lifespan_years=5, purchase_date=dt.date(2019, 12, 1),
        commissioning_date=dt.date(2020, 2, 1)) == 2025


def test_override_wins_over_everything():
    assert asset_rules.end_of_life_year(
        lifespan_years=5, purchase_date=dt.date(2019, 1, 1), override=2031) == 2031


def test_unknown_start_gives_unknown_end_of_life():
    assert asset_rules.end_of_life_year(lifespan_years=5, purchase_date=None) is None


def test_warranty_states():
    today = dt.date(2026, 6, 1)
    assert asset_rules.warranty_state(None, today) == "none"
    assert asset_rules.warranty_state(dt.date(2026, 5, 31), today) == "expired"
    assert asset_rules.warranty_state(dt.date(2026, 8, 30), today) == "ending"
    assert asset_rules.warranty_state(dt.date(2026, 12, 1), today) == "active"


@pytest.mark.parametrize("raw", ["00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a2b3c4d5e"])
def test_mac_addresses_are_normalised(raw):
    assert asset_rules.normalise_mac(raw) == "00:1A:2B:3C:4D:5E"


def test_bad_mac_address_refused():
    with pytest.raises(ValueError):
        asset_rules.normalise_mac("00:1A:2B:3C:4D")


# Validation helpers


@pytest.mark.parametrize("raw,cents", [
    ("1 234,50 €", 123450), ("1234.5", 123450), ("0", 0), (12, 1200), ("1\u202f234,05", 123405),
    ("99,99 EUR", 9999),
])
def test_euros_are_read_as_french_offices_write_them(raw, cents):
    assert euros_to_cents(raw) == cents


@pytest.mark.parametrize("raw", ["-5", "12,345", "abc", "1,2,3", "nan", "inf"])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(FieldError):
        euros_to_cents(raw)


def test_amounts_are_formatted_in_french():
    assert format_cents(123450) == "1\u202f234,50\u00a0€"
    assert format_cents(5) == "0,05\u00a0€"


def test_dates_accept_iso_and_day_first():
    assert v.date("2024-03-31") == dt.date(2024, 3, 31)
    assert v.date("31/03/2024") == dt.date(2024, 3, 31)
    assert v.date("") is None


@pytest.mark.parametrize("raw", ["31/02/2024", "2024-13-01", "03/31/2024", "yesterday"])
def test_impossible_dates_are_refused_never_reinterpreted(raw):
    with pytest.raises(FieldError):
        v.date(raw)


def test_required_text_and_length():
    with pytest.raises(FieldError):
        v.text("  ", required=True)
    with pytest.raises(FieldError):
        v.text("x" * 11, max_length=10)
    assert v.text("  ok  ") == "ok"


def test_integer_bounds():
    assert v.integer("12", minimum=1) == 12
    with pytest.raises(FieldError):
        v.integer("0", minimum=1)
    with pytest.raises(FieldError):
        v.integer("1.5")
    with pytest.raises(FieldError):
        v.integer(True)


def test_collector_gathers_every_error():
    c = Collector()
    c.field("a", v.text, "", required=True)
    c.field("b", v.integer, "x")
    c.field("c", v.text, "fine")
    assert set(c.errors) == {"a", "b"}
    with pytest.raises(ValidationFailed) as failed:
        c.raise_if_any()
    assert set(failed.value.errors) == {"a", "b"}


def test_language_negotiation():
    assert i18n.negotiate("en-GB,en;q=0.9", None) == "en"
    assert i18n.negotiate("de-DE,de;q=0.9", None) == "fr"
    assert i18n.negotiate("en", "fr") == "fr"
    assert i18n.negotiate("de;q=1,en;q=0.5", None) == "en"
    assert i18n.negotiate(None, None) == "fr"


def test_history_for_scope_hides_the_time_spent_elsewhere():
    import datetime as dt

    from inventory.assets.rules import ELSEWHERE, history_for_scope

    def at(day):
        return dt.datetime(2026, 1, day, tzinfo=dt.UTC)

    mine, other = 1, 2
    oldest_first = [
        {"id": 1, "at": at(1), "actor": "a", "action": "create", "site_id": other,
         "changes": {"site": [None, other], "notes": [None, "bought for school 2"]}},
        {"id": 2, "at": at(2), "actor": "b", "action": "intervention", "site_id": None,
         "changes": {"notes": [None, "fixed at school 2"]}},
        {"id": 3, "at": at(3), "actor": "c", "action": "move", "site_id": mine,
         "changes": {"site": [other, mine], "room": [20, 10]}},
        {"id": 4, "at": at(4), "actor": "d", "action": "seen", "site_id": mine, "changes": {}},
    ]
    shown, entered = history_for_scope(list(reversed(oldest_first)), lambda s: s == mine)
    assert [e["action"] for e in shown] == ["seen", "move", ELSEWHERE]
    assert shown[2]["actor"] == "" and shown[2]["changes"] == {}
    assert shown[1]["changes"] == {"site": [None, mine], "room": [None, 10]}
    assert entered == at(3)
    everything, never = history_for_scope(list(reversed(oldest_first)), lambda s: True)
    assert len(everything) == 4 and never is None
