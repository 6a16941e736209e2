"""Each organisation's tag prefix: a new device's tag starts with its owner's prefix (the
installation's when it has none, or when the installation has one organisation), whatever
creates it (factory = the service, the page, the API), each prefix with its own sequence;
the scan box finds a number of any prefix the reader sees. Both engines."""

from inventory.organisations import service as organisations
from tests.factories import TAG_PREFIX
from tests.helpers import execute, query


def _last(prefix: str) -> int:
    return query("SELECT last_value FROM tag_sequence WHERE prefix = {}", prefix)[0]["last_value"]


def test_new_tags_take_their_organisations_prefix(empty_client, make):
    client = empty_client
    ville = make.organisation(code="VILLE", tag_prefix="vil")
    agglo = make.organisation(code="AGGLO")  # no prefix of its own: the installation's
    site_v, site_a = make.site(owner=ville), make.site(owner=agglo)
    category = make.category()
    before = _last(TAG_PREFIX) if query("SELECT 1 AS one FROM tag_sequence WHERE prefix = {}",
                                        TAG_PREFIX) else 0
    assert make.asset(site=site_v, category=category)["tag"] == "VIL-000001"
    assert make.asset(site=site_a, category=category)["tag"] == \
        f"{TAG_PREFIX}-{before + 1:06d}"
    made = client.post("/api/v1/assets", json={"category": category["code"],
                                               "site": site_v["code"]})
    assert made.status_code == 201, made.text
    assert (made.json()["tag"], made.json()["organisation"]) == ("VIL-000002", "VILLE")
    page = client.post("/assets/new", data={"category": category["code"],
                                            "site": site_v["code"], "status": "in_service"},
                       follow_redirects=False)
    assert page.status_code == 303, page.text
    assert page.headers["location"] == "/a/VIL-000003"
    # One sequence per prefix: the installation's did not move for VILLE's devices.
    assert (_last("VIL"), _last(TAG_PREFIX)) == (3, before + 1)


def test_one_organisation_keeps_the_installations_prefix(empty_url, make, run):
    # The set-up names the one organisation; its stored prefix is not read while alone.
    execute("UPDATE organisation SET tag_prefix = 'ZZZ'")
    assert run(organisations.tag_prefixes()) == {}
    assert make.asset()["tag"].startswith(f"{TAG_PREFIX}-")


def test_scan_finds_a_number_of_any_prefix_the_reader_sees(empty_client, make):
    client = empty_client
    ville = make.organisation(code="VILLE", tag_prefix="VIL")
    agglo = make.organisation(code="AGGLO", tag_prefix="AGG")
    site_v, site_a = make.site(owner=ville), make.site(owner=agglo)
    category = make.category()
    assert make.asset(site=site_v, category=category)["tag"] == "VIL-000001"
    assert make.asset(site=site_a, category=category)["tag"] == "AGG-000001"

    def scanned(text: str) -> str:
        response = client.get("/scan", params={"tag": text}, follow_redirects=False)
        assert response.status_code in (302, 303), response.text
        return response.headers["location"]

    assert scanned("AGG-1") == "/a/AGG-000001"
    assert scanned("vil 1") == "/a/VIL-000001"
    assert scanned("1").startswith("/assets?q=")  # two devices have number 1: a search
    make.sign_in(client, make.account("technician", member_of=["VILLE"]))
    assert scanned("1") == "/a/VIL-000001"  # the only number 1 this technician sees
    assert scanned("AGG-1") != "/a/AGG-000001"
    assert client.get("/a/AGG-000001").status_code == 404
    assert 'placeholder="VIL-000123"' in client.get("/scan").text  # their prefix's example


def test_an_imported_tag_of_an_organisations_series_moves_that_sequence(empty_url, make, run,
                                                                       tmp_path):
    from inventory.accounts.scope import EVERYTHING
    from inventory.imports import columns, reading
    from inventory.imports.service import Importer, run_import

    ville = make.organisation(code="VILLE", tag_prefix="VIL")
    site = make.site(owner=ville)
    category = make.category(code="TAB")
    path = tmp_path / "tablettes.csv"
    path.write_text("Étiquette;Type;Lieu\nVIL-000040;TAB;{0}\n;TAB;{0}\n".format(site["code"]),
                    encoding="utf-8")
    mapping = columns.guess_mapping(reading.inspect(path).header)
    who = Importer(actor="test", scope=EVERYTHING, prefix=TAG_PREFIX)
    report = run(run_import(path, mapping, who, commit=True))
    assert report.committed, (report.problem, list(report.errors()))
    assert [row.tag for row in report.rows] == ["VIL-000040", "VIL-000041"]
    assert make.asset(site=site, category=category)["tag"] == "VIL-000042"
