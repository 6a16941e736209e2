"""Offline field work (issue 14): idempotency keys on the JSON API writes a phone queues, the
"seen here" endpoint with the version the phone saw, what "take this site offline" keeps,
and the installable app's files (manifest, service worker). Both engines."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading

from tests.helpers import count, execute, query


def _site_with_devices(make):
    site = make.site()
    hall, lab = make.room(site, name="Salle 1"), make.room(site, name="Salle 2")
    first = make.asset(site=site, room=hall)
    second = make.asset(site=site, room=lab)
    return site, hall, lab, first, second


def _post(client, path, body, key=None):
    headers = {"idempotency-key": key} if key else {}
    return client.post(path, content=json.dumps(body),
                       headers={"content-type": "application/json", **headers})


def test_a_repeated_key_is_applied_once_and_answers_the_first_answer(empty_client, make):
    _site, _hall, _lab, device, _other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    path = f"/api/v1/assets/{device['tag']}/interventions"
    body = {"kind": "repair", "minutes_spent": 20, "notes": "Lampe changée"}
    first = _post(empty_client, path, body, key="phone-action-0001")
    again = _post(empty_client, path, body, key="phone-action-0001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replay") == "true"
    assert count("intervention", "asset = {}", device["id"]) == 1
    assert count("idempotent_request") == 1
    # Another key is another action.
    assert _post(empty_client, path, body, key="phone-action-0002").status_code == 201
    assert count("intervention", "asset = {}", device["id"]) == 2
    # Without a key, as before: applied each time.
    assert _post(empty_client, path, body).status_code == 201
    assert count("intervention", "asset = {}", device["id"]) == 3


def test_each_queued_kind_is_idempotent(empty_client, make):
    site, hall, lab, device, other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    version = query("SELECT version FROM asset WHERE id = {}", other["id"])[0]["version"]
    calls = [
        (f"/api/v1/assets/{device['tag']}/seen", {}, 200),
        (f"/api/v1/assets/{other['tag']}/move",
         {"site": site["code"], "room": hall["id"], "version": version}, 200),
        ("/api/v1/faults", {"asset": device["tag"], "symptom": "other",
                            "description": "Ne s'allume plus"}, 201),
    ]
    for n, (path, body, status) in enumerate(calls):
        key = f"kind-{n}-0123456789"
        first = _post(empty_client, path, body, key)
        again = _post(empty_client, path, body, key)
        assert first.status_code == again.status_code == status, first.text
        assert again.json() == first.json()
    assert count("fault", "asset = {}", device["id"]) == 1
    assert count("audit_record", "entity_key = {} AND action = 'move'", other["tag"]) == 1
    assert count("audit_record", "entity_key = {} AND action = 'seen'", device["tag"]) == 1
    assert query("SELECT room FROM asset WHERE id = {}", other["id"])[0]["room"] == hall["id"]


def test_keys_are_forgotten_after_ninety_days(empty_client, make):
    _site, _hall, _lab, device, _other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    execute("INSERT INTO idempotent_request (key, user_id, fingerprint, status, answer, "
            "created_at) VALUES ('1:old-key-0000001', 1, '', 201, {}, {})", "{}", long_ago)
    assert _post(empty_client, f"/api/v1/assets/{device['tag']}/interventions", {},
                 key="new-key-00000001").status_code == 201
    assert [r["key"] for r in query("SELECT key FROM idempotent_request")] == [
        f"{query('SELECT user_id FROM idempotent_request')[0]['user_id']}:new-key-00000001"]


def test_a_key_belongs_to_its_account_and_its_request(empty_client, make):
    _site, _hall, _lab, device, other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    path = f"/api/v1/assets/{device['tag']}/interventions"
    assert _post(empty_client, path, {"notes": "Un"}, key="shared-key-000001").status_code == 201
    # The same key for another request is a mistake the client hears about.
    refused = _post(empty_client, f"/api/v1/assets/{other['tag']}/interventions",
                    {"notes": "Deux"}, key="shared-key-000001")
    assert refused.status_code == 400
    assert "idempotency_key" in refused.json()["fields"]
    # Another person's same key is theirs: applied, never answered with the first's answer.
    make.sign_in(empty_client, "technician")
    theirs = _post(empty_client, path, {"notes": "Un"}, key="shared-key-000001")
    assert theirs.status_code == 201
    assert count("intervention", "asset = {}", device["id"]) == 2
    # A badly formed key is refused before anything is done.
    assert _post(empty_client, path, {}, key="x").status_code == 400
    assert count("intervention", "asset = {}", device["id"]) == 2


def test_a_refused_action_stores_nothing_and_is_checked_again(empty_client, make):
    site, hall, _lab, device, _other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    path = f"/api/v1/assets/{device['tag']}/interventions"
    bad = _post(empty_client, path, {"done_on": "2999-01-01"}, key="refused-000000001")
    assert bad.status_code == 400
    assert count("idempotent_request") == 0 and count("intervention") == 0
    # The server checks what a phone sends as if typed: a director outside the site gets 404.
    other_site = make.site()
    make.sign_in(empty_client, "director", sites=[other_site])
    hidden = _post(empty_client, "/api/v1/faults", {"asset": device["tag"], "symptom": "other",
                                                     "description": "x"}, key="scoped-00000001")
    assert hidden.status_code == 400 and count("fault") == 0
    assert site["code"] != other_site["code"] and hall["site"]


def test_a_stale_version_is_a_conflict_with_both_versions(empty_client, make):
    site, hall, lab, device, _other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    seen_version = query("SELECT version FROM asset WHERE id = {}", device["id"])[0]["version"]
    # Meanwhile another account moves it.
    moved = _post(empty_client, f"/api/v1/assets/{device['tag']}/move",
                  {"site": site["code"], "room": lab["id"], "version": seen_version})
    assert moved.status_code == 200
    # The phone's queued actions, with the version it saw.
    for n, (path, body) in enumerate(((f"/api/v1/assets/{device['tag']}/move",
                        {"site": site["code"], "room": hall["id"], "version": seen_version}),
                       (f"/api/v1/assets/{device['tag']}/seen", {"version": seen_version}),
                       (f"/api/v1/assets/{device['tag']}/interventions",
                        {"notes": "Fait", "version": seen_version}),
                       ("/api/v1/faults", {"asset": device["tag"], "symptom": "other",
                                           "description": "x", "version": seen_version}))):
        answer = _post(empty_client, path, body, key=f"stale-{n}-0000001")
        assert answer.status_code == 409, answer.text
        current = answer.json()["current"]
        assert current["version"] == seen_version + 1 and current["room"] == lab["id"]
    assert query("SELECT room FROM asset WHERE id = {}", device["id"])[0]["room"] == lab["id"]
    assert query("SELECT last_seen_on FROM asset WHERE id = {}",
                 device["id"])[0]["last_seen_on"] is None
    assert count("idempotent_request") == 0
    assert count("intervention") == 0 and count("fault") == 0
    # Sent again over the current version (the technician's choice): applied.
    again = _post(empty_client, f"/api/v1/assets/{device['tag']}/seen",
                  {"version": seen_version + 1}, key="stale-resolved-01")
    assert again.status_code == 200 and again.json()["last_seen_on"]


def test_concurrent_sends_with_one_key_apply_once(empty_client, make):
    _site, _hall, _lab, device, _other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    path = f"/api/v1/assets/{device['tag']}/interventions"
    answers = []

    def send():
        answers.append(_post(empty_client, path, {"notes": "Même envoi"},
                             key="concurrent-000001").status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * 4
    assert count("intervention", "asset = {}", device["id"]) == 1


def test_seen_needs_its_permission(empty_client, make):
    _site, _hall, _lab, device, _other = _site_with_devices(make)
    make.sign_in(empty_client, "planner")
    assert _post(empty_client, f"/api/v1/assets/{device['tag']}/seen", {}).status_code == 403


def test_what_a_site_keeps(empty_client, make):
    site, hall, lab, first, second = _site_with_devices(make)
    gone = make.asset(site=site, room=hall)
    make.sign_in(empty_client, "technician")
    empty_client.post(f"/api/v1/assets/{gone['tag']}/status",
                      json={"status": "retired", "version": 1})
    kept = empty_client.get(f"/sites/{site['code']}/offline")
    assert kept.status_code == 200
    body = kept.json()
    assert body["site"] == site["code"] and body["kept_at"]
    assert [d["tag"] for d in body["devices"]] == sorted([first["tag"], second["tag"]])
    device = next(d for d in body["devices"] if d["tag"] == first["tag"])
    assert device["room"] == hall["id"] and device["room_name"] == "Salle 1"
    assert device["version"] >= 1
    assert {"id": lab["id"], "name": "Salle 2"} in body["rooms"]
    assert f"/a/{first['tag']}" in body["pages"] and f"/rooms/{lab['id']}" in body["pages"]
    assert f"/faults/new?asset={second['tag']}" in body["pages"]
    assert f"/a/{gone['tag']}" not in body["pages"]
    assert all(s.startswith("/static/") for s in body["static"])
    for page in body["pages"] + body["static"]:  # every kept address answers
        assert empty_client.get(page).status_code == 200, page
    # A director, a planner: no offline site (their tools are elsewhere).
    make.sign_in(empty_client, "planner")
    assert empty_client.get(f"/sites/{site['code']}/offline").status_code == 403


def test_the_button_is_there_for_technicians_only(empty_client, make):
    site = make.site()
    make.sign_in(empty_client, "technician")
    page = empty_client.get(f"/sites/{site['code']}").text
    assert 'id="offline-take" hidden' in page  # shown by offline.js only
    make.sign_in(empty_client, "director", sites=[site])
    assert 'id="offline-take"' not in empty_client.get(f"/sites/{site['code']}").text


def test_installable_app_files(empty_client):
    manifest = empty_client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert empty_client.get(icon["src"]).status_code == 200
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}
    worker = empty_client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "__IDB_URL__" not in worker.text and "/static/vendor/idb.umd." in worker.text
    # The strict policy stays: no inline script, workers from this site only.
    policy = worker.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy
    page = empty_client.get("/offline")
    assert page.status_code == 200 and 'id="offline-queue"' in page.text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page.text


def offline_words(client, language: str) -> dict[str, str]:
    """The words the page's offline.js gets: the script named in its data-scripts list."""
    client.cookies.set("lang", language)
    page = client.get("/offline").text
    address = re.search(r'(/static/offline-words\.(\w+)\.[0-9a-f]{10}\.js)', page)
    assert address and address.group(2) == language, "the page names its language's words"
    script = client.get(address.group(1))
    assert script.status_code == 200 and "immutable" in script.headers["cache-control"]
    assert script.text.startswith("window.inventoryOfflineWords = ")
    return json.loads(script.text.removeprefix("window.inventoryOfflineWords = ").rstrip(";\n"))


def test_offline_words_are_translated(empty_client):
    french = offline_words(empty_client, "fr")
    assert french["queued"].startswith("Gardé sur ce téléphone")
    assert "{n}" in french["waiting"] and "%(" not in french["waiting"]
    english = offline_words(empty_client, "en")
    assert english["queued"].startswith("Kept on this phone")
    assert english.keys() == french.keys()
    # Not in every page any more: the words were ~0.9 KB of each compressed page.
    assert "offline-strings" not in empty_client.get("/offline").text


def test_kept_sites_keep_the_words_of_both_languages():
    from inventory.offline.rules import STATIC_FILES

    assert {"offline-words.fr.js", "offline-words.en.js"} <= set(STATIC_FILES)


def _audit(client, site) -> int:
    """An inventory audit of the site started as the page starts one; its id."""
    token = client.cookies.get("csrftoken")
    started = client.post(f"/sites/{site['code']}/inventory", data={"_csrf_token": token},
                          follow_redirects=False)
    assert started.status_code == 303, started.text
    return int(started.headers["location"].rsplit("/", 1)[1])


def test_an_audit_scan_queued_on_a_phone_is_recorded_once(empty_client, make):
    site, hall, lab, here, moved = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    audit = _audit(empty_client, site)
    path = f"/api/v1/campaigns/{audit}/checks"
    first = _post(empty_client, path, {"tag": here["tag"], "room": hall["id"]}, key="scan-0001")
    again = _post(empty_client, path, {"tag": here["tag"], "room": hall["id"]}, key="scan-0001")
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and again.headers.get("idempotent-replay") == "true"
    assert first.json()["result"] == "found" and first.json()["found_room"] == hall["id"]
    # Registered in another room: found elsewhere, as the page says it; a label that is not
    # ours: unknown. Written as the lower-case label a person types.
    other = _post(empty_client, path, {"tag": moved["tag"].lower(), "room": hall["id"]},
                  key="scan-0002")
    assert other.status_code == 201 and other.json()["result"] == "elsewhere"
    assert other.json()["tag"] == moved["tag"] and other.json()["expected_room"] == lab["id"]
    stranger = _post(empty_client, path, {"tag": "ZZZ-000999", "room": hall["id"]},
                     key="scan-0003")
    assert stranger.status_code == 201 and stranger.json()["result"] == "unknown"
    assert count("campaign_check", "campaign = {}", audit) == 3
    # Refused as the page refuses it: a room of another site, a closed audit (nothing kept).
    elsewhere = make.room(make.site(), name="Ailleurs")
    refused = _post(empty_client, path, {"tag": here["tag"], "room": elsewhere["id"]},
                    key="scan-0004")
    assert refused.status_code == 400 and "room" in refused.json()["fields"]
    token = empty_client.cookies.get("csrftoken")
    empty_client.post(f"/inventory/{audit}/close", data={"_csrf_token": token, "confirm": "1"})
    closed = _post(empty_client, path, {"tag": here["tag"], "room": hall["id"]}, key="scan-0005")
    assert closed.status_code == 400 and "campaign" in closed.json()["fields"]
    assert count("campaign_check", "campaign = {} AND result != 'missing'", audit) == 3
    assert count("idempotent_request") == 3


def test_an_audit_scan_keeps_the_audit_page_s_permission(empty_client, make):
    site, hall, _lab, here, _other = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    audit = _audit(empty_client, site)
    body = {"tag": here["tag"], "room": hall["id"]}
    assert _post(empty_client, f"/api/v1/campaigns/{audit + 1}/checks", body).status_code == 404
    for role, sites in (("viewer", None), ("director", [site])):
        make.sign_in(empty_client, role, **({"sites": sites} if sites else {}))
        answer = _post(empty_client, f"/api/v1/campaigns/{audit}/checks", body)
        assert answer.status_code == 403, (role, answer.text)
    assert count("campaign_check") == 0


def test_a_site_keeps_its_audit_in_progress(empty_client, make):
    site, hall, lab, _first, _second = _site_with_devices(make)
    make.sign_in(empty_client, "technician")
    kept = empty_client.get(f"/sites/{site['code']}/offline").json()
    assert not any(page.startswith("/inventory/") for page in kept["pages"])
    audit = _audit(empty_client, site)
    kept = empty_client.get(f"/sites/{site['code']}/offline").json()
    assert {f"/inventory/{audit}", f"/inventory/{audit}?room={hall['id']}",
            f"/inventory/{audit}?room={lab['id']}"} <= set(kept["pages"])
    assert any("/audit." in address for address in kept["static"])
    room_page = empty_client.get(f"/inventory/{audit}?room={hall['id']}").text
    assert "/static/audit." in room_page.split("<main", 1)[1]  # loaded by the page itself
    assert "<script" not in room_page.split("<title>", 1)[1].split("</title>", 1)[0]
