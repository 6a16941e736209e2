"""What a scanned or typed label value opens. Pure: no DB, no HTTP. static/scan.js applies
the same rule in the browser; tests check both."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from inventory.assets.rules import looks_like_tag, normalise_tag

_OUR_PATH = re.compile(r"^/(a|rooms)/[A-Za-z0-9-]{1,40}$")
# A tag's number as people type it: "23", "000023", "BRN-23", "brn 23", "BRN23".
_NUMBER = re.compile(r"^(?:([A-Za-z][A-Za-z0-9]{0,15}?)[- ]?)?0*(\d{1,12})$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """"https://host[:port]" of `url`, lower case, the scheme's default port left out."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    shown = "" if port in (None, _DEFAULT_PORTS.get(scheme)) else f":{port}"
    return f"{scheme}://{host}{shown}"


def scanned_target(text: str, own: Iterable[str]) -> tuple[str, str]:
    """("open", path) for a label of this installation (its address is one of `own`, the
    addresses it is reached at), ("foreign", address) for a label of another installation
    (same /a/{tag} path, another host: never opened as ours), ("tag", TAG) for a typed tag,
    ("search", text) for anything else."""
    value = (text or "").strip()
    if "://" in value:
        parts = urlsplit(value)
        ours = {origin(o) for o in own} - {""}
        if origin(value) in ours:
            path = parts.path.rstrip("/")
            return ("open", path) if _OUR_PATH.match(path) else ("search", value)
        return "foreign", value
    if value.startswith("/") and _OUR_PATH.match(value.rstrip("/")):
        return "open", value.rstrip("/")
    if looks_like_tag(value):
        return "tag", normalise_tag(value)
    return "search", value


def typed_number(text: str) -> tuple[str, int] | None:
    """(prefix or "", number) when `text` is a tag's number as people type it ("23",
    "000023", "BRN-23"), else None: the scan box then looks for the one tag with that
    number before searching the text."""
    match = _NUMBER.match((text or "").strip())
    if not match or int(match.group(2)) < 1:
        return None
    return (match.group(1) or "").upper(), int(match.group(2))


def numbered_tags(prefix: str, number: int, max_digits: int = 12) -> list[str]:
    """Every way a tag of `prefix` may write `number` (BRN-23, BRN-023, ... BRN-000000000023):
    tags keep the zero padding they were given, whatever its width."""
    digits = str(number)
    return [f"{prefix}-{digits.rjust(width, '0')}"
            for width in range(len(digits), max(len(digits), max_digits) + 1)]
