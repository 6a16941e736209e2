"""The compact form of a new device's values between an import's check and its write."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.imports import planned


def test_values_come_back_as_given():
    values = (2, 4, "SN1-0000002", dt.date(2015, 4, 27), 364590, "EduTech Distribution",
              "“BC-2015-076” é", "", None, dt.date(1, 1, 1), -2, True, 2022)
    unpacked = planned.unpack(planned.pack(values))
    assert unpacked == values
    assert [type(v) for v in unpacked] == [type(v) for v in values]


def test_a_value_it_cannot_keep_is_refused():
    with pytest.raises(ValueError):
        planned.pack((dt.datetime(2024, 1, 1, 12, 0),))
