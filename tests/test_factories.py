"""The factories make real records (through the services, with their audit records), on
both engines, with defaults that do not collide and overrides that are kept."""

from tests.factories import PASSWORD, PUBLIC_URL
from tests.helpers import count, query


def test_each_record_kind_through_its_service(empty_client, make):
    school = make.site(kind="maternelle", name="École maternelle des Essais")
    room = make.room(school, name="Classe 3")
    board = make.category(code="TNI", is_interactive_display="on", lifespan_years=8)
    model = make.model(board, manufacturer="Fabricant Fictif", name="Tableau 88")
    asset = make.asset(room=room, model=model, purchase_date="2020-09-01", serial="SN-1")
    assert (asset["site_code"], asset["room"], asset["category_code"], asset["model"]) == \
        (school["code"], room["id"], "TNI", model["id"])
    assert asset["tag"] == "BRN-000001" and asset["eol_year"] == 2028
    for entity, key in (("site", school["code"]), ("room", str(room["id"])),
                        ("category", "TNI"), ("model", str(model["id"])),
                        ("asset", asset["tag"])):
        assert count("audit_record", "entity = {} AND entity_key = {} AND action = 'create'",
                     entity, key) == 1, entity
    # Made through the service, it is the same asset the pages show.
    page = empty_client.get(f"/a/{asset['tag']}")
    assert page.status_code == 200 and "Tableau 88" in page.text and "Classe 3" in page.text


def test_defaults_do_not_collide_and_parents_are_made(empty_url, make):
    first, second = make.asset(), make.asset()
    assert first["site"] != second["site"] and first["category"] != second["category"]
    shared = make.assets(3, status="in_stock")
    assert len({a["site"] for a in shared}) == 1 and len({a["tag"] for a in shared}) == 3
    assert {a["status"] for a in shared} == {"in_stock"}
    retired = make.asset(status="retired")
    assert query("SELECT status FROM asset WHERE tag = {}", retired["tag"])[0]["status"] == \
        "retired"


def test_accounts_of_each_role_sign_in(empty_client, make):
    school = make.site()
    director = make.account("director", sites=[school])
    assert query("SELECT site FROM user_site WHERE \"user\" = {}", director["id"]) == \
        [{"site": school["id"]}]
    assert make.account("director")["site_codes"]  # a director always gets a site
    signed_out = empty_client.post("/logout", follow_redirects=False)
    assert signed_out.status_code in (302, 303)
    form = empty_client.post("/login", data={"email": director["email"], "password": PASSWORD},
                             follow_redirects=False)
    assert form.status_code == 303, form.text
    for role in ("administrator", "planner", "technician", "viewer"):
        account = make.sign_in(empty_client, role)
        assert account["role"] == role
        page = empty_client.get("/account")
        assert page.status_code == 200 and account["email"] in page.text
    make.sign_out(empty_client)
    assert empty_client.get("/account", follow_redirects=False).status_code in (302, 303, 401)


def test_faults_reach_the_status_asked_and_the_asset_follows(empty_url, make):
    asset = make.asset()
    fault = make.fault(asset)
    assert fault["status"] == "new" and fault["symptom"] == "no_power"
    assert query("SELECT status FROM asset WHERE tag = {}", asset["tag"])[0]["status"] == \
        "faulty"
    screen = make.asset(category=make.category(code="VP"))
    assert make.fault(screen)["symptom"] == "no_image"  # the category's own first
    repaired = make.fault(screen, status="resolved")
    assert repaired["status"] == "resolved"
    assert [e["to_status"] for e in query(
        "SELECT to_status FROM fault_event WHERE fault = {} ORDER BY id", repaired["id"])] == \
        ["new", "in_progress", "resolved"]
    reporter = make.account("director")
    own = make.fault(make.asset(site=reporter["site_codes"][0]), reported_by=reporter,
                     status="rejected")
    assert own["reported_by"] == reporter["email"] and own["status"] == "rejected"


def test_installation_ends_the_setup(empty_client, make):
    make.installation()
    stored = {r["key"]: r["value"] for r in query("SELECT key, value FROM app_setting")}
    assert stored["setup_done"] == "1" and stored["public_url"] == PUBLIC_URL


def test_work_records_loans_documents_and_tokens_through_their_services(empty_client, make,
                                                                         tmp_path):
    school = make.site()
    room, other_room = make.room(school), make.room(school)
    tech = make.account("technician")
    asset = make.asset(site=school, room=room)
    done = make.intervention(asset, by=tech, kind="preventive", notes="Filtre nettoyé")
    assert (done["technician"], done["kind"], done["notes"]) == \
        (tech["email"], "preventive", "Filtre nettoyé")
    task = make.maintenance_task(asset=asset, interval_days=90)
    assert (task["asset_tag"], task["interval_days"]) == (asset["tag"], 90)
    campaign = make.campaign(school, by=tech)
    assert make.campaign_check(campaign, asset, other_room, by=tech) == "elsewhere"
    fault = make.fault(asset, status="in_progress", handled_by=tech)
    assert fault["assigned_to"] == tech["email"]
    person = make.person(name="Camille Essai")
    loan = make.loan(make.asset(site=school), person)
    assert loan["person"] == person["id"] and loan["for_term"]
    contract = make.contract()
    document = make.document(contract, tmp_path)
    assert make.import_profile("Profil GLPI")["name"] == "Profil GLPI"
    batch = make.reserved_tags(2)
    assert count("reserved_tag", "batch = {}", batch) == 2
    token = make.token(tech)
    assert token["token"].startswith(token["hint"])
    for entity, key in (("asset", asset["tag"]), ("maintenance", str(task["id"])),
                        ("campaign", str(campaign)), ("person", str(person["id"])),
                        ("import_profile", "Profil GLPI"), ("label", batch),
                        ("token", str(token["id"]))):
        assert count("audit_record", "entity = {} AND entity_key = {}", entity, key) >= 1, entity
    # The document is the one the contract's page offers to download.
    download = empty_client.get(f"/contracts/{contract['id']}/documents/{document['id']}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
