"""Issue 13: a client generated from the served OpenAPI description (openapi-python-client)
lists, filters and pages through every list of the API without raw HTTP, against the real
server (`inventory serve`, demo data), on SQLite and on PostgreSQL. If the description and
the server disagreed, the generated client would fail to parse the answers."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

from tests.test_api_schema import api_server  # noqa: F401  (the served app, both engines)

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


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


def _walk(call, **kwargs) -> list:
    """Every item of a list, page after page, through the generated function `call`."""
    items, cursor, pages = [], None, 0
    while True:
        page = call(limit=3, cursor=cursor, **kwargs) if cursor else call(limit=3, **kwargs)
        assert type(page).__name__.endswith(("List", "Page")), page
        assert len(page.items) <= 3
        items += page.items
        pages += 1
        if not page.next_cursor:
            return items
        cursor = page.next_cursor


def test_generated_client_lists_filters_and_pages_every_list(api_server, tmp_path):  # noqa: F811
    base, token = api_server
    generated = _generate(base, token, tmp_path)
    api = importlib.import_module(f"{generated.__name__}.api.api")
    models = importlib.import_module(f"{generated.__name__}.models")
    client = generated.AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)

    def mod(name):
        return importlib.import_module(f"{api.__name__}.{name}")

    def every(name, key, **kwargs):
        walked = _walk(lambda **kw: mod(name).sync(client=client, **kw, **kwargs))
        whole = mod(name).sync(client=client, limit=500, **kwargs).items
        keys = [getattr(item, key) for item in walked]
        assert keys == [getattr(item, key) for item in whole] == sorted(keys)
        assert len(set(keys)) == len(keys)
        return walked

    with client:
        sites = every("sites", "code")
        assert len(sites) > 3 and all(isinstance(s.kind, models.SiteKind) for s in sites)
        assert len(every("categories", "code")) > 3
        assert every("models", "id")
        assert every("plans", "id")
        rooms = every("site_rooms", "id", code="GS-FERRY")
        assert rooms and {r.site for r in rooms} == {"GS-FERRY"}

        assets = every("assets", "tag")
        assert len(assets) >= 200
        at_ferry = every("assets", "tag", site="GS-FERRY")
        assert at_ferry and {a.site for a in at_ferry} == {"GS-FERRY"}
        assert len(at_ferry) == sum(a.site == "GS-FERRY" for a in assets)
        in_stock = every("assets", "tag", status=models.StatusFilter.IN_STOCK)
        assert in_stock and {a.status for a in in_stock} == {models.AssetStatus.IN_STOCK}
        numbered = mod("assets").sync(client=client, page=2, sort=models.SortKey.TAG)
        assert numbered.page == 2 and numbered.total == len(assets) and numbered.items

        for asset in (assets[0], assets[1], assets[-1], *at_ferry[:2]):
            reported = mod("fault_create").sync(client=client, body=models.FaultCreate(
                asset=asset.tag, symptom=models.Symptom.OTHER, description="Client test"))
            assert isinstance(reported, models.FaultDocument), reported
        faults = every("faults", "id", status=models.FaultFilter.ALL)
        assert len(faults) >= 5
        assert faults and all(isinstance(f.status, models.FaultStatus) for f in faults)
        site = faults[0].site
        assert {f.site for f in every("faults", "id", status=models.FaultFilter.ALL,
                                      site=site)} == {site}

        tag = assets[0].tag
        for n in range(4):
            done = mod("intervention_create").sync(
                client=client, tag=tag, body=models.InterventionInput(
                    kind=models.InterventionKind.REPAIR, minutes_spent=5 * n))
            assert isinstance(done, models.InterventionDocument), done
        assert len(every("interventions", "id", tag=tag)) >= 4
        history = _walk(lambda **kw: mod("asset_history").sync(client=client, tag=tag, **kw))
        assert history and history[-1].action == "create"
        assert [h.id for h in history] == sorted((h.id for h in history), reverse=True)

        # A stale version comes back typed: the record as a read gives it.
        current = mod("asset").sync(client=client, tag=tag)
        first = mod("asset_update").sync(client=client, tag=tag, body=models.AssetUpdate(
            notes="client one", version=current.version))
        assert isinstance(first, models.AssetDocument) and first.notes == "client one"
        stale = mod("asset_update").sync(client=client, tag=tag, body=models.AssetUpdate(
            notes="client two", version=current.version))
        assert isinstance(stale, models.AssetConflict)
        assert stale.current.notes == "client one" and stale.current.version == first.version
