"""The multi-station coach view (``anklet watch --mqtt URL``): every athlete a broker carries,
one compact panel each, in a grid.

A panel is the coach view in small, built from the same model and widgets: per ankle the
title line of the running or squat view (the last toe-off angle or the reps and deepest
dorsiflexion; for a guided test its latest result), the flag badges and the live trace; under
them the sensors and the station's link to the broker. Its border names the station and the
athlete and turns red when the station is offline (its last will). Like ``CoachApp`` it only
consumes: a worker folds the feed into a :class:`WatchModel`, a timer redraws at most
``redraw_hz`` times a second, and only when a message has changed something.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Footer, Static

from anklet.errors import AnkletError
from anklet.gait import AthleteProfile
from anklet.geometry import SIDES
from anklet.tui import _running, _squat
from anklet.tui._app import view_of
from anklet.tui._assessment import test_spec
from anklet.tui._badges import FlagBadges
from anklet.tui._feed import FeedViewer
from anklet.tui._format import degrees
from anklet.tui._model import AthleteState
from anklet.tui._trace import AngleTrace
from anklet.tui._updates import update_if_changed
from anklet.tui._watch_model import WatchedAthlete, WatchModel

__all__ = ["AthletePanel", "WatchApp"]

PANEL_MIN_WIDTH = 56  # columns a panel needs for two readable traces side by side
_VIEW_FLAGS = {"running": _running.RUNNING_FLAGS, "squat": ("restricted_df",), "assessment": ("restricted_df",)}
_ASSESSMENT_SPAN_S = 15.0


class PanelSide(Vertical):
    """One ankle of a panel: the view's title line, its flag badges and the trace."""

    def __init__(self, side: str, athlete: AthleteProfile, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.side = side
        self.athlete = athlete

    def compose(self) -> ComposeResult:
        yield Static(classes="side-title")
        for view, flags in _VIEW_FLAGS.items():
            yield FlagBadges(flags, classes=f"flags-{view}")
        yield AngleTrace(span_s=_running.TRACE_SPAN_S, range_deg=_running.TRACE_RANGE_DEG)

    def show(self, state: AthleteState, view: str) -> None:
        side = state.sides[self.side]
        for badges in self.query(FlagBadges):
            badges.display = badges.has_class(f"flags-{view}")
            badges.show(side.active_flags())
        trace = self.query_one(AngleTrace)
        marks = [mark.t for mark in state.marks]
        if view == "running":
            thresholds = self.athlete.thresholds.restricted_pf_to_deg_by_gait
            last = side.strides[-1] if side.strides else None
            threshold = thresholds[last["gait"]] if last else thresholds["running"]
            title = _running._title(self.side, last)
            trace.span_s = _running.TRACE_SPAN_S
            trace.show(side.angles, side.events, marks, threshold_deg=threshold, range_deg=_running.TRACE_RANGE_DEG)
        elif view == "squat":
            threshold = self.athlete.thresholds.restricted_df_squat_deg
            last = side.reps[-1] if side.reps else None
            title = _squat._title(self.side, side.rep_count, last and last["max_dorsiflexion_deg"], threshold)
            trace.span_s = _squat.TRACE_SPAN_S
            trace.show(side.angles, (), marks, threshold_deg=threshold, range_deg=_squat.RANGE_DEG)
        else:
            spec = test_spec(state.activity, self.athlete)
            title = _assessment_title(self.side, state)
            trace.span_s = _ASSESSMENT_SPAN_S
            trace.show(side.angles, (), marks, threshold_deg=spec.pass_deg, range_deg=spec.range_deg)
        update_if_changed(self.query_one(".side-title", Static), title)


def _assessment_title(side: str, state: AthleteState) -> Text:
    """The side and its latest result of the guided test (PASS/FAIL), or the angle now."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {side.upper()} ", style="bold reverse")
    results = [a for a in state.assessments if a.get("side") == side]
    if not results:
        return text.append(f"  now {degrees(state.sides[side].dorsiflexion_deg)}")
    passed = results[-1]["passed"]
    text.append(f"  {results[-1]['test']} ")
    return text.append(" PASS " if passed else " FAIL ", style="bold white on green" if passed else "bold white on red")


def status_text(watched: WatchedAthlete) -> Text:
    """The sensors and the broker link in one line: ``4/4 sensors  loss ≤0.4%  battery ≥87%
    drift ≤32 ppm``, then what the station's publisher dropped, and whether it is calibrating
    or offline."""
    text = Text(no_wrap=True, overflow="ellipsis")
    sensors = watched.state.sensors
    connected = sum(1 for sensor in sensors if sensor.get("connected"))
    text.append(f"{connected}/{len(sensors)} sensors", style="bold green" if sensors and connected == len(sensors) else "bold red")
    losses = [sensor["loss_pct"] for sensor in sensors if sensor.get("loss_pct") is not None]
    if losses:
        text.append(f"  loss ≤{max(losses):.1f}%")
    batteries = [sensor["battery_pct"] for sensor in sensors if sensor.get("battery_pct") is not None]
    if batteries:
        text.append(f"  battery ≥{min(batteries):.0f}%")
    drift = worst_drift_ppm(sensors)
    if drift is not None:
        text.append(f"  drift ≤{drift:.0f} ppm")
    dropped = watched.publisher.get("dropped_stream", 0) + watched.publisher.get("dropped_kept", 0)
    if dropped:
        text.append(f"  mqtt dropped {dropped}", style="yellow")
    if not watched.online:
        text.append("  OFFLINE ", style="bold white on red")
    elif not watched.state.calibrated:
        text.append("  calibrating ", style="bold black on yellow")
    return text


def worst_drift_ppm(sensors: list[dict[str, Any]]) -> float | None:
    """The largest clock drift of the sensors, resolved or bounded (``clock_drift_below_ppm``);
    None until every sensor has one."""
    sizes = [
        abs(sensor["clock_drift_ppm"]) if sensor.get("clock_drift_ppm") is not None else sensor.get("clock_drift_below_ppm")
        for sensor in sensors
    ]
    return None if not sizes or None in sizes else max(sizes)


class AthletePanel(Vertical):
    """One athlete at one station: both ankles and a status line; ``show()`` redraws it from the model."""

    def __init__(self, watched: WatchedAthlete, athlete: AthleteProfile, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.watched = watched  # the model's own, updated in place
        self.key = watched.key
        self.athlete = athlete
        self.border_title = f"{watched.station} · {watched.athlete}"

    def compose(self) -> ComposeResult:
        with Horizontal(classes="sides"):
            for side in SIDES:
                yield PanelSide(side, self.athlete, classes=f"side side-{side}")
        yield Static(classes="panel-status")

    def on_mount(self) -> None:
        self.show()  # a panel mounted during a redraw shows its athlete at once

    def show(self) -> None:
        watched = self.watched
        state = watched.state
        view = view_of(state.activity)
        for panel in self.query(PanelSide):
            panel.show(state, view)
        update_if_changed(self.query_one(".panel-status", Static), status_text(watched))
        self.border_subtitle = f"{view}  t {state.t:.1f} s"
        self.set_class(not watched.online, "-offline")


class WatchApp(FeedViewer, App[int]):
    """Every athlete of ``feed`` (messages with ``station`` and ``athlete``, e.g.
    ``anklet.mqtt.broker_messages``), judged by ``athlete``'s thresholds (a subscriber does not
    know each athlete's profile), under ``title``.

    ``error_`` holds the feed's error (an ``AnkletError``, e.g. the broker refused the login);
    the app then exits with code 1 for the caller to say it in one sentence.
    """

    CSS_PATH = ["coach.tcss", "watch.tcss"]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("space,p", "pause", "Pause"),
        Binding("q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, feed: AsyncIterator[dict[str, Any]], athlete: AthleteProfile, *, title: str = "", redraw_hz: float = 15.0) -> None:
        super().__init__()
        self.feed = feed
        self.athlete = athlete
        self.session_title = title
        self.redraw_hz = redraw_hz
        self.model = WatchModel()
        self.paused = False
        self.error_: AnkletError | None = None
        self._drawn_version = -1

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        yield Grid(id="grid")
        yield Footer()

    def on_mount(self) -> None:
        self.start_feed(self.redraw_hz)
        self.redraw()

    def redraw(self) -> None:
        """Draw every panel from the model now (the timer does it while not paused)."""
        self._drawn_version = self.model.version
        grid = self.query_one("#grid", Grid)
        panels = {panel.key: panel for panel in grid.query(AthletePanel)}
        new = [AthletePanel(watched, self.athlete) for key, watched in self.model.athletes.items() if key not in panels]
        if new:
            grid.mount_all(new)
            panels.update((panel.key, panel) for panel in new)
            self._fit_grid()
        for panel in panels.values():
            if panel.is_mounted:  # else it shows itself once mounted
                panel.show()
        update_if_changed(self.query_one("#header", Static), self._header())

    def on_resize(self) -> None:
        self._fit_grid()

    def _fit_grid(self) -> None:
        """As many columns as panels fit across (at least one), rows as they need."""
        count = max(len(self.model.athletes), 1)
        columns = max(1, min(count, self.size.width // PANEL_MIN_WIDTH))
        self.query_one("#grid", Grid).styles.grid_size_columns = columns
        self.query_one("#grid", Grid).styles.grid_size_rows = math.ceil(count / columns)

    def _header(self) -> Text:
        athletes = self.model.athletes.values()
        online = sum(1 for watched in athletes if watched.online)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" anklet watch ", style="bold reverse")
        text.append(f" {self.session_title} " if self.session_title else " ")
        text.append(f"  {len(self.model.athletes)} athletes, {online} online", style="bold")
        stations = {watched.station for watched in athletes}
        text.append(f" at {len(stations)} stations   ")
        if not self.model.athletes:
            text.append(" waiting for the stations' messages ", style="bold black on yellow")
        if self.model.ended:
            text.append(" feed over: q quits ", style="bold reverse")
        if self.paused:
            text.append(" ⏸ PAUSED (data still coming in) ", style="bold white on blue")
        return text

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.redraw()
