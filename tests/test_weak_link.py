"""Fast on a weak link (issue 14): text compressed, already-compressed files left alone,
static files named by their content and kept by the browser for good.

The HTTP tests here stay on the demo commune (but the one on static files alone): they
measure what its real-sized pages, exports and labels weigh on the wire."""

from __future__ import annotations

import re

from litestar import get
from litestar.response import ServerSentEvent, Stream
from litestar.testing import create_test_client

from inventory.web.compression import compression_config
from tests.helpers import query

IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_REF = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _static_refs(html: str) -> list[str]:
    return STATIC_REF.findall(html)


def test_pages_and_static_text_are_compressed(client):
    # On the demo: a real-sized device page and style sheets, compressed on the wire.
    page = client.get("/a/BRN-000001", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in page.headers["vary"].lower()
    assert "BRN-000001" in page.text  # the client undid the gzip: the page is whole
    css_url = next(u for u in _static_refs(page.text) if u.endswith(".css")
                   and "app." in u)
    for url in (css_url, "/static/app.css", "/static/vendor/htmx.min.js"):
        css = client.get(url, headers={"accept-encoding": "gzip"})
        assert css.status_code == 200, url
        assert css.headers["content-encoding"] == "gzip", url
        assert int(css.headers["content-length"]) < len(css.content), url


def test_browsers_get_brotli_pages_and_static_files(client):
    """Current browsers take brotli: pages compressed on the fly, static files compressed once
    at the best quality, smaller than gzip; a client that asks for both gets brotli."""
    # On the demo: a real-sized device page; brotli weighed against gzip.
    import brotli

    both = "gzip, deflate, br, zstd"
    page = client.get("/a/BRN-000001", headers={"accept-encoding": both})
    assert page.status_code == 200 and page.headers["content-encoding"] == "br"
    assert "accept-encoding" in page.headers["vary"].lower()
    assert "BRN-000001" in page.text
    css_url = next(u for u in _static_refs(page.text) if "pico" in u)
    with client.stream("GET", css_url, headers={"accept-encoding": both}) as answer:
        packed = b"".join(answer.iter_raw())
        assert answer.headers["content-encoding"] == "br"
        assert answer.headers["cache-control"] == IMMUTABLE
        assert "accept-encoding" in answer.headers["vary"].lower()
    gzipped = client.get(css_url, headers={"accept-encoding": "gzip"})
    assert len(packed) < int(gzipped.headers["content-length"]) < len(gzipped.content)
    assert brotli.decompress(packed) == gzipped.content
    # The trimmed Pico build (scripts/pico.scss): under 10 KB on the wire.
    assert len(packed) < 10_000


def test_no_compression_for_a_client_that_does_not_ask(client):
    # On the demo, as the compressed cases above it mirrors.
    page = client.get("/a/BRN-000001", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in page.headers
    css = client.get("/static/app.css", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in css.headers
    assert int(css.headers["content-length"]) == len(css.content)
    assert b".site-header" in css.content or len(css.content) > 1000


def test_already_compressed_downloads_are_not_compressed_again(client):
    # On the demo: a label sheet and exports of a real school's devices.
    pdf = client.get("/labels/assets.pdf?site=EM-FONTAINE&format=avery-l7160",
                     headers={"accept-encoding": "gzip"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "content-encoding" not in pdf.headers
    xlsx = client.get("/exports/assets?site=GS-FERRY&category=TNI&format=xlsx",
                      headers={"accept-encoding": "gzip"})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert "content-encoding" not in xlsx.headers
    # A CSV is text: compressed, and the same rows reach the reader.
    csv = client.get("/exports/assets?site=GS-FERRY&category=TNI&format=csv",
                     headers={"accept-encoding": "gzip"})
    assert csv.status_code == 200 and csv.headers["content-encoding"] == "gzip"
    assert csv.content.count(b"\n") > 1


def test_json_api_is_compressed(client):
    # On the demo: the API's first page of a real-sized fleet.
    answer = client.get("/api/v1/assets", headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.json()


def test_htmx_fragments_still_arrive_whole(client):
    # On the demo: a real school's list as an htmx fragment.
    page = client.get("/assets?site=GS-FERRY", headers={"hx-request": "true",
                                                        "accept-encoding": "gzip"})
    assert page.status_code == 200
    assert "<html" not in page.text.lower()
    assert "BRN-" in page.text


def test_static_urls_of_every_page_resolve_and_are_immutable(client_as):
    # On the demo: every role's filled pages (and its plan's print) name every static file.
    pages = {
        "anonymous": ["/login"],
        "administrator": ["/", "/assets", "/a/BRN-000001", "/scan", "/sites", "/admin/users",
                          "/faults", "/maintenance", "/plans", "/nothing-here"],
        "technician": ["/", "/scan", "/a/BRN-000001"],
        "director": ["/"],
    }
    seen: set[str] = set()
    for role, paths in pages.items():
        client = client_as(role)
        for path in paths:
            html = client.get(path).text
            refs = _static_refs(html)
            assert refs, f"{path} names no static file"
            seen.update(refs)
    plan = query("SELECT id FROM renewal_plan ORDER BY id LIMIT 1")[0]["id"]  # the demo's
    printed = _static_refs(client_as("administrator").get(f"/plans/{plan}/print").text)
    assert printed
    seen.update(printed)
    client = client_as("anonymous")  # static files need no account
    for url in sorted(seen):
        assert re.search(r"\.[0-9a-f]{10}\.[a-z]+$", url), url  # named by content
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == IMMUTABLE, url
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_plain_static_names_keep_working_with_a_short_cache(empty_client, make):
    anonymous = empty_client  # static files need no data and no account
    make.sign_out(anonymous)
    answer = anonymous.get("/static/app.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert "immutable" not in answer.headers["cache-control"]
    assert "max-age=300" in answer.headers["cache-control"]
    again = anonymous.get("/static/app.css", headers={"if-none-match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # A page from before an update names a former hash: today's file, not kept for good.
    older = anonymous.get("/static/app.0123456789.css")
    assert older.status_code == 200 and older.content == answer.content
    assert "immutable" not in older.headers["cache-control"]
    assert anonymous.get("/static/nothing.css").status_code == 404
    assert anonymous.get("/static/../pyproject.toml").status_code == 404
    head = anonymous.head("/static/app.css")
    assert head.status_code == 200 and head.content == b""


def test_pages_send_no_script_they_do_not_use(client):
    """The asset page and the scan page use no htmx, and the scan page leaves the QR decoder
    (257 KB) to its script, which fetches it only for a camera without BarcodeDetector."""
    # On the demo: the scripts its filled device, scan and list pages load.
    for path in ("/a/BRN-000001", "/scan"):
        html = client.get(path).text
        assert "htmx.min" not in html, path
        assert not re.search(r"\shx-(get|post|target|trigger|swap|boost)", html), path
    scan = client.get("/scan").text
    assert not any("jsQR" in ref for ref in _static_refs(scan))
    decoder = re.search(r'data-decoder="([^"]+)"', scan).group(1)
    assert client.get(decoder).status_code == 200
    assert "htmx.min" in client.get("/assets").text  # the list filters in place with htmx


def test_streamed_responses_are_not_held_back_by_compression():
    """A streamed response (an export, server-sent events) has no length: it goes out piece
    by piece, uncompressed, under the app's own compression settings."""

    def rows():
        for n in range(200):
            yield f"row {n};" * 10 + "\n"

    @get("/stream")
    async def stream() -> Stream:
        return Stream(rows(), media_type="text/csv")

    @get("/events")
    async def events() -> ServerSentEvent:
        return ServerSentEvent(iter(["one", "two"]))

    @get("/page")
    async def page() -> str:
        return "word " * 400

    with create_test_client([stream, events, page], compression_config=compression_config()) as c:
        answer = c.get("/stream", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in answer.headers
        assert answer.text.count("\n") == 200
        sse = c.get("/events", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in sse.headers and "two" in sse.text
        assert c.get("/page", headers={"accept-encoding": "gzip"}).headers[
            "content-encoding"] == "gzip"
