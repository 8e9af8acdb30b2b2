"""What a session shows on the terminal: JSON lines (``--headless``) or a one-line readout per
second (the full terminal view comes with ``anklet.tui``). ``demo`` and ``live`` share it."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from anklet.geometry import SIDES
from anklet.pipeline import LivePipeline, Subscription


def run_shown(session: Coroutine[Any, Any, None]) -> None:
    """Run a session that prints as it goes (``stream``, ``anklet.cli._live.stream_ble``)."""
    try:
        asyncio.run(session)
    except BrokenPipeError:  # the reader went away (e.g. piped into head): not an error
        sys.stderr.close()


async def stream(
    pipeline: LivePipeline, feed: Callable[[], Awaitable[None]], show: Callable[[dict[str, Any]], None]
) -> None:
    """Show every message ``pipeline`` publishes while ``feed()`` (e.g. ``pipeline.run(transport)``)
    runs it to its end."""
    subscription = pipeline.subscribe()
    printer = asyncio.create_task(_show_all(subscription, show))
    try:
        await feed()
    finally:
        await printer


async def _show_all(subscription: Subscription, show: Callable[[dict[str, Any]], None]) -> None:
    async for message in subscription:
        show(message)


def print_json(message: dict[str, Any]) -> None:
    print(json.dumps(message, separators=(",", ":")), flush=True)


class Readout:
    """The one-line-per-second view: each status prints the newest angles, what the gait stage
    found (the last stride's TO angle per side, the reps per side, the last assessment), the
    flags that are up, and the sensors."""

    def __init__(self) -> None:
        self._angles: dict[str, Any] = {}
        self._to_angle_deg: dict[str, float | None] = {}
        self._reps: dict[str, int] = {}
        self._assessment: dict[str, Any] | None = None
        self._flags: dict[tuple[str, str], bool] = {}

    def __call__(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "angles":
            self._angles = message
        elif kind == "stride":
            self._to_angle_deg[message["side"]] = message["ankle_angle_at_to_deg"]
        elif kind == "rep":
            self._reps[message["side"]] = self._reps.get(message["side"], 0) + 1
        elif kind == "assessment":
            self._assessment = message
        elif kind == "flag":
            self._flags[message["side"], message["flag"]] = message["active"]
        elif kind == "status":
            print(self._line(message), flush=True)

    def _line(self, status: dict[str, Any]) -> str:
        sides = "  ".join(
            f"{side} DF {_degrees(self._angles.get(side, {}).get('dorsiflexion_deg'))}" for side in ("left", "right")
        )
        sensors = " ".join(
            f"{sensor['name']}:{'ok' if sensor['connected'] else 'lost'}/{sensor['loss_pct']:.1f}%"
            for sensor in status["sensors"]
        )
        state = "" if status.get("calibrated") else "  (calibrating: stand still, then move)"
        return f"t={status['t']:6.1f} s  {sides}{self._gait()}{self._active_flags()}  {sensors}{state}"

    def _gait(self) -> str:
        parts = []
        if self._to_angle_deg:
            parts.append("TO " + " ".join(f"{side[0].upper()} {_degrees(self._to_angle_deg.get(side))}" for side in SIDES))
        if self._reps:
            parts.append("reps " + " ".join(f"{side[0].upper()} {self._reps.get(side, 0)}" for side in SIDES))
        if self._assessment is not None:
            last = self._assessment
            parts.append(f"{last['test']} {last['side']} {'passed' if last['passed'] else 'failed'}")
        return "".join(f"  {part}" for part in parts)

    def _active_flags(self) -> str:
        active = [f"{side} {flag}" for (side, flag), up in self._flags.items() if up]
        return f"  FLAGS: {', '.join(active)}" if active else ""


def _degrees(value: float | None) -> str:
    return "   --  " if value is None else f"{value:+6.1f}°"
