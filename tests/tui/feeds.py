"""Frozen feeds for the coach view, and the helpers that feed them to it: the messages
``anklet demo --headless`` prints for a scenario with a fixed seed (the live pipeline gives
the same messages at any replay speed), fed to the app without real time."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from anklet.cli import main
from anklet.gait import load_athlete
from anklet.tui import CoachApp

FEEDS = {  # scenario: session length, s (long enough for the flags and results to show)
    "restricted_pf_right": 50,
    "squats_restricted": 50,
    "knee_to_wall": 60,
    "tall_kneeling": 40,
    "split_squat": 60,
}


def demo_messages(scenario: str, duration_s: float, seed: int = 0) -> list[dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["demo", "--headless", "--speed", "max", "--scenario", scenario,
                     "--duration", str(duration_s), "--seed", str(seed)]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def replay(messages: Iterable[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for message in messages:
        yield message


class QueueFeed:
    """A feed the test writes to (``put``) and ends (``end``); ``closed`` says whether the app
    closed it (as quitting must, to end the session behind it)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.closed = False

    def put(self, message: dict[str, Any]) -> None:
        self.queue.put_nowait(message)

    def end(self) -> None:
        self.queue.put_nowait(None)

    def __aiter__(self) -> QueueFeed:
        return self

    async def __anext__(self) -> dict[str, Any]:
        message = await self.queue.get()
        if message is None:
            raise StopAsyncIteration
        return message

    async def aclose(self) -> None:
        self.closed = True


def coach_app(messages: Iterable[dict[str, Any]] | QueueFeed, activity: str | None, **kwargs) -> CoachApp:
    feed = messages if isinstance(messages, QueueFeed) else replay(messages)
    return CoachApp(feed, load_athlete(), activity=activity, title="test", **kwargs)


async def drained(pilot) -> None:
    """Wait until the app has taken the whole feed, then draw it."""
    while not pilot.app.model.ended:
        await pilot.pause(0.01)
    pilot.app.redraw()
    await pilot.pause()
