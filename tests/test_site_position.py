"""Where a site is (issue 14: a technician's queue, nearest site first): the site form, the
API, the site page, the migration's column on both engines, and the home's order."""

from __future__ import annotations

import re

from tests.helpers import query


def test_the_site_form_takes_a_position_both_or_neither(empty_client, make):
    client = empty_client
    site = make.site(name="École du Port")
    make.sign_in(client, "administrator")
    form = client.get(f"/sites/{site['code']}/edit").text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form).group(1)
    values = {"_csrf_token": token, "version": "1", "name": site["name"], "code": site["code"],
              "kind": "elementaire"}
    # Half a position, and a latitude out of range: said next to each field, nothing saved.
    half = client.post(f"/sites/{site['code']}/edit", data={**values, "latitude": "47,2"})
    assert half.status_code == 400
    assert "Give both the latitude and the longitude, or neither." in half.text
    wrong = client.post(f"/sites/{site['code']}/edit",
                        data={**values, "latitude": "147", "longitude": "2,5"})
    assert wrong.status_code == 400 and "Between -90 and 90 degrees." in wrong.text
    assert query("SELECT latitude FROM site WHERE id = {}", site["id"])[0]["latitude"] is None
    # Typed the French way: saved, shown on the site's page with a map link.
    saved = client.post(f"/sites/{site['code']}/edit", follow_redirects=False,
                        data={**values, "latitude": "47,21773", "longitude": " 2,5650 "})
    assert saved.status_code == 303, saved.text
    row = query("SELECT latitude, longitude FROM site WHERE id = {}", site["id"])[0]
    assert (row["latitude"], row["longitude"]) == (47.21773, 2.565)
    page = client.get(f"/sites/{site['code']}").text
    assert "47.21773, 2.565" in page and "openstreetmap.org/?mlat=47.21773&amp;mlon=2.565" in page
    # The API reads and changes it; blank both to forget it.
    document = client.get(f"/api/v1/sites/{site['code']}").json()
    assert (document["latitude"], document["longitude"]) == (47.21773, 2.565)
    moved = client.patch(f"/api/v1/sites/{site['code']}",
                         json={"latitude": 47.3, "version": document["version"]})
    assert moved.status_code == 200 and moved.json()["latitude"] == 47.3
    assert moved.json()["longitude"] == 2.565
    half = client.patch(f"/api/v1/sites/{site['code']}",
                        json={"latitude": None, "version": moved.json()["version"]})
    assert half.status_code == 400 and set(half.json()["fields"]) == {"latitude"}
    forgotten = client.patch(f"/api/v1/sites/{site['code']}", json={
        "latitude": None, "longitude": None, "version": moved.json()["version"]})
    assert forgotten.status_code == 200 and forgotten.json()["latitude"] is None
    assert "openstreetmap" not in client.get(f"/sites/{site['code']}").text


def test_the_technicians_queue_comes_nearest_site_first(empty_client, make):
    client = empty_client
    alpha = make.site(name="École Alpha", latitude="47.32", longitude="2.565")
    zulu = make.site(name="École Zulu", latitude="47.2177", longitude="2.565")
    mike = make.site(name="École Mike")
    for site in (alpha, zulu, mike):
        make.fault(make.asset(site=site))
    make.sign_in(client, "technician")

    def schools(path: str) -> list[str]:
        page = client.get(path).text
        return re.findall(r'<h3 class="site-name">([^<]+?)\s*(?:<small|</h3>)', page)

    assert schools("/") == ["École Alpha", "École Mike", "École Zulu"]
    assert schools("/?near=47.215,2.565") == ["École Zulu", "École Alpha", "École Mike"]
    page = client.get("/?near=47.215,2.565").text
    assert "· 0.3 km" in page and "· 11.7 km" in page and 'id="near-off"' in page
    # A position that is not one is ignored: site order, and no error.
    assert schools("/?near=north") == ["École Alpha", "École Mike", "École Zulu"]
    assert schools("/?near=95,2") == ["École Alpha", "École Mike", "École Zulu"]
    # In French, the distance has a comma.
    client.headers["accept-language"] = "fr"
    assert "· 0,3 km" in client.get("/?near=47.215,2.565").text
