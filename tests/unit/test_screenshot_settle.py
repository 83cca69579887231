"""The replayed page's quiet: a screenshot waits for the routed requests, not for a fixed idle time."""

from __future__ import annotations

import asyncio
import time

from archiver.services.screenshots import _Traffic


def test_settles_once_no_request_is_in_flight_for_the_quiet_time() -> None:
    traffic = _Traffic()
    started = time.monotonic()
    assert asyncio.run(traffic.settled(0.05, 5.0)) is True
    assert time.monotonic() - started < 1.0


def test_waits_for_a_request_in_flight_and_gives_up_at_the_limit() -> None:
    traffic = _Traffic()

    async def slow_answer() -> bool:
        with traffic.request():
            return await traffic.settled(0.01, 0.2)  # the request never ends within the limit

    started = time.monotonic()
    assert asyncio.run(slow_answer()) is False
    assert time.monotonic() - started >= 0.2


def test_a_request_answered_late_restarts_the_quiet() -> None:
    traffic = _Traffic()

    async def scenario() -> float:
        async def late_request() -> None:
            await asyncio.sleep(0.05)
            with traffic.request():
                await asyncio.sleep(0.05)

        task = asyncio.create_task(late_request())
        started = time.monotonic()
        assert await traffic.settled(0.2, 5.0)
        await task
        return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.3  # 0.1 s until the answer ended, then 0.2 s of quiet
