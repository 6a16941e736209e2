"""Static files with content-hashed names, read and compressed once at start.

`static_url("app.css")` names `/static/app.<hash>.css`: a browser keeps such a file for a
year without asking again (its name changes when its content does). The plain name
(`/static/app.css`) keeps working with a short cache, for anything that links to it
directly. Text files are compressed once, here, instead of on every request: brotli for the
browsers that take it (all current ones), gzip for the others."""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli
from litestar import HttpMethod, Request, Router, route
from litestar.params import FromPath
from litestar.response.base import ASGIResponse

from inventory.core.settings import PROJECT_ROOT
from inventory.web.compression import COMPRESSIBLE_TYPES, accepts

STATIC_DIR = PROJECT_ROOT / "static"
PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
BROTLI_BEST_UP_TO = 128 * 1024
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class StaticFile:
    name: str  # its path under static/, such as "vendor/pico.min.css"
    hashed: str  # "vendor/pico.min.<hash>.css"
    etag: str
    media_type: str
    body: bytes
    gzipped: bytes | None  # None when not text, or when gzip would not make it smaller
    brotli: bytes | None = None  # the same with brotli


def hashed_name(name: str, digest: str) -> str:
    folder, _sep, base = name.rpartition("/")
    stem, dot, suffix = base.rpartition(".")
    base = f"{stem}.{digest}.{suffix}" if dot and stem else f"{base}.{digest}"
    return f"{folder}/{base}" if folder else base


def _media_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed in ("application/javascript", "image/svg+xml"):  # text/* get theirs from Litestar
        return f"{guessed}; charset=utf-8"
    return guessed


def load(path: Path, name: str) -> StaticFile:
    return pack(name, path.read_bytes())


def pack(name: str, body: bytes) -> StaticFile:
    """A file's entry: its hashed name, its media type and its compressed forms."""
    digest = hashlib.sha256(body).hexdigest()[:10]
    media_type = _media_type(Path(name))
    gzipped = packed_br = None
    if media_type.startswith(COMPRESSIBLE_TYPES):
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
        # Brotli's best quality costs about a second per 100 KB: kept for the files every
        # page loads (style sheets, scripts), a quick one for the large vendored bundles.
        quality = 11 if len(body) <= BROTLI_BEST_UP_TO else 5
        packed = brotli.compress(body, quality=quality, mode=brotli.MODE_TEXT)
        packed_br = packed if len(packed) < len(body) else None
    return StaticFile(name=name, hashed=hashed_name(name, digest), etag=f'"{digest}"',
                      media_type=media_type, body=body, gzipped=gzipped, brotli=packed_br)


class StaticCatalog:
    """Every file under a folder, and the files made at start (`generated`: name -> body),
    by their plain and by their hashed names."""

    def __init__(self, folder: Path, generated: dict[str, bytes] | None = None):
        self.by_name: dict[str, StaticFile] = {}
        self.by_hashed: dict[str, StaticFile] = {}
        entries = [load(path, path.relative_to(folder).as_posix())
                   for path in sorted(folder.rglob("*"))
                   if path.is_file() and not path.name.startswith(".")]
        entries += [pack(name, body) for name, body in (generated or {}).items()]
        for entry in entries:
            self.by_name[entry.name] = entry
            self.by_hashed[entry.hashed] = entry

    def url(self, name: str) -> str:
        """The address of a static file by its content; an unknown name is a mistake in a
        template, found at once by the tests rather than by a browser's silent 404."""
        return PREFIX + self.by_name[name].hashed

    def find(self, name: str) -> tuple[StaticFile, bool] | None:
        """The file a request names, and whether it may be kept for good."""
        if name in self.by_hashed:
            return self.by_hashed[name], True
        if name in self.by_name:
            return self.by_name[name], False
        # A page from before an update names a former hash: serve today's file, briefly.
        older = _HASHED.match(name)
        if older and (entry := self.by_name.get(older["stem"] + older["suffix"])):
            return entry, False
        return None


@functools.cache
def catalog() -> StaticCatalog:
    from inventory.offline.words import word_files

    return StaticCatalog(STATIC_DIR, generated=word_files())


def static_url(name: str) -> str:
    return catalog().url(name)


def _respond(request: Request, file_path: str, is_head: bool) -> ASGIResponse:
    from litestar.exceptions import NotFoundException

    found = catalog().find(file_path.lstrip("/"))
    if found is None:
        raise NotFoundException()
    entry, forever = found
    headers: dict[str, Any] = {"cache-control": IMMUTABLE if forever else SHORT,
                               "etag": entry.etag}
    if entry.gzipped is not None:
        headers["vary"] = "Accept-Encoding"
    if request.headers.get("if-none-match") == entry.etag:
        return ASGIResponse(status_code=304, headers=headers, media_type=entry.media_type)
    body = entry.body
    taken = request.headers.get("accept-encoding", "")
    if entry.brotli is not None and accepts(taken, "br"):
        body = entry.brotli
        headers["content-encoding"] = "br"
    elif entry.gzipped is not None and accepts(taken, "gzip"):
        body = entry.gzipped
        headers["content-encoding"] = "gzip"
    if is_head:
        return ASGIResponse(headers=headers, media_type=entry.media_type, is_head_response=True,
                            content_length=len(body))
    return ASGIResponse(body=body, headers=headers, media_type=entry.media_type)


def static_router(opt: dict[str, Any]) -> Router:
    """GET and HEAD /static/{name}: `opt` carries the route's permission (public)."""

    @route("/{file_path:path}", http_method=[HttpMethod.GET, HttpMethod.HEAD], name="static",
           include_in_schema=False, opt=opt)
    async def static_file(request: Request, file_path: FromPath[str]) -> ASGIResponse:
        return _respond(request, file_path, is_head=request.method == HttpMethod.HEAD)

    return Router(path=PREFIX.rstrip("/"), route_handlers=[static_file])
