"""What a session shows on the terminal: JSON lines (``--headless``); in a terminal, the coach
view of ``anklet.tui``; piped into another program, a one-line readout per second (so scripts
that read it keep working). ``demo`` and ``live`` share it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from typing import Any

from anklet.gait import AthleteProfile, load_athlete
from anklet.geometry import SIDES
from anklet.mqtt import Publication
from anklet.pipeline import LivePipeline, Subscription
from anklet.recording import Recorder

COACH_INBOX_SIZE = 5000  # messages waiting for the coach view; it takes them as they come
PUBLISHER_INBOX_SIZE = 5000  # the MQTT publisher moves them into its own buffer as they come


def run_shown(
    session: Coroutine[Any, Any, None],
    show: Callable[[dict[str, Any]], None] | None = None,
    athlete: AthleteProfile | None = None,
    *,
    activity: str | None = None,
    title: str = "",
    recorder: Recorder | None = None,
    marks: Iterable[tuple[float, str]] = (),
) -> None:
    """Run a session that shows its messages through ``show`` as it goes (``stream``,
    ``anklet.cli._live.stream_ble``). When ``show`` is a :class:`Readout` and stdout is a
    terminal (``opens_coach_view``), the session runs inside the coach view (``anklet.tui``),
    judged by ``athlete``'s thresholds (the default profile's when None), opening on
    ``activity``'s view, with ``title`` in its header, its ``r`` and ``m`` keys going to
    ``recorder``, drawing ``marks`` ((t, athlete) moments marked before: a replayed
    recording's) as the session reaches them; quitting it ends the session. However the
    session ends, ``recorder``'s file is finished (summary and index written)."""
    try:
        if opens_coach_view(show):
            _run_coach_view(session, show, athlete or load_athlete(), activity, title, recorder, marks)
            return
        try:
            asyncio.run(session)
        except BrokenPipeError:  # the reader went away (e.g. piped into head): not an error
            sys.stderr.close()
    finally:
        if recorder is not None:
            recorder.end()


def opens_coach_view(show: Callable[[dict[str, Any]], None] | None) -> bool:
    """Whether ``run_shown`` shows the session in the coach view (a :class:`Readout` on a terminal)."""
    return isinstance(show, Readout) and sys.stdout.isatty()


def _run_coach_view(
    session: Coroutine[Any, Any, None],
    readout: Readout,
    athlete: AthleteProfile,
    activity: str | None,
    title: str,
    recorder: Recorder | None,
    marks: Iterable[tuple[float, str]],
) -> None:
    from anklet.tui import CoachApp, warnings_as_notices  # textual loads only for a terminal

    app = CoachApp(_forwarded(session, readout), athlete, activity=activity, title=title, recorder=recorder,
                   marks=marks)
    with warnings_as_notices(app):
        app.run()
    if app.error_ is not None:
        raise app.error_  # the CLI says it in one sentence, after the view has closed


async def _forwarded(session: Coroutine[Any, Any, None], readout: Readout) -> AsyncIterator[dict[str, Any]]:
    """``session``'s messages, which it shows through ``readout``, run as a task of the
    caller's loop (the coach view's); closing this iterator cancels the session, which
    releases its sensors."""
    inbox = Subscription(COACH_INBOX_SIZE)
    readout.forward = inbox.put
    task = asyncio.ensure_future(session)
    task.add_done_callback(lambda _: inbox.close())
    try:
        async for message in inbox:
            yield message
        await task  # the session's own error, if it failed
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def stream(
    pipeline: LivePipeline,
    feed: Callable[[], Awaitable[None]],
    show: Callable[[dict[str, Any]], None],
    publication: Publication | None = None,
) -> None:
    """Show every message ``pipeline`` publishes while ``feed()`` (e.g. ``pipeline.run(transport)``)
    runs it to its end, and publish them to ``publication``'s broker if one is given (a broker
    that refuses the login stops the session before it starts: BrokerError)."""
    async with contextlib.AsyncExitStack() as publishing:
        if publication is not None:
            await publishing.enter_async_context(publication.publishing(pipeline.subscribe(PUBLISHER_INBOX_SIZE)))
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
    """The terminal's view of a session. Piped, one line a second: each status prints the
    newest angles, what the gait stage found (the last stride's TO angle per side, the reps per
    side, the last assessment), the flags that are up, and the sensors. In a terminal
    ``run_shown`` opens the coach view instead and sets ``forward`` to its inbox."""

    def __init__(self) -> None:
        self.forward: Callable[[dict[str, Any]], None] | None = None
        self._angles: dict[str, Any] = {}
        self._to_angle_deg: dict[str, float | None] = {}
        self._reps: dict[str, int] = {}
        self._assessment: dict[str, Any] | None = None
        self._flags: dict[tuple[str, str], bool] = {}

    def __call__(self, message: dict[str, Any]) -> None:
        if self.forward is not None:
            self.forward(message)
            return
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
