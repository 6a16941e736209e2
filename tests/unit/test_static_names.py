from pathlib import Path

from inventory.web.static import IMMUTABLE, StaticCatalog, hashed_name


def test_hashed_names_keep_the_suffix_and_folder():
    assert hashed_name("app.css", "0123456789") == "app.0123456789.css"
    assert hashed_name("vendor/pico.min.css", "abcdef0123") == "vendor/pico.min.abcdef0123.css"
    assert hashed_name("LICENSE", "abcdef0123") == "LICENSE.abcdef0123"


def test_catalog_names_by_content(tmp_path: Path):
    (tmp_path / "a.css").write_text("body { color: red }\n" * 100)
    (tmp_path / "b.png").write_bytes(b"\x89PNG" + bytes(range(256)) * 4)
    first = StaticCatalog(tmp_path)
    url = first.url("a.css")
    assert url.startswith("/static/a.") and url.endswith(".css")
    entry, forever = first.find(url.removeprefix("/static/"))
    assert forever and entry.name == "a.css"
    assert entry.gzipped is not None and len(entry.gzipped) < len(entry.body)
    assert first.find("b.png")[0].gzipped is None  # already compressed: sent as it is
    assert first.find("a.css")[1] is False
    (tmp_path / "a.css").write_text("body { color: blue }\n")
    assert StaticCatalog(tmp_path).url("a.css") != url  # new content, new name
    assert IMMUTABLE.endswith("immutable")
