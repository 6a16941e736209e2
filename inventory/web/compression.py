"""Response compression for a weak link: Litestar's brotli compression (gzip for a client that
does not take brotli), applied to text only.

Litestar's middleware compresses every response over `minimum_size`; this one first looks
at the response: only text (HTML, CSS, JS, JSON, SVG, CSV...) of a known length is
compressed. Files that are already compressed (PNG, JPEG, PDF, XLSX, zip) would only cost
CPU, a response that already carries a Content-Encoding (the pre-compressed static files)
is left as it is, and a streamed response (no Content-Length: server-sent events, streamed
exports) keeps reaching the browser piece by piece instead of waiting for the end; a
stream of text compresses itself with `gzipped`."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from litestar.config.compression import CompressionConfig
from litestar.middleware.compression import CompressionMiddleware

COMPRESSIBLE_TYPES = ("text/", "application/javascript", "application/json",
                      "application/problem+json", "application/xml", "application/toml",
                      "image/svg+xml", "application/vnd.oai.openapi")
NEVER = ("text/event-stream",)


def header(headers: Any, name: bytes) -> bytes | None:
    """The value of `name` in ASGI raw headers (a list of (name, value) byte pairs)."""
    for key, value in headers or ():
        if key.lower() == name:
            return value
    return None


def compressible(headers: Any) -> bool:
    """Whether a response with these raw headers should be compressed."""
    content_type = (header(headers, b"content-type") or b"").decode("latin-1").lower()
    return (content_type.startswith(COMPRESSIBLE_TYPES)
            and not content_type.startswith(NEVER)
            and header(headers, b"content-encoding") is None
            and header(headers, b"content-length") is not None)


def accepts(accept_encoding: str, encoding: str) -> bool:
    """Whether an Accept-Encoding header value takes `encoding` (not refused with q=0)."""
    for part in accept_encoding.split(","):
        coding, _sep, params = part.strip().partition(";")
        if coding.strip().lower() in (encoding, "*") and params.replace(" ", "") not in (
                "q=0", "q=0.0"):
            return True
    return False


async def gzipped(pieces: AsyncIterable[bytes], level: int = 6) -> AsyncIterator[bytes]:
    """A streamed text response compressed by its producer: each piece is flushed as it is
    made, so the download keeps going out as it is written (the middleware leaves a stream
    alone, and gzip is what every client takes)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    async for piece in pieces:
        out = compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if out:
            yield out
    yield compressor.flush(zlib.Z_FINISH)


class TextCompressionMiddleware(CompressionMiddleware):
    def create_compression_send_wrapper(self, send, compression_encoding, scope):
        compressing = super().create_compression_send_wrapper(send, compression_encoding, scope)
        chosen = send

        async def send_wrapper(message) -> None:
            nonlocal chosen
            if message["type"] == "http.response.start":
                chosen = compressing if compressible(message.get("headers")) else send
            await chosen(message)

        return send_wrapper


def compression_config() -> CompressionConfig:
    # Brotli at quality 5: a page about 15 % smaller than gzip at level 6 for the same CPU
    # (static files are compressed once, at the highest levels, by inventory.web.static);
    # gzip at level 6 for clients that do not take brotli.
    return CompressionConfig(backend="brotli", brotli_quality=5, brotli_gzip_fallback=True,
                             gzip_compress_level=6, minimum_size=500,
                             middleware_class=TextCompressionMiddleware)
