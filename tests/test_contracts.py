"""Contracts and purchases on both engines: a groupement de commandes of three members
buying 30 tablets, members' cost reports adding up to the cent, documents checked by
content and served only to those who may see the contract, organisation scoping."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from inventory.accounts.scope import Scope
from inventory.contracts import service
from inventory.core.errors import NotFound
from inventory.core.formatters import format_cents
from tests.helpers import query

TABLET_CENTS = 39_999  # 399,99 € each
TABLETS = 30


@pytest.fixture
def groupement(empty_client, make):
    city = make.organisation(code="VILLE", name="Ville de Vallombreuse", kind="commune")
    agglo = make.organisation(code="AGGLO", name="Vallombreuse Agglomération", kind="epci")
    dept = make.organisation(code="DEPT", name="Département du Val-Fictif", kind="departement")
    return empty_client, city, agglo, dept


def _create(client, **overrides):
    body = {"reference": "GC-2026-TAB", "title": "Tablettes des élus", "kind": "groupement",
            "supplier": "Tablettes Fictives SAS", "starts_on": "2026-01-15",
            "ends_on": "2027-01-14", "warranty_months": 36,
            "maintenance_terms": "Échange standard sous 5 jours ouvrés",
            "renewal_on": "2027-01-01", "amount_cents": TABLETS * TABLET_CENTS,
            "share_mode": "percent", "owner": "VILLE",
            "members": [{"organisation": "VILLE", "share": 3334},
                        {"organisation": "AGGLO", "share": 3333},
                        {"organisation": "DEPT", "share": 3333}], **overrides}
    return client.post("/api/v1/contracts", json=body)


def test_groupement_of_three_buying_thirty_tablets(groupement, make):
    client, city, agglo, dept = groupement
    response = _create(client)
    assert response.status_code == 201, response.text
    contract = response.json()
    assert contract["kind"] == "groupement" and contract["owner"] == "VILLE"
    members = {m["organisation"]: m for m in contract["members"]}
    assert set(members) == {"VILLE", "AGGLO", "DEPT"}
    # 1 199 970 cents: 33,34 % / 33,33 % / 33,33 % to the cent, adding up exactly.
    assert sum(m["cost_cents"] for m in members.values()) == TABLETS * TABLET_CENTS
    assert members["VILLE"]["cost_cents"] == 400_070
    assert members["AGGLO"]["cost_cents"] == members["DEPT"]["cost_cents"] == 399_950

    order = client.post("/api/v1/purchases", json={
        "contract": contract["id"], "reference": "BC-0042", "ordered_on": "2026-02-01",
        "lines": [{"description": "Tablette 11 pouces", "quantity": TABLETS,
                   "unit_price_cents": TABLET_CENTS}]})
    assert order.status_code == 201, order.text
    purchase = order.json()
    assert purchase["total_cents"] == TABLETS * TABLET_CENTS
    assert purchase["contract_reference"] == "GC-2026-TAB"

    # The tablets delivered by the order: their contract follows, and so does the warranty.
    site = make.site(owner=city)
    category = make.category(code="TAB", replacement_cost_cents=TABLET_CENTS)
    tags = []
    for _n in range(TABLETS):
        created = client.post("/api/v1/assets", json={
            "site": site["code"], "category": "TAB", "purchase_date": "2026-02-20",
            "purchase": purchase["id"]})
        assert created.status_code == 201, created.text
        tags.append(created.json()["tag"])
    tablet = client.get(f"/api/v1/assets/{tags[0]}").json()
    assert tablet["contract"] == contract["id"] and tablet["purchase"] == purchase["id"]
    assert tablet["warranty_end"] == "2029-02-20"
    # A warranty end typed by a person wins over the contract's terms.
    own = client.post("/api/v1/assets", json={
        "site": site["code"], "category": category["code"], "purchase_date": "2026-02-20",
        "warranty_end": "2027-02-20", "contract": contract["id"]}).json()
    assert own["warranty_end"] == "2027-02-20"

    # The members' cost report: the page, and the CSV for French Excel.
    page = client.get(f"/contracts/{contract['id']}")
    assert page.status_code == 200
    assert "Département du Val-Fictif" in page.text
    assert format_cents(400_070) in page.text and format_cents(399_950) in page.text
    report = client.get(f"/contracts/{contract['id']}/report.csv")
    assert report.status_code == 200
    assert report.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    members_rows, total_row = rows[1:-1], rows[-1]
    assert [r[0] for r in members_rows] == ["VILLE", "AGGLO", "DEPT"]

    def cents(text):
        return round(float(text.replace(",", ".")) * 100)

    assert [cents(r[3]) for r in members_rows] == [400_070, 399_950, 399_950]
    assert sum(cents(r[3]) for r in members_rows) == TABLETS * TABLET_CENTS == cents(total_row[3])
    assert sum(cents(r[-1]) for r in members_rows) == TABLETS * TABLET_CENTS
    assert "," in members_rows[0][3]  # decimal commas


def test_shares_that_do_not_add_up_are_refused_with_a_clear_message(groupement):
    client, *_orgs = groupement
    response = _create(client, members=[{"organisation": "VILLE", "share": 3333},
                                        {"organisation": "AGGLO", "share": 3333},
                                        {"organisation": "DEPT", "share": 3333}])
    assert response.status_code == 400
    assert "99,99\u00a0%" in response.json()["fields"]["members"]
    amounts = _create(client, share_mode="amount", amount_cents=300_00, members=[
        {"organisation": "VILLE", "share": 100_00}, {"organisation": "AGGLO", "share": 199_99}])
    assert amounts.status_code == 400
    assert "299,99" in amounts.json()["fields"]["members"]
    unknown = _create(client, members=[{"organisation": "NULLEPART", "share": 10_000}])
    assert unknown.status_code == 400 and "members.0" in unknown.json()["fields"]
    assert query("SELECT COUNT(*) AS n FROM contract")[0]["n"] == 0  # nothing half written


def test_amount_shares_and_updates(groupement):
    client, *_orgs = groupement
    created = _create(client, share_mode="amount", amount_cents=1_000_00, members=[
        {"organisation": "VILLE", "share": 600_00}, {"organisation": "DEPT", "share": 400_00}])
    assert created.status_code == 201, created.text
    doc = created.json()
    assert [m["cost_cents"] for m in doc["members"]] == [600_00, 400_00]
    stale = client.patch(f"/api/v1/contracts/{doc['id']}",
                         json={"version": doc["version"] + 5, "title": "Autre"})
    assert stale.status_code == 409
    changed = client.patch(f"/api/v1/contracts/{doc['id']}", json={
        "version": doc["version"], "amount_cents": 1_200_00, "members": [
            {"organisation": "VILLE", "share": 700_00},
            {"organisation": "DEPT", "share": 500_00}]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == doc["version"] + 1
    assert [m["cost_cents"] for m in changed.json()["members"]] == [700_00, 500_00]
    listed = client.get("/api/v1/contracts?limit=1").json()
    assert [c["id"] for c in listed["items"]] == [doc["id"]] and listed["next_cursor"] is None


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Acte d'engagement - groupement de commandes (fictif)")
    page.save()
    return out.getvalue()


def test_documents_checked_by_content_and_served_only_to_allowed_accounts(groupement, make,
                                                                        run, tmp_path):
    client, city, agglo, dept = groupement
    contract = _create(client).json()
    url = f"/contracts/{contract['id']}/documents"
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS"
    refused = client.post(url, files={"file": ("ccap.pdf", exe, "application/pdf")})
    assert refused.status_code == 400
    assert "Only PDF files and images" in refused.text
    fake_pdf = client.post(url, files={"file": ("ccap.pdf", b"%PDF-1.7\nnot really",
                                                "application/pdf")})
    assert fake_pdf.status_code == 400
    assert query("SELECT COUNT(*) AS n FROM contract_document")[0]["n"] == 0

    pdf = _pdf()
    accepted = client.post(url, files={"file": ("Acte d'engagement.pdf", pdf,
                                                 "application/pdf")}, follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    stored = query("SELECT id, stored_as, filename FROM contract_document")[0]
    assert (tmp_path / "contracts" / stored["stored_as"]).read_bytes() == pdf
    document_url = f"{url}/{stored['id']}"
    served = client.get(document_url)
    assert served.status_code == 200 and served.content == pdf
    assert served.headers["content-type"] == "application/pdf"

    # A director may not read contracts; a visitor is sent to sign in.
    make.sign_in(client, "director")
    assert client.get(document_url).status_code == 403
    make.sign_out(client)
    assert client.get(document_url, follow_redirects=False).status_code == 302

    # Organisation scoping (filled from the account by the organisations' part): a member
    # sees the contract and its document, an organisation outside it does not.
    other = make.organisation(code="AILLEURS", name="Commune d'Ailleurs")

    async def seen_by(org_id):
        try:
            path, _row = await service.document(contract["id"], stored["id"],
                                                Scope(organisation_ids=frozenset({org_id})),
                                                tmp_path)
            return path.read_bytes() == pdf
        except NotFound:
            return False

    assert run(seen_by(dept["id"])) is True
    assert run(seen_by(city["id"])) is True
    assert run(seen_by(other["id"])) is False


def test_too_large_document_is_refused(groupement):
    client, *_orgs = groupement
    contract = _create(client).json()
    big = _pdf()[:-6] + b" " * (11 * 1024 * 1024) + b"%%EOF\n"
    response = client.post(f"/contracts/{contract['id']}/documents",
                           files={"file": ("gros.pdf", big, "application/pdf")})
    assert response.status_code == 400
    assert "too large" in response.text


def test_contracts_and_purchases_are_scoped_by_organisation(groupement, make, run):
    _client, city, agglo, dept = groupement
    other = make.organisation(code="AILLEURS", name="Commune d'Ailleurs")
    shared = make.contract(owner=city, members=[(city, 5000), (agglo, 5000)])
    alone = make.contract(owner=other)
    make.purchase(shared)
    make.purchase(alone)

    def ids(org):
        scope = Scope(organisation_ids=frozenset({org["id"]}))
        contracts = run(service.list_contracts(scope))
        purchases = run(service.list_purchases(scope))
        return ({c["id"] for c in contracts}, {p["contract"] for p in purchases})

    assert ids(agglo) == ({shared["id"]}, {shared["id"]})
    assert ids(other) == ({alone["id"]}, {alone["id"]})
    assert ids(dept) == (set(), set())
    with pytest.raises(NotFound):
        run(service.get_contract(shared["id"], Scope(organisation_ids=frozenset({dept["id"]}))))


def test_replacement_cost_split_by_the_device_contract(groupement, make, run):
    _client, city, agglo, dept = groupement
    contract = make.contract(owner=city, members=[(city, 5000), (agglo, 3000), (dept, 2000)])
    order = make.purchase(contract)
    site = make.site(owner=city)
    device = make.asset(site=site, purchase=order["id"], purchase_date=dt.date(2026, 3, 1))
    bought_alone = make.asset(site=site)
    assert run(service.replacement_split(device["id"], 45_001)) == {
        city["id"]: 22_501, agglo["id"]: 13_500, dept["id"]: 9_000}
    assert run(service.replacement_split(bought_alone["id"], 45_001)) == {
        bought_alone["owner"]: 45_001}


def test_dashboard_announces_contract_ends_and_renewals_90_days_ahead(groupement, make):
    from inventory.core import clock

    client, city, *_rest = groupement
    make.contract(owner=city, reference="FIN-PROCHE", ends_on="2027-02-28")
    make.contract(owner=city, reference="MAINT-PROCHE", renewal_on="2026-12-15",
                  maintenance_terms="Maintenance annuelle des TNI")
    make.contract(owner=city, reference="FIN-LOINTAINE", ends_on="2027-06-30")
    with clock.frozen(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)):
        page = client.get("/").text
    section = page[page.index('id="contract-deadlines"'):]
    assert "FIN-PROCHE" in section and "MAINT-PROCHE" in section
    assert "FIN-LOINTAINE" not in section
    assert section.index("MAINT-PROCHE") < section.index("FIN-PROCHE")  # soonest first


def test_asset_form_links_a_device_to_an_order(groupement, make):
    from tests.helpers import edit_form, field_error

    client, city, *_rest = groupement
    contract = make.contract(owner=city, warranty_months=24)
    order = make.purchase(contract)
    other_order = make.purchase(make.contract(owner=city))
    device = make.asset(site=make.site(owner=city), purchase_date=dt.date(2026, 4, 30))
    form = edit_form(client, device["tag"], purchase=str(order["id"]), warranty_end="")
    saved = client.post(f"/a/{device['tag']}/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    doc = client.get(f"/api/v1/assets/{device['tag']}").json()
    assert (doc["contract"], doc["purchase"]) == (contract["id"], order["id"])
    assert doc["warranty_end"] == "2028-04-30"
    assert f'href="/contracts/{contract["id"]}"' in client.get(f"/a/{device['tag']}").text
    # An order of another contract than the one named is refused, next to the field.
    form = edit_form(client, device["tag"], purchase=str(other_order["id"]),
                     contract=str(contract["id"]))
    refused = client.post(f"/a/{device['tag']}/edit", data=form)
    assert refused.status_code == 400
    assert field_error(refused.text, "purchase") == "This order belongs to another contract."
