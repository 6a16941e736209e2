"""Faults end to end through the pages: a director reports, a technician resolves."""

import io
import re

from tests.helpers import count, field_error, query


def _schools(make) -> dict:
    """The director's school and another, each with a classroom and two devices in service
    (the first of the director's under warranty), and the people who handle faults."""
    make.installation()
    ferry = make.site(code="GS-FERRY", name="Groupe scolaire Jules-Ferry",
                      kind="groupe_scolaire")
    jaures = make.site(code="GS-JAURES", name="Groupe scolaire Jean-Jaurès",
                       kind="groupe_scolaire")
    screen = make.category(code="ECRAN", name="Écran")
    rooms = {site["code"]: make.room(site, name="Classe 2", kind="classroom")
             for site in (ferry, jaures)}
    devices = {site["code"]: [
        make.asset(site=site, category=screen, room=rooms[site["code"]],
                   serial=f"SN-{site['code']}-{n}", supplier="Fournisseur Fictif SARL",
                   purchase_date="2024-09-01", warranty_end="2099-09-01" if n == 1 else None)
        for n in (1, 2)] for site in (ferry, jaures)}
    return {"ferry": ferry, "jaures": jaures, "rooms": rooms, "devices": devices,
            "tag": devices["GS-FERRY"][0]["tag"], "other_tag": devices["GS-JAURES"][0]["tag"],
            "director": make.account("director", sites=[ferry]),
            "technician": make.account("technician")}


def _status(tag):
    return query("SELECT status FROM asset WHERE tag = {}", tag)[0]["status"]


def _fault_status(fault_id):
    return query("SELECT status FROM fault WHERE id = {}", fault_id)[0]["status"]


def test_director_reports_technician_resolves_director_closes(empty_client, make):
    people = _schools(make)
    tag = people["tag"]
    director = empty_client
    make.sign_in(director, people["director"])
    form = director.get(f"/faults/new?asset={tag}")
    assert form.status_code == 200
    missing = director.post("/faults/new", data={"asset": tag})
    assert missing.status_code == 400
    assert field_error(missing.text, "symptom") == "Choose a value."
    other = director.post("/faults/new", data={"asset": tag, "symptom": "other"})
    assert other.status_code == 400
    assert field_error(other.text, "description") == "Describe what happens."
    assert count("fault") == 0
    reported = director.post("/faults/new", data={
        "asset": tag, "symptom": "broken", "description": "Écran fissuré",
        "teaching_blocked": "on"}, follow_redirects=False)
    assert reported.status_code == 303
    fault_id = int(reported.headers["location"].split("/")[2].split("?")[0])
    assert _status(tag) == "faulty"  # the asset follows its fault
    assert "1 open fault" in director.get(f"/a/{tag}").text

    tech = director
    make.sign_in(tech, people["technician"])
    queue = tech.get("/faults").text
    assert f"/faults/{fault_id}" in queue
    assert tech.post(f"/faults/{fault_id}/start", follow_redirects=False).status_code == 303
    assert _status(tag) == "in_repair"
    assert query("SELECT assigned_to FROM fault WHERE id = {}", fault_id)[0]["assigned_to"] == \
        people["technician"]["email"]
    refused = tech.post(f"/faults/{fault_id}/close")
    assert refused.status_code == 400 and "cannot go to" in refused.text
    assert tech.post(f"/faults/{fault_id}/resolve", data={"note": "Dalle remplacée"},
                     follow_redirects=False).status_code == 303
    assert _status(tag) == "in_service"

    make.sign_in(director, people["director"])
    page = director.get(f"/faults/{fault_id}").text
    assert "Resolved" in page and "Dalle remplacée" in page
    assert director.post(f"/faults/{fault_id}/close", follow_redirects=False).status_code == 303
    assert _fault_status(fault_id) == "closed"
    assert count("fault_event", "fault = {}", fault_id) == 4  # new, in progress, resolved, closed


def test_report_on_a_room_when_the_device_is_unknown(empty_client, make):
    people = _schools(make)
    director = empty_client
    make.sign_in(director, people["director"])
    room = people["rooms"]["GS-FERRY"]["id"]
    make.fault(room=room)  # an open fault is shown first: "another problem" leads to the form
    form = director.get(f"/faults/new?room={room}&another=1")
    assert "I don't know which device" in form.text
    done = director.post("/faults/new", data={"room": str(room), "device": "room",
                                               "symptom": "no_wifi"}, follow_redirects=False)
    assert done.status_code == 303
    fault = query("SELECT asset, room FROM fault ORDER BY id DESC LIMIT 1")[0]
    assert fault["asset"] is None and fault["room"] == room


def test_reject_needs_a_reason_and_restores_the_asset(empty_client, make):
    people = _schools(make)
    tag = people["tag"]
    director = empty_client
    make.sign_in(director, people["director"])
    url = director.post("/faults/new", data={"asset": tag, "symptom": "no_power"},
                        follow_redirects=False).headers["location"].split("?")[0]
    assert _status(tag) == "faulty"
    tech = director
    make.sign_in(tech, people["technician"])
    no_reason = tech.post(f"{url}/reject", data={"note": ""})
    assert no_reason.status_code == 400 and "Say why the fault is rejected." in no_reason.text
    assert _fault_status(url.rsplit("/", 1)[1]) == "new" and _status(tag) == "faulty"
    assert tech.post(f"{url}/reject", data={"note": "Câble HDMI débranché"},
                     follow_redirects=False).status_code == 303
    assert _status(tag) == "in_service"
    assert _fault_status(url.rsplit("/", 1)[1]) == "rejected"


def test_director_sees_only_their_schools_faults(empty_client, make):
    people = _schools(make)
    other_tag = people["other_tag"]
    admin = empty_client
    url = admin.post("/faults/new", data={"asset": other_tag, "symptom": "no_power"},
                     follow_redirects=False).headers["location"].split("?")[0]
    own = make.fault(people["tag"])
    director = admin
    make.sign_in(director, people["director"])
    assert director.get(f"/faults/{own['id']}").status_code == 200
    assert f"/faults/{own['id']}" in director.get("/faults").text
    assert director.get(url).status_code == 404
    assert other_tag not in director.get("/faults").text
    assert director.get(f"/faults/new?asset={other_tag}").status_code == 404
    assert director.post("/faults/new", data={"asset": other_tag, "symptom": "no_power"}
                         ).status_code == 404
    assert director.post(f"{url}/close").status_code == 404
    assert count("fault") == 2
    make.sign_in(director, "viewer")
    assert director.post("/faults/new", data={"asset": other_tag}).status_code == 403
    assert count("fault") == 2


def test_queue_puts_blocked_teaching_first_and_warranty_is_said(empty_client, make):
    people = _schools(make)
    admin = empty_client
    second = people["tag"]  # under warranty
    first = people["devices"]["GS-FERRY"][1]["tag"]
    calm = admin.post("/faults/new", data={"asset": first, "symptom": "no_power"},
                      follow_redirects=False).headers["location"].split("?")[0]
    urgent = admin.post("/faults/new", data={"asset": second, "symptom": "no_power",
                                             "teaching_blocked": "on"},
                        follow_redirects=False).headers["location"].split("?")[0]
    queue = admin.get("/faults").text
    assert queue.index(urgent + '"') < queue.index(calm + '"')
    assert ("Under warranty until 2099-09-01: call the supplier Fournisseur Fictif SARL"
            in admin.get(urgent).text)
    assert "Under warranty until" not in admin.get(calm).text


def _jpeg_with_gps() -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (2400, 1200), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS position
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_reencoded_without_metadata_and_scoped(empty_client, make):
    import io

    from PIL import Image

    people = _schools(make)
    tag = people["tag"]
    director = empty_client
    make.sign_in(director, people["director"])
    sent = director.post("/faults/new", data={"asset": tag, "symptom": "broken"},
                         files={"photo": ("IMG_0001.jpg", _jpeg_with_gps(), "image/jpeg")},
                         follow_redirects=False)
    assert sent.status_code == 303, sent.text
    fault_url = sent.headers["location"].split("?")[0]
    photo = director.get(f"{fault_url}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(photo.content)) as stored:
        assert max(stored.size) == 1600
        assert not stored.getexif()  # no camera, no GPS
    assert f"{fault_url}/photo" in director.get(fault_url).text

    admin = director
    make.sign_in(admin, "administrator")
    other = people["other_tag"]
    other_url = admin.post("/faults/new", data={"asset": other, "symptom": "broken"},
                           files={"photo": ("x.png", _jpeg_with_gps(), "image/png")},
                           follow_redirects=False).headers["location"].split("?")[0]
    assert admin.get(f"{other_url}/photo").status_code == 200
    make.sign_in(admin, people["director"])
    assert admin.get(f"{other_url}/photo").status_code == 404


def test_a_bad_upload_is_refused_and_the_report_kept(empty_client, make):
    people = _schools(make)
    tag = people["tag"]
    director = empty_client
    make.sign_in(director, people["director"])
    before = count("fault")
    refused = director.post("/faults/new", data={"asset": tag, "symptom": "broken",
                                                 "description": "Écran fissuré en bas"},
                            files={"photo": ("photo.jpg", b"#!/bin/sh\necho not an image",
                                             "image/jpeg")})
    assert refused.status_code == 400
    assert field_error(refused.text, "photo") == "This file is not a photo (JPEG, PNG or " \
        "WebP). The rest of your report is kept: choose another photo or send without one."
    assert "Écran fissuré en bas" in refused.text  # what was typed is kept
    assert count("fault") == before


def test_a_photo_of_too_many_pixels_is_refused_before_decoding(empty_client, make):
    """9,400 x 9,400 pixels in a small PNG: decoding it took 2 s and about 1 GB on the event
    loop; it is refused from its header."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (9400, 9400)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 400_000
    people = _schools(make)
    tag = people["tag"]
    director = empty_client
    make.sign_in(director, people["director"])
    before = count("fault")
    refused = director.post("/faults/new", data={"asset": tag, "symptom": "broken"},
                            files={"photo": ("big.png", out.getvalue(), "image/png")})
    assert refused.status_code == 400
    assert field_error(refused.text, "photo") == "This photo has too many pixels (at most 50 " \
        "million). The rest of your report is kept: choose another photo or send without one."
    assert count("fault") == before


def test_photos_are_decoded_in_a_worker_thread():
    import asyncio
    import threading

    from PIL import Image

    from inventory.faults import photos

    seen = []
    original = photos.reencode

    def spy(data):
        seen.append(threading.current_thread() is threading.main_thread())
        return original(data)

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    photos.reencode = spy
    try:
        jpeg = asyncio.run(photos.reencode_in_worker(out.getvalue()))
    finally:
        photos.reencode = original
    assert seen == [False]
    assert jpeg.startswith(b"\xff\xd8")


def test_anonymous_report_from_a_scanned_label(empty_client, make):
    people = _schools(make)
    make.anonymous_reports(allowed=True)
    anonymous = empty_client
    make.sign_out(anonymous)
    tag = people["tag"]
    scanned = anonymous.get(f"/a/{tag}", follow_redirects=True)
    assert scanned.url.path == f"/r/{tag}"
    page = scanned.text
    serial = query("SELECT serial, supplier FROM asset WHERE tag = {}", tag)[0]
    # The room, never the school: labels must not map the schools' equipment to strangers.
    assert "Groupe scolaire Jules-Ferry" not in page and "Report a problem" in page
    assert "Classe 2" in page
    assert serial["serial"] not in page and serial["supplier"] not in page  # nothing else shown
    bad = anonymous.post(f"/r/{tag}", data={"symptom": "no_power", "email": "nope"})
    assert bad.status_code == 400
    # Beside the field, which names it for screen readers.
    assert field_error(bad.text, "email") == "Enter an email address such as name@example.org."
    assert re.search(r'name="email" value="nope"[^>]*aria-describedby="e-email"', bad.text)
    assert count("fault") == 0
    sent = anonymous.post(f"/r/{tag}", data={"symptom": "no_power", "name": "Parent d'élève",
                                             "email": "parent@exemple.example"},
                          follow_redirects=False)
    assert sent.status_code == 303
    assert count("fault") == 1  # nothing was written for the bad address
    fault = query("SELECT anonymous, reporter_contact, reported_by FROM fault")[0]
    assert fault["anonymous"] and fault["reported_by"] == "anonymous"
    assert "parent@exemple.example" in fault["reporter_contact"]
    for _ in range(4):
        anonymous.post(f"/r/{tag}", data={"symptom": "no_power"})
    limited = anonymous.post(f"/r/{tag}", data={"symptom": "no_power"})
    assert limited.status_code == 429 and "Too many reports" in limited.text
    assert count("fault", "anonymous") == 5
    staff = anonymous.get(f"/login?next=/a/{tag}&staff=1")
    assert "Sign in" in staff.text and staff.url.path == "/login"


def test_anonymous_reports_are_off_unless_allowed(empty_client, make):
    tag = _schools(make)["tag"]  # a new installation: anonymous reports are off
    anonymous = empty_client
    make.sign_out(anonymous)
    before = count("fault")
    response = anonymous.get(f"/a/{tag}", follow_redirects=True)
    assert response.url.path == "/login"
    assert anonymous.get(f"/r/{tag}", follow_redirects=False).status_code == 303
    assert anonymous.post(f"/r/{tag}", data={"symptom": "no_power"}).status_code == 404
    assert count("fault") == before
    make.anonymous_reports(allowed=True)
    make.anonymous_reports(allowed=False)  # allowed, then turned off again
    assert anonymous.post(f"/r/{tag}", data={"symptom": "no_power"}).status_code == 404
    assert count("fault") == before


def test_label_pages_opened_without_an_account_are_limited_per_connection(empty_client, make):
    tags = [a["tag"] for a in make.assets(61)]
    make.anonymous_reports(allowed=True)
    anonymous = empty_client
    make.sign_out(anonymous)
    for tag in tags[:60]:
        assert anonymous.get(f"/r/{tag}").status_code == 200
    refused = anonymous.get(f"/r/{tags[60]}")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Too many requests" in refused.text


def test_photo_decoding_is_bounded_in_parallel():
    """Six uploads at once held /healthz for 9 s: at most two photos decode at a time (the
    others wait in their worker threads, the event loop serves on)."""
    import asyncio
    import threading
    import time

    from PIL import Image

    from inventory.faults import photos

    lock = threading.Lock()
    running, most = [0], [0]
    original = photos.reencode

    def slow(data):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return original(data)

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, format="PNG")

    async def six_at_once():
        ticks = 0

        async def loop_alive():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        alive = asyncio.create_task(loop_alive())
        done = await asyncio.gather(*[photos.reencode_in_worker(out.getvalue())
                                      for _ in range(6)])
        alive.cancel()
        return done, ticks

    photos.reencode = slow
    try:
        done, ticks = asyncio.run(six_at_once())
    finally:
        photos.reencode = original
    assert most[0] == 2 and len(done) == 6
    assert ticks > 20  # the loop kept running while the photos were decoded
