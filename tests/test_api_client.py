"""Issue 13: a client generated from the served OpenAPI description (openapi-python-client)
lists, filters and pages through every list of the API without raw HTTP, against the real
server (`inventory serve`, demo data and records made with tests/factories.py in its
database), on SQLite and on PostgreSQL. If the description and the server disagreed, the
generated client would fail to parse the answers.

The lists are read from the description itself: every GET of /api/v1 whose answer pages
(has `next_cursor`) must be walked here over two pages or more, with each of its declared
filters used once with a value that keeps some records and drops others, and an unknown
value of each must be a 400 naming it. A list or a filter added later without that fails."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
import urllib.request
import uuid
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Any

from inventory.core import db
from tests.test_api_schema import api_server  # noqa: F401  (the served app, both engines)

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PAGING = {"limit", "cursor"}
NUMBERED = {"page", "sort"}  # the assets' numbered pages: checked apart, not filters
SEARCH = {"q"}  # words searched: no value of them is unknown, any may find nothing


def _generate(base: str, token: str, tmp: Path):
    request = urllib.request.Request(f"{base}/schema/openapi.json",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        (tmp / "openapi.json").write_bytes(response.read())
    package = f"inventory_client_{uuid.uuid4().hex[:8]}"
    (tmp / "config.json").write_text(json.dumps({
        "post_hooks": [], "package_name_override": package}))
    subprocess.run([str(GENERATOR), "generate", "--path", str(tmp / "openapi.json"),
                    "--config", str(tmp / "config.json"), "--meta", "none",
                    "--output-path", str(tmp / package)],
                   check=True, capture_output=True, timeout=120)
    sys.path.insert(0, str(tmp))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp))


def _list_operations(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """operationId -> its path and query parameters (name -> schema), for each GET of the
    API whose answer pages."""
    def resolved(part: dict[str, Any]) -> dict[str, Any]:
        ref = part.get("$ref")
        return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else part

    found = {}
    for path, methods in schema["paths"].items():
        operation = methods.get("get")
        if operation is None or not path.startswith("/api/v1/"):
            continue
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if "next_cursor" not in resolved(answer).get("properties", {}):
            continue
        parameters = operation.get("parameters", [])
        found[operation["operationId"]] = {
            "path": {p["name"] for p in parameters if p["in"] == "path"},
            "query": {p["name"]: p["schema"] for p in parameters if p["in"] == "query"}}
    return found


class NotInTheList(str):
    """A value outside an enumeration, which the generated client would not offer: it sends
    what it is given (`.value` of an enumeration member, or the text itself)."""

    @property
    def value(self) -> str:
        return str(self)


def _unknown(schema: dict[str, Any]) -> Any:
    """A value of a query parameter that names nothing (or is not one of its values)."""
    kinds = [schema, *schema.get("oneOf", []), *schema.get("allOf", [])]
    if any("$ref" in kind for kind in kinds):
        return NotInTheList("xyz")
    if any(kind.get("type") == "integer" for kind in kinds):
        return 2_000_000_000  # a number no record has, within the database's integers
    return "xyz" if "pattern" in schema else "NOPE-XYZ"


class Lists:
    """Walks the API's lists through the generated client, noting what each walk covered."""

    def __init__(self, client, generated, operations: dict[str, dict[str, Any]]):
        self.client = client
        self.package = generated.__name__
        self.operations = operations
        self.walked: set[str] = set()  # unfiltered, over two pages or more
        self.filtered: set[tuple[str, str]] = set()  # (operation, filter) kept some, dropped some
        self.path_args: dict[str, dict[str, Any]] = {}

    def call(self, name: str, **kwargs: Any) -> Any:
        module = importlib.import_module(f"{self.package}.api.api.{name}")
        return module.sync(client=self.client, **kwargs)

    def typed(self, value: Any) -> bool:
        """One of the client's models, every field of the answer declared."""
        return (type(value).__module__.startswith(f"{self.package}.models.")
                and getattr(value, "additional_properties", None) == {})

    def every(self, name: str, key: str | None = "id", *, limit: int = 3, descending=False,
              items: str = "items", **kwargs: Any) -> list:
        """Every item of the list `name` with `kwargs` (path parameters and filters), page
        after page of `limit`: the same items as one page of 500, in `key` order, once each,
        each typed. A filter must keep some items and drop some (against the list without
        it, or with another value of its enumeration)."""
        operation = self.operations[name]
        filters = [k for k in kwargs if k in operation["query"]]
        self.path_args[name] = {k: v for k, v in kwargs.items() if k in operation["path"]}
        walked, pages, cursor = [], 0, None
        while True:
            page = self.call(name, limit=limit, **({"cursor": cursor} if cursor else {}),
                             **kwargs)
            assert self.typed(page), page
            assert len(getattr(page, items)) <= limit
            walked += getattr(page, items)
            pages += 1
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        at_once = self.call(name, limit=500, **kwargs)
        assert at_once.next_cursor is None, name
        whole = getattr(at_once, items)
        assert all(self.typed(item) for item in walked), (name, walked[:1])
        if key is None:
            assert [item.to_dict() for item in walked] == [item.to_dict() for item in whole]
        else:
            keys = [getattr(item, key) for item in walked]
            assert keys == [getattr(item, key) for item in whole], name
            assert keys == sorted(keys, reverse=descending) and len(set(keys)) == len(keys)
        if not filters:
            assert pages >= 2, (name, pages)
            self.walked.add(name)
        for name_of_filter in filters:
            wider = max(len(getattr(self.call(name, limit=500, **other), items))
                        for other in self._without(kwargs, name_of_filter))
            assert 0 < len(walked) < wider, (name, name_of_filter, len(walked), wider)
            self.filtered.add((name, name_of_filter))
        return walked

    @staticmethod
    def _without(kwargs: dict[str, Any], name: str) -> list[dict[str, Any]]:
        """The same call without the filter `name`, and with each other value of it when
        it is an enumeration (whose default is one of them)."""
        others = [{k: v for k, v in kwargs.items() if k != name}]
        if isinstance(kwargs[name], Enum):
            others += [{**kwargs, name: member} for member in type(kwargs[name])
                       if member != kwargs[name]]
        return others


def test_generated_client_lists_filters_and_pages_every_list(api_server, tmp_path,  # noqa: F811
                                                             make):
    base, token, url = api_server
    db.configure(url)  # `make` builds into the served database
    generated = _generate(base, token, tmp_path)
    operations = _list_operations(json.loads((tmp_path / "openapi.json").read_text()))
    models = importlib.import_module(f"{generated.__name__}.models")
    client = generated.AuthenticatedClient(base_url=base, token=token,
                                           raise_on_unexpected_status=True)
    lists = Lists(client, generated, operations)
    every, call = lists.every, lists.call

    with client:
        sites = every("sites", "code")
        assert len(sites) > 3 and all(isinstance(s.kind, models.SiteKind) for s in sites)
        assert len(every("categories", "code")) > 3
        assert every("models", "id")
        rooms = every("site_rooms", "id", code="GS-FERRY")
        assert rooms and {r.site for r in rooms} == {"GS-FERRY"}

        # Devices: every filter once, then the numbered pages (`page`, `sort`).
        assets = every("assets", "tag", limit=40)
        assert len(assets) >= 200
        today = dt.date.today()
        at_ferry = every("assets", "tag", site="GS-FERRY")
        assert {a.site for a in at_ferry} == {"GS-FERRY"}
        assert len(at_ferry) == sum(a.site == "GS-FERRY" for a in assets)
        in_stock = every("assets", "tag", status=models.StatusFilter.IN_STOCK)
        assert {a.status for a in in_stock} == {models.AssetStatus.IN_STOCK}
        room = next(a.room for a in at_ferry if a.room is not None)
        assert {a.room for a in every("assets", "tag", room=room)} == {room}
        first = assets[0]
        assert {a.category for a in every("assets", "tag", category=first.category)} == {
            first.category}
        assert first.tag in [a.tag for a in every("assets", "tag", q=first.tag)]
        year, _count = Counter(a.eol_year for a in assets if a.eol_year).most_common(1)[0]
        assert {a.eol_year for a in every("assets", "tag", eol=str(year))} == {year}
        expired = every("assets", "tag", warranty=models.WarrantyFilter.EXPIRED)
        assert all(a.warranty_end is not None and a.warranty_end < today for a in expired)
        numbered = call("assets", page=2, sort=models.SortKey.TAG)
        assert numbered.page == 2 and numbered.total == len(assets) and numbered.items
        backwards = call("assets", sort=models.SortKey("-tag"))
        assert [a.tag for a in backwards.items] == [a.tag for a in assets[::-1]][
            :len(backwards.items)]

        # Faults: open ones here and elsewhere (another site and kind), one closed.
        other = next(a for a in assets if a.site != first.site and a.category != first.category)
        for asset in (first, other, assets[-1], *at_ferry[:2]):
            reported = call("fault_create", body=models.FaultCreate(
                asset=asset.tag, symptom=models.Symptom.OTHER, description="Client test"))
            assert isinstance(reported, models.FaultDocument), reported
        make.fault(first.tag, status="closed")
        faults = every("faults", "id")  # the open ones
        assert len(faults) >= 5 and all(isinstance(f.status, models.FaultStatus) for f in faults)
        assert models.FaultStatus.CLOSED not in {f.status for f in faults}
        still_open = every("faults", "id", status=models.FaultFilter.OPEN)  # not all
        assert [f.id for f in still_open] == [f.id for f in faults]
        assert {f.site for f in every("faults", "id", site=first.site)} == {first.site}
        assert {f.category for f in every("faults", "id", category=first.category)} == {
            first.category}
        mine = every("faults", "id", asset=first.tag)
        assert {f.asset for f in mine} == {first.tag}

        # A device's interventions and history.
        tag = first.tag
        for n in range(4):
            done = call("intervention_create", tag=tag, body=models.InterventionInput(
                kind=models.InterventionKind.REPAIR, minutes_spent=5 * n))
            assert isinstance(done, models.InterventionDocument), done
        assert len(every("interventions", "id", tag=tag)) >= 4
        history = every("asset_history", "id", descending=True, tag=tag)
        assert history[-1].action == "create"

        # Plans, and one plan's lines (paged like a list).
        for _n in range(3):
            make.plan()
        plans = every("plans", "id")
        assert len(plans) >= 4 and all(isinstance(p.status, models.PlanStatus) for p in plans)
        lines = every("plan", None, items="lines", plan_id=plans[0].id)
        assert lines and all(isinstance(line.kind, models.PlanLineKind) for line in lines)

        # Organisations, contracts and their purchases, people and loans.
        made = [make.organisation() for _n in range(4)]
        organisations = every("organisations", "code")
        assert {o["code"] for o in made} <= {o.code for o in organisations}
        assert all(isinstance(o.kind, models.OrganisationKind) for o in organisations)
        contracts = [make.contract(owner=made[n % 2], members=[(made[2], 10_000)],
                                   share_mode="percent") for n in range(4)]
        listed = every("contracts", "id")
        assert {c["id"] for c in contracts} <= {c.id for c in listed}
        assert all(isinstance(c.kind, models.ContractKind)
                   and isinstance(c.share_mode, models.ShareMode)
                   and all(isinstance(m, models.MemberDocument) for m in c.members)
                   for c in listed)
        for contract, count in ((contracts[0], 3), (contracts[1], 2)):
            for _n in range(count):
                make.purchase(contract)
        assert len(every("purchases", "id")) >= 5
        ordered = every("purchases", "id", contract=contracts[0]["id"])
        assert len(ordered) == 3 and {p.contract for p in ordered} == {contracts[0]["id"]}
        assert all(isinstance(line, models.LineDocument) for p in ordered for line in p.lines)

        people = [make.person([made[n % 2]]) for n in range(4)]
        listed_people = every("people", "id")
        assert {p["id"] for p in people} <= {p.id for p in listed_people}
        assert {made[0]["code"]} in [set(p.organisations) for p in listed_people]
        lendable = [a for a in at_ferry[2:] if a.status == models.AssetStatus.IN_SERVICE][:4]
        lent = [make.loan(asset.tag, person, returned=n == 0)
                for n, (asset, person) in enumerate(zip(lendable, people, strict=True))]
        loans = every("loans", "id")  # all of them
        assert {loan["id"] for loan in lent} <= {loan.id for loan in loans}
        assert all(isinstance(loan.out_on, dt.date) for loan in loans)
        out = every("loans", "id", status=models.LoanFilter.OPEN)
        assert out and all(loan.returned_on is None for loan in out)
        assert lent[0]["id"] not in {loan.id for loan in out}

        # A stale version comes back typed: the record as a read gives it.
        current = call("asset", tag=tag)
        first_change = call("asset_update", tag=tag, body=models.AssetUpdate(
            notes="client one", version=current.version))
        assert isinstance(first_change, models.AssetDocument)
        assert first_change.notes == "client one"
        stale = call("asset_update", tag=tag, body=models.AssetUpdate(
            notes="client two", version=current.version))
        assert isinstance(stale, models.AssetConflict)
        assert stale.current.notes == "client one"
        assert stale.current.version == first_change.version

        # An unknown value of any filter is a 400 naming it, not a list that ignored it.
        ignored = []
        for name, operation in operations.items():
            for parameter, schema in operation["query"].items():
                if parameter in PAGING | SEARCH:
                    continue
                answer = call(name, **lists.path_args[name], **{parameter: _unknown(schema)})
                if not (isinstance(answer, models.ApiError) and answer.error == "validation"
                        and list(answer.fields.additional_properties) == [parameter]):
                    ignored.append((name, parameter, answer))
        assert not ignored, ignored

    # Every list of the description walked over two pages, every filter used.
    assert lists.walked == set(operations), set(operations) ^ lists.walked
    declared = {(name, parameter) for name, operation in operations.items()
                for parameter in operation["query"]
                if parameter not in PAGING | NUMBERED}
    assert lists.filtered == declared, declared ^ lists.filtered
