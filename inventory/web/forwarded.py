"""The client's address and scheme behind a reverse proxy (nginx in front of the instances).

`X-Forwarded-For` and `X-Forwarded-Proto` are believed only from the proxies the installation
names (INVENTORY_TRUSTED_PROXIES, addresses or networks; none by default): anybody else can
write those headers, and the sign-in throttle and the audit log must not take a visitor's word
for its address. The forwarded list is read from the right (each proxy appends the address it
saw): the first address that is not a trusted proxy is the client's. uvicorn's own handling of
these headers is off (`inventory serve`), so this is the one place that reads them."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: Sequence[Network]) -> bool:
    parsed = _address(address or "")
    return parsed is not None and any(parsed in network for network in trusted)


def client_address(peer: str | None, forwarded_for: str | None,
                   trusted: Sequence[Network]) -> str | None:
    """The client's address: the connection's peer, unless the peer is a trusted proxy; then
    the rightmost address of X-Forwarded-For that is not a trusted proxy (or the leftmost
    one when all are). A malformed entry stops the walk: what lies left of it is unverified."""
    if not forwarded_for or not is_trusted(peer, trusted):
        return peer
    entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
    client = peer
    for entry in reversed(entries):
        parsed = _address(entry)
        if parsed is None:
            break
        client = str(parsed)
        if not any(parsed in network for network in trusted):
            break
    return client


def forwarded_scheme(peer: str | None, forwarded_proto: str | None, scheme: str,
                     trusted: Sequence[Network]) -> str:
    """http or https as the client used it, when a trusted proxy says so."""
    if not forwarded_proto or not is_trusted(peer, trusted):
        return scheme
    # Several proxies may each add one: the first is the one the client spoke to.
    proto = forwarded_proto.split(",")[0].strip().lower()
    if proto not in {"http", "https"}:
        return scheme
    return proto


def networks(entries: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def forwarded_middleware(trusted_proxies: Sequence[str]):
    """Rewrites the request's client address and scheme from a trusted proxy's headers, before
    anything reads them (throttling, sessions, audit records). `trusted_proxies`: the
    setting's addresses and networks."""
    trusted = networks(trusted_proxies)

    def factory(app: ASGIApp) -> ASGIApp:
        if not trusted:
            return app  # nothing to believe: the connection's peer is the client

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] in {"http", "websocket"}:
                peer = scope.get("client")
                host = peer[0] if peer else None
                if is_trusted(host, trusted):
                    # Repeated headers count as one list, in the order received.
                    forwarded = ", ".join(value.decode("latin-1") for name, value
                                          in scope["headers"] if name == b"x-forwarded-for")
                    proto = next((value.decode("latin-1") for name, value in scope["headers"]
                                  if name == b"x-forwarded-proto"), "")
                    client = client_address(host, forwarded, trusted)
                    scheme = forwarded_scheme(host, proto, scope.get("scheme", "http"), trusted)
                    if scope["type"] == ScopeType.WEBSOCKET:
                        scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
                    if client is not None and client != host:
                        scope["client"] = (client, 0)
                    scope["scheme"] = scheme
            await app(scope, receive, send)

        return middleware

    return factory
