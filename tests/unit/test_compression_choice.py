from inventory.web.compression import compressible


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
