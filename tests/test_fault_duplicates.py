"""Faults without duplicates (issue 14): reporting where a fault is already open shows it
first; "same problem" follows it (no new fault), "another problem" goes on to the form. The
anonymous page says so too, without who reported; the API lists a device's open faults."""

import pytest

from inventory.accounts import service as accounts
from tests.helpers import count, query


@pytest.fixture
def school(make):
    site = make.site(name="École des Essais")
    room = make.room(site, name="Classe 3")
    board = make.asset(site=site, room=room,
                       category=make.category(code="TNI", name="Tableau", is_interactive_display=True))
    first = make.account("director", sites=[site], email="premiere.directrice@commune.example")
    return {"site": site, "room": room, "board": board, "first": first}


def test_an_open_fault_is_shown_first_and_followed(empty_client, make, school):
    client, tag = empty_client, school["board"]["tag"]
    fault = make.fault(school["board"], reported_by=school["first"])
    make.sign_in(client, "director", sites=[school["site"]])
    page = client.get(f"/faults/new?asset={tag}").text
    assert "Already reported on " in page and "— New" in page
    assert "Same problem: follow it" in page and f'action="/faults/{fault["id"]}/follow"' in page
    assert 'name="symptom"' not in page  # the form comes after "another problem"
    assert f"/faults/new?asset={tag}&amp;another=1" in page
    # The room's report shows its devices' open faults too.
    room_page = client.get(f"/faults/new?room={school['room']['id']}").text
    assert f'action="/faults/{fault["id"]}/follow"' in room_page and tag in room_page

    followed = client.post(f"/faults/{fault['id']}/follow", follow_redirects=False)
    assert followed.status_code == 303
    assert followed.headers["location"] == f"/faults/{fault['id']}?followed=1"
    assert client.post(f"/faults/{fault['id']}/follow").status_code == 200  # twice: once
    assert count("fault") == 1 and count("fault_follower") == 1
    shown = client.get(f"/faults/{fault['id']}?followed=1").text
    assert "You follow this fault" in shown and "Also reported by" in shown
    assert count("audit_record", "entity = 'fault' AND action = 'follow'") == 1

    # Another problem: the form, and a new fault.
    other = client.get(f"/faults/new?asset={tag}&another=1").text
    assert 'name="symptom"' in other and "Same problem: follow it" not in other
    assert client.post("/faults/new", data={"asset": tag, "symptom": "pen"},
                       follow_redirects=False).status_code == 303
    assert count("fault") == 2

    # The follower hears what the reporter hears.
    follower = query("SELECT email FROM app_user WHERE id = (SELECT follower FROM "
                     "fault_follower)")[0]["email"]
    make.sign_in(client, "technician")
    assert client.post(f"/faults/{fault['id']}/start", follow_redirects=False).status_code == 303
    for person in (follower, school["first"]["email"]):
        assert count("outbox", "to_address = {}", person) == 1, person


def test_a_closed_fault_cannot_be_followed(empty_client, make, school):
    fault = make.fault(school["board"], status="resolved")
    make.sign_in(empty_client, "director", sites=[school["site"]])
    page = empty_client.get(f"/faults/new?asset={school['board']['tag']}").text
    assert "Already reported" not in page and 'name="symptom"' in page
    refused = empty_client.post(f"/faults/{fault['id']}/follow")
    assert refused.status_code == 400 and "no longer open" in refused.text
    assert count("fault_follower") == 0


def test_a_director_of_another_school_sees_nothing_to_follow(empty_client, make, school):
    fault = make.fault(school["board"])
    make.sign_in(empty_client, "director")  # another school
    assert empty_client.post(f"/faults/{fault['id']}/follow").status_code == 404
    assert count("fault_follower") == 0


def test_the_anonymous_page_says_so_without_who(empty_client, make, school, run):
    run(accounts.set_setting(accounts.ANONYMOUS_REPORTS, "1"))
    tag = school["board"]["tag"]
    make.fault(school["board"], reported_by=school["first"])
    make.sign_out(empty_client)
    page = empty_client.get(f"/r/{tag}").text
    assert "Already reported on " in page and "nothing more to do" in page
    assert school["first"]["email"] not in page and school["first"]["name"] not in page
    assert 'name="symptom"' in page  # another problem: the form is there


def test_the_api_lists_a_device_open_faults_and_creates_normally(empty_client, make, school):
    tag = school["board"]["tag"]
    fault = make.fault(school["board"])
    make.fault(make.asset(site=school["site"]))  # another device's
    listed = empty_client.get("/api/v1/faults", params={"asset": tag.lower()}).json()
    assert [f["id"] for f in listed["items"]] == [fault["id"]]
    created = empty_client.post("/api/v1/faults", json={"asset": tag, "symptom": "sound"})
    assert created.status_code == 201, created.text
    assert len(empty_client.get("/api/v1/faults", params={"asset": tag}).json()["items"]) == 2


def test_a_device_chosen_on_the_rooms_form_takes_any_symptom_it_offered(empty_client, make):
    """The room's form lists every symptom before the device is chosen: a device picked there
    with a symptom outside its kind's own list is reported, not refused (it was refused with
    "Choose one of the proposed values" and the form shown again). On the device's own form
    and through the API, the kind's list still holds."""
    client = empty_client
    site = make.site()
    room = make.room(site, name="Classe 4")
    printer = make.asset(site=site, room=room, category=make.category(code="IMPR"))
    make.sign_in(client, "director", sites=[site])
    form = client.get(f"/faults/new?room={room['id']}").text
    assert 'value="no_image"' in form  # a display's symptom, offered on the room's form
    token = client.cookies.get("csrftoken") or ""
    sent = client.post("/faults/new", follow_redirects=False, headers={"x-csrftoken": token},
                       data={"room": str(room["id"]), "device": printer["tag"],
                             "symptom": "no_image"})
    assert sent.status_code == 303, sent.text
    stored = query("SELECT asset, symptom FROM fault")
    assert stored == [{"asset": printer["id"], "symptom": "no_image"}]
    refused = client.post("/api/v1/faults", json={"asset": printer["tag"], "symptom": "pen"})
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"symptom"}
