"""The TypedDicts that declare raw reads' rows (issue 13) say what the rows hold, on both
engines: the same keys, and values of the declared types (a checker trusts them)."""

import datetime as dt
import types
import typing

from inventory.accounts.scope import EVERYTHING
from inventory.assets import service as assets
from inventory.assets.queries import AssetRow
from inventory.faults import service as faults
from inventory.faults.rows import FaultRow
from inventory.loans import service as loans
from inventory.loans.service import LoanRow


def _keys(row_type: type) -> set[str]:
    return set(row_type.__required_keys__) | set(row_type.__optional_keys__)


def _wrong_types(row: typing.Mapping[str, object], row_type: type) -> dict[str, object]:
    """The fields whose value is not of the declared type (bool is not taken for int)."""
    wrong = {}
    for name, declared in typing.get_type_hints(row_type).items():
        if name not in row:
            continue
        allowed = typing.get_args(declared) if isinstance(declared, types.UnionType) \
            else (declared,)
        value = row[name]
        fits = any(value is None if kind is type(None)
                   else isinstance(value, typing.get_origin(kind) or kind)  # list[int]: a list
                   and (kind is bool or not isinstance(value, bool))
                   for kind in allowed)
        if not fits:
            wrong[name] = value
    return wrong


def test_the_asset_detail_row_is_what_asset_row_declares(empty_url, make, run):
    room = make.room()
    full = make.asset(room=room, model=make.model(), purchase_date="2024-03-15",
                      purchase_price_cents="49900", warranty_end="2027-03-15",
                      commissioning_date="2024-04-01", serial="SN-1")
    bare = make.asset()
    # fetch_small (get_asset) and fetch_all (details), each engine's raw path.
    rows = [run(assets.get_asset(full["tag"], EVERYTHING)),
            *run(assets.details([full["tag"], bare["tag"]], EVERYTHING))]
    for row in rows:
        added = {"warranty_state", "has_interventions", "has_faults", "has_loans"}
        assert set(row) - added == _keys(AssetRow) - added
        assert _wrong_types(row, AssetRow) == {}
    assert isinstance(rows[0]["purchase_date"], dt.date)
    assert isinstance(rows[0]["created_at"], dt.datetime)
    assert rows[0]["warranty_state"] in {"active", "ending", "expired", "none"}
    page_row = run(assets.get_asset(full["tag"], EVERYTHING, for_page=True))  # PAGE_SELECT
    assert set(page_row) == _keys(AssetRow)
    assert _wrong_types(page_row, AssetRow) == {}


def test_fault_rows_are_what_fault_row_declares(empty_url, make, run):
    room = make.room()
    board = make.asset(room=room, model=make.model(), warranty_end="2030-01-31")
    on_device = make.fault(asset=board)
    on_room = make.fault(room=room)
    # Piccolo's raw query (get, page) and fetch_small (for_asset, already_reported).
    rows = [run(faults.get(on_device["id"], EVERYTHING)), run(faults.get(on_room["id"], EVERYTHING)),
            *run(faults.page(EVERYTHING)), *run(faults.for_asset(board["id"], EVERYTHING)),
            *run(faults.already_reported(EVERYTHING, room_id=room["id"]))]
    assert len(rows) == 7  # the room's open faults: the device's too
    added = {"overdue", "under_warranty", "left_sites"}
    for row in rows:
        assert set(row) - added == _keys(FaultRow) - added
        assert _wrong_types(row, FaultRow) == {}
    assert rows[0]["asset_tag"] == board["tag"] and rows[1]["asset_tag"] is None
    assert rows[0]["under_warranty"] is True and isinstance(rows[0]["created_at"], dt.datetime)


def test_loan_rows_are_what_loan_row_declares(empty_url, make, run):
    person = make.person()
    out = make.loan(person=person, due_on="2030-06-30")
    back = make.loan(person=person, returned=True)
    # fetch_small (get_loan, current_loan) and fetch_all (person_loans, list_loans).
    rows = [run(loans.get_loan(out["id"], EVERYTHING)), run(loans.current_loan(out["asset"])),
            *run(loans.person_loans(person["id"])), *run(loans.list_loans(EVERYTHING))]
    assert len(rows) == 6
    for row in rows:
        assert set(row) == _keys(LoanRow) - {"overdue"}
        assert _wrong_types(row, LoanRow) == {}
    returned = run(loans.get_loan(back["id"], EVERYTHING))
    assert isinstance(returned["returned_on"], dt.date) and isinstance(rows[0]["out_on"], dt.date)
