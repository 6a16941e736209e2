import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.contracts import shares
from inventory.core.errors import FieldError


def test_split_adds_up_to_the_cent_with_largest_remainders():
    # 100,00 € in three equal thirds: 33,34 + 33,33 + 33,33
    assert shares.split(10_000, [1, 1, 1]) == [3334, 3333, 3333]
    # 40 / 35 / 25 % of 1 234,57 €
    parts = shares.split(123_457, [4000, 3500, 2500])
    assert sum(parts) == 123_457
    assert parts == [49_383, 43_210, 30_864]


@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**6), min_size=1, max_size=12)
       .filter(lambda w: sum(w) > 0))
def test_split_always_adds_up(total, weights):
    parts = shares.split(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / sum(weights)
        assert abs(part - exact) < 1 + 1e-6


def test_shares_must_add_up():
    assert shares.shares_problem("percent", [5000, 5000], 0) is None
    assert "99,99" in shares.shares_problem("percent", [3333, 3333, 3333], 0)
    assert shares.shares_problem("amount", [100, 200], 300) is None
    assert shares.shares_problem("amount", [100, 199], 300) is not None
    assert shares.shares_problem("percent", [], 0) is None


def test_percent_parsing():
    assert shares.percent_to_bp("33,34") == 3334
    assert shares.percent_to_bp("25 %") == 2500
    for bad in ("abc", "33,333", "101", "-1", True):
        with pytest.raises(FieldError):
            shares.percent_to_bp(bad)


def test_replacement_cost_split_by_the_contract_shares():
    contract = {"members": [{"organisation": 1, "share": 5000},
                            {"organisation": 2, "share": 3000},
                            {"organisation": 3, "share": 2000}]}
    assert shares.replacement_cost_split(45_001, contract, owner=1) == {
        1: 22_501, 2: 13_500, 3: 9_000}
    # A device bought alone: its owner bears it all.
    assert shares.replacement_cost_split(45_001, None, owner=7) == {7: 45_001}
    assert shares.replacement_cost_split(45_001, {"members": []}, owner=7) == {7: 45_001}


def test_warranty_end_from_months():
    assert shares.warranty_end(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert shares.warranty_end(dt.date(2026, 3, 15), 36) == dt.date(2029, 3, 15)
    assert shares.warranty_end(None, 36) is None
    assert shares.warranty_end(dt.date(2026, 3, 15), None) is None


def test_due_soon_is_ninety_days_ahead():
    today = dt.date(2026, 12, 1)
    assert shares.due_soon(dt.date(2027, 3, 1), today)
    assert not shares.due_soon(dt.date(2027, 3, 2), today)
    assert not shares.due_soon(dt.date(2026, 11, 30), today)


def test_deadlines_soonest_first_within_ninety_days():
    today = dt.date(2026, 12, 1)
    contracts = [
        {"reference": "A", "ends_on": "2027-02-01", "renewal_on": None},
        {"reference": "B", "ends_on": dt.date(2027, 12, 31), "renewal_on": dt.date(2026, 12, 20)},
        {"reference": "C", "ends_on": dt.date(2026, 11, 30), "renewal_on": None},
    ]
    found = shares.deadlines(contracts, today)
    assert [(d["contract"]["reference"], d["what"], d["days"]) for d in found] == [
        ("B", "renewal", 19), ("A", "end", 62)]
