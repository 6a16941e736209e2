"""Script tags and quotes typed into any free-text field are inert wherever they are shown."""

from tests.factories import uai
from tests.helpers import edit_form, query

PAYLOAD = '<script>alert("x")</script><img src=x onerror="alert(1)">\'"'


def _inert(html: str, where: str) -> None:
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    assert 'onerror="alert(1)"' not in html, where


def test_every_free_text_field_is_escaped_everywhere(empty_client, make):
    client = empty_client
    code = make.site(uai=uai(750_654), postal_code="99100", director_phone="01 99 00 12 34",
                     director_email="direction@ecole.example")["code"]
    make.asset(site=code)  # the lists show more than the one asset made below
    site = query("SELECT * FROM site WHERE code = {}", code)[0]
    site_form = {k: site[k] or "" for k in ("code", "kind", "uai", "postal_code", "director_phone",
                                             "director_email")}
    site_form.update(name=f"École {PAYLOAD}", address=PAYLOAD, city=PAYLOAD,
                     director_name=PAYLOAD, organisation=PAYLOAD, notes=PAYLOAD,
                     version=site["version"])
    assert client.post(f"/sites/{code}/edit", data=site_form,
                       follow_redirects=False).status_code == 303
    room = client.post(f"/sites/{code}/rooms/new", data={
        "name": f"Salle {PAYLOAD}", "kind": "classroom", "floor": PAYLOAD[:40], "notes": PAYLOAD},
        follow_redirects=False)
    room_url = room.headers["location"]
    room_id = int(room_url.rsplit("/", 1)[1])
    assert client.post("/categories/new", data={
        "code": "XSS", "name": f"Cat {PAYLOAD}", "lifespan_years": "5"},
        follow_redirects=False).status_code == 303
    assert client.post("/models/new", data={"category": "XSS", "manufacturer": PAYLOAD,
                                            "name": f"Model {PAYLOAD}"},
                       follow_redirects=False).status_code == 303
    model_id = query("SELECT id FROM equipment_model WHERE manufacturer = {}", PAYLOAD)[0]["id"]
    created = client.post("/assets/new", data={
        "site": code, "room": str(room_id), "category": "XSS", "model": str(model_id),
        "serial": PAYLOAD[:100], "supplier": PAYLOAD, "order_ref": PAYLOAD[:100],
        "holder": PAYLOAD, "hostname": PAYLOAD[:100], "firmware": PAYLOAD[:60],
        "notes": PAYLOAD, "status": "in_service"}, follow_redirects=False)
    assert created.status_code == 303, created.text
    tag = created.headers["location"].rsplit("/", 1)[1]
    client.post(f"/a/{tag}/edit", data=edit_form(client, tag, notes=PAYLOAD + " edited"))
    assert client.post("/admin/users/new", data={
        "email": "xss@commune.example", "name": PAYLOAD, "role": "viewer",
        "password": "Long-enough-secret"}, follow_redirects=False).status_code == 303

    pages = ["/", "/sites", f"/sites/{code}", f"/sites/{code}/edit", room_url,
             f"{room_url}/edit", "/assets", "/assets?q=script", f"/assets?site={code}",
             f"/a/{tag}", f"/a/{tag}/edit", f"/a/{tag}/move", "/categories", "/categories/XSS/edit",
             f"/models/{model_id}/edit", "/admin/users", "/admin/audit",
             "/assets?q=" + PAYLOAD]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        _inert(response.text, path)
    # A search for the payload echoes it back inside the search box, escaped.
    assert "&lt;script&gt;" in client.get("/assets", params={"q": PAYLOAD}).text


def test_unexpected_errors_show_a_friendly_page(empty_client, make, monkeypatch):
    client = empty_client
    make.asset()
    from inventory.dashboard import service

    async def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(service, "classroom_coverage", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side." in response.text
    assert "simulated failure" not in response.text and "Traceback" not in response.text
    api = client.get("/api/v1/assets/NOPE-1")
    assert api.status_code == 404
