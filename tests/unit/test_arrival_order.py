"""The turnstile that starts requests in arrival order, one per turn of the event loop."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from inventory.web.arrival_order import Turnstile


class LoopTurns:
    """Counts the event loop's turns: a callback that schedules itself runs once per turn."""

    def __init__(self) -> None:
        self.count = 0
        self._running = True

    def start(self) -> None:
        asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        self._running = False

    def _tick(self) -> None:
        if self._running:
            self.count += 1
            asyncio.get_running_loop().call_soon(self._tick)


def test_requests_start_in_arrival_order_one_per_loop_turn():
    started: list[tuple[int, int]] = []

    async def request(number: int, turnstile: Turnstile, turns: LoopTurns) -> None:
        await turnstile.enter()
        started.append((number, turns.count))

    async def main() -> None:
        turnstile, turns = Turnstile(), LoopTurns()
        turns.start()
        # Twenty requests read in the same turn, as the loop does after a busy spell.
        await asyncio.gather(*(request(n, turnstile, turns) for n in range(20)))
        turns.stop()

    asyncio.run(main())
    assert [number for number, _turn in started] == list(range(20))
    turns_seen = [turn for _number, turn in started]
    assert len(set(turns_seen)) == 20, "two requests started in the same loop turn"


def test_a_request_alone_starts_at_once():
    async def main() -> int:
        turnstile, turns = Turnstile(), LoopTurns()
        turns.start()
        before = turns.count
        await turnstile.enter()
        turns.stop()
        return turns.count - before

    assert asyncio.run(main()) == 0


def test_a_request_that_waits_does_not_hold_up_the_next():
    """The turnstile orders starts only: a started request that awaits something slow lets
    the next one start, even when the first waits for the second."""

    async def main() -> list[str]:
        turnstile = Turnstile()
        second_started = asyncio.Event()
        done: list[str] = []

        async def first() -> None:
            await turnstile.enter()
            await second_started.wait()
            done.append("first")

        async def second() -> None:
            await turnstile.enter()
            second_started.set()
            done.append("second")

        await asyncio.wait_for(asyncio.gather(first(), second()), timeout=5)
        return done

    assert asyncio.run(main()) == ["second", "first"]


@pytest.mark.parametrize("cancel_after_turns", [0, 1, 2])
def test_a_cancelled_waiting_request_does_not_stop_the_queue(cancel_after_turns):
    """Cancelled while queued, or just after being handed the turn: the others still start."""

    async def main() -> list[int]:
        turnstile = Turnstile()
        started: list[int] = []

        async def request(number: int) -> None:
            await turnstile.enter()
            started.append(number)

        tasks = [asyncio.create_task(request(n)) for n in range(4)]
        for _ in range(cancel_after_turns):
            await asyncio.sleep(0)
        tasks[1].cancel()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
        assert any(isinstance(r, asyncio.CancelledError) for r in results) or 1 in started
        return started

    started = asyncio.run(main())
    assert [n for n in started if n != 1] == [0, 2, 3]


def test_a_new_event_loop_starts_with_an_empty_queue():
    """A loop that closed with the turn taken (its hand-over never ran) leaves nothing that
    blocks a request on the next loop: tests run several loops on one app."""
    turnstile = Turnstile()

    async def leave_turn_taken() -> None:
        asyncio.create_task(turnstile.enter())  # starts, and takes the turn
        asyncio.create_task(turnstile.enter())  # queues behind it
        await asyncio.sleep(0)  # both ran their first step; the hand-over is still to come
        assert turnstile.waiting == 1

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(leave_turn_taken())
    finally:
        loop.close()

    async def enter_again() -> None:
        await asyncio.wait_for(turnstile.enter(), timeout=2)

    asyncio.run(enter_again())


def test_many_rounds_keep_the_order():
    """Requests keep arriving while others wait: every batch starts in its arrival order,
    after the batches that came before it."""

    async def main() -> list[int]:
        turnstile = Turnstile()
        started: list[int] = []
        numbers = itertools.count()

        async def request(number: int) -> None:
            await turnstile.enter()
            started.append(number)

        tasks = []
        for _batch in range(5):
            tasks += [asyncio.create_task(request(next(numbers))) for _ in range(7)]
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        return started

    assert asyncio.run(main()) == list(range(35))
