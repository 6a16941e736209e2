"""Serve requests in the order they arrive, starting them one at a time between turns of the
event loop.

Why: a page that awaits nothing slow (the asset page: its queries run on the loop's own
SQLite connection) runs from start to end in one go. Left alone, the event loop reads every
request that arrived during its last turn (the kernel's readiness order, which is not
arrival order) and then runs them all before it looks at its sockets again. Under load, one
request of each such batch had arrived first but ran last, and waited two batches instead of
one: with 16 connections, the asset page's p99 was twice its p50 (bench/README.md).

Here a request starts at once when nothing else is waiting; otherwise it queues, and the
queue hands out starts one at a time, each on a later turn of the loop than the one before
(every other turn: handing over is one turn, the start the next), so the loop reads its
sockets between two starts and the queue keeps arrival order. A request that awaits
something slow (a query on a pool thread, a form upload) lets the next one start: the
turnstile orders starts, it never makes one request wait for another to finish."""

from __future__ import annotations

import asyncio
from collections import deque

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send


class Turnstile:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._turn_taken = False

    async def enter(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests start several): nothing carries over
            self._loop, self._waiting, self._turn_taken = loop, deque(), False
        if self._turn_taken or self._waiting:
            ticket = loop.create_future()
            self._waiting.append(ticket)
            try:
                await ticket
            except BaseException:  # cancelled (or stopped) while waiting
                if ticket.done() and not ticket.cancelled() and not loop.is_closed():
                    loop.call_soon(self._next_turn)  # it had been handed the turn: pass it on
                raise
        self._turn_taken = True
        # Runs on the loop's next turn, after it has read its sockets again.
        loop.call_soon(self._next_turn)

    def _next_turn(self) -> None:
        while self._waiting:
            ticket = self._waiting.popleft()
            if not ticket.done():  # skip tickets whose request was cancelled while waiting
                ticket.set_result(None)  # the turn stays taken until that request runs
                return
        self._turn_taken = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)


def arrival_order_middleware():
    """One turnstile for the whole app: Litestar builds a middleware stack per route, so the
    turnstile is made here, outside the per-route factory."""
    turnstile = Turnstile()

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP:
                await turnstile.enter()
            await app(scope, receive, send)

        return middleware

    return factory
