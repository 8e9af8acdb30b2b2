"""``anklet demo``: virtual sensors running a scenario, through the live pipeline, read out.

The scenario's kind is the activity the gait stage watches (events, strides and running
flags; squat reps; a guided test's assessments). ``--headless`` prints the messages of
DESIGN.md as JSON lines; otherwise a one-line readout per second (the full terminal view
comes with ``anklet.tui``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from collections.abc import Callable
from typing import Any

from anklet.cli._args import positive_float
from anklet.gait import live_gait, load_athlete
from anklet.geometry import SIDES
from anklet.pipeline import LiveParams, LivePipeline, Subscription
from anklet.sim import load_scenario, simulate
from anklet.sim._virtual import VirtualSensorTransport


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="simulated sensors through the live pipeline",
        description="Run virtual sensors through the live pipeline and show what a coach would see.",
    )
    parser.add_argument("--scenario", default="easy_run", metavar="NAME|FILE", help="scenario (default easy_run)")
    parser.add_argument("--duration", type=positive_float, metavar="S", help="session length, s")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--speed", type=_speed, default=1.0, metavar="X|max", help="replay pace (default 1)")
    parser.add_argument("--headless", action="store_true", help="print JSON-lines messages on stdout")
    parser.set_defaults(handler=_run)


def _speed(text: str) -> float:
    return math.inf if text == "max" else positive_float(text)


def _run(args: argparse.Namespace) -> int:
    session = simulate(load_scenario(args.scenario), seed=args.seed, duration_s=args.duration)
    transport = VirtualSensorTransport(session.notifications(), speed=args.speed)
    gait = live_gait(session.sample_rate_hz, load_athlete(), session.scenario.kind)
    pipeline = LivePipeline(list(session.sensors), LiveParams(), stages=[gait])
    if not args.headless:
        print(f"{session.scenario.name}: {session.scenario.description} ({session.duration_s:.0f} s)")
    try:
        asyncio.run(_stream(pipeline, transport, _print_json if args.headless else _Readout()))
    except BrokenPipeError:  # the reader went away (e.g. piped into head): not an error
        sys.stderr.close()
    return 0


async def _stream(pipeline: LivePipeline, transport: VirtualSensorTransport, show: Callable[[dict[str, Any]], None]) -> None:
    subscription = pipeline.subscribe()
    printer = asyncio.create_task(_print_all(subscription, show))
    try:
        await pipeline.run(transport)
    finally:
        await printer


async def _print_all(subscription: Subscription, show: Callable[[dict[str, Any]], None]) -> None:
    async for message in subscription:
        show(message)


def _print_json(message: dict[str, Any]) -> None:
    print(json.dumps(message, separators=(",", ":")), flush=True)


class _Readout:
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
