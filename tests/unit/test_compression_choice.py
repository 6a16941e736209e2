import asyncio
import zlib

from inventory.web.compression import accepts, compressible, gzipped


def headers(**values: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").encode(), v.encode()) for k, v in values.items()]


def test_text_of_known_length_is_compressed():
    for kind in ("text/html; charset=utf-8", "text/css", "application/javascript",
                 "text/javascript; charset=utf-8", "application/json", "text/csv; charset=utf-8",
                 "image/svg+xml"):
        assert compressible(headers(content_type=kind, content_length="2000")), kind


def test_compressed_files_streams_and_encoded_responses_are_left_alone():
    for kind in ("application/pdf", "image/png", "image/jpeg", "application/zip",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        assert not compressible(headers(content_type=kind, content_length="2000")), kind
    # Streamed (no length): server-sent events and streamed exports go out as they come.
    assert not compressible(headers(content_type="text/event-stream"))
    assert not compressible(headers(content_type="text/csv"))
    assert not compressible(headers(content_type="text/event-stream", content_length="9"))
    assert not compressible(headers(content_type="text/css", content_length="2000",
                                    content_encoding="gzip"))
    assert not compressible([])


def test_accept_encoding_is_read_with_its_refusals():
    assert accepts("gzip, deflate, br", "gzip") and accepts("br;q=1.0, *;q=0.1", "gzip")
    assert not accepts("br", "gzip") and not accepts("", "gzip")
    assert not accepts("gzip;q=0, br", "gzip") and not accepts("GZIP; q=0.0", "gzip")


def test_a_stream_compressed_by_its_producer_can_be_read_piece_by_piece():
    """Each piece is flushed as it is made: what arrived so far decodes to the rows written
    so far, before the stream ends (a download keeps going out)."""
    rows = [f"BRN-{n:06d};Salle {n % 7};Écran\n".encode() * 40 for n in range(30)]

    async def source():
        for row in rows:
            yield row

    async def collect() -> list[bytes]:
        return [piece async for piece in gzipped(source())]

    pieces = asyncio.run(collect())
    reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for n, piece in enumerate(pieces[:len(rows)]):
        assert reader.decompress(piece) == rows[n]
    assert reader.decompress(b"".join(pieces[len(rows):])) == b"" and reader.eof
    assert len(b"".join(pieces)) < len(b"".join(rows)) / 4
