"""The coach's terminal view: an ``App`` fed by any async iterator of DESIGN.md messages (a
live pipeline's, a replay's, an MQTT subscription's); it knows nothing of where they come from.

A worker folds every message into the ``CoachModel`` as it comes; a timer redraws the current
view from the model at most ``redraw_hz`` times a second, and only when something changed, so
the message rate never drives the rendering and nothing piles up. Quitting cancels the worker
and closes the feed, which ends the session behind it (the sensors are released).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, Protocol

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import ContentSwitcher, Footer, Static

from anklet.errors import AnkletError
from anklet.gait import AthleteProfile
from anklet.tui._assessment import AssessmentView
from anklet.tui._feed import FeedViewer
from anklet.tui._help import HelpScreen
from anklet.tui._model import GUIDED_TESTS, CoachModel
from anklet.tui._running import RunningView
from anklet.tui._sensors import SensorPanel
from anklet.tui._squat import SquatView
from anklet.tui._updates import update_if_changed

__all__ = ["VIEWS", "CoachApp", "view_of"]

VIEWS = ("running", "squat", "assessment")
LARGE_SIZE = (120, 40)  # from this many columns and rows on, badges and sensors take more room


class RecordingControl(Protocol):
    """What the view's ``r`` and ``m`` keys drive (``anklet.recording.Recorder``): the view
    only tells it, it never reads the session back."""

    @property
    def path_(self) -> Path | None: ...

    def toggle(self) -> str: ...

    def mark(self, t: float, athlete: str) -> Any: ...


def view_of(activity: str | None) -> str:
    """The view that shows ``activity`` (an ``anklet.gait.ACTIVITIES`` name)."""
    if activity in GUIDED_TESTS:
        return "assessment"
    return "squat" if activity == "squat" else "running"


class CoachApp(FeedViewer, App[int]):
    """The live readout. ``feed``: the messages; ``athlete``: the thresholds to judge by (and
    the name of the athlete when the messages name none); ``activity``: what the session is,
    when its owner knows (else the view follows the first gait messages); ``title``: the
    session's name for the header; ``recorder``: what ``r`` starts and stops and ``m``
    marks in (None: the feed cannot be recorded here); ``marks``: (t, athlete) moments marked
    before (a replayed recording's), drawn as the session reaches them.

    ``error_`` holds the feed's error (an ``AnkletError``) when it failed; the app then exits
    with code 1 for the caller to say it in one sentence.
    """

    CSS_PATH = "coach.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("space,p", "pause", "Pause"),
        Binding("m", "mark", "Mark"),
        Binding("v", "next_view", "View"),
        Binding("1", "view('running')", "Running", show=False),
        Binding("2", "view('squat')", "Squat", show=False),
        Binding("3", "view('assessment')", "Assessment", show=False),
        Binding("a", "next_athlete", "Athlete"),
        Binding("r", "record", "Record"),
        Binding("question_mark,h", "help", "Help"),
        Binding("q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        feed: AsyncIterator[dict[str, Any]],
        athlete: AthleteProfile,
        *,
        activity: str | None = None,
        title: str = "",
        redraw_hz: float = 15.0,
        recorder: RecordingControl | None = None,
        marks: Iterable[tuple[float, str]] = (),
    ) -> None:
        super().__init__()
        self.feed = feed
        self.recorder = recorder
        self.athlete = athlete
        self.session_title = title
        self.redraw_hz = redraw_hz
        self.model = CoachModel(athlete.name, activity, marks)
        self.athlete_name = athlete.name
        self.view = view_of(activity)
        self.view_chosen = activity is not None  # else the first gait messages choose it
        self.paused = False
        self.error_: AnkletError | None = None
        self.redraws_ = 0
        self._drawn_version = -1

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with ContentSwitcher(initial=self.view, id="views"):
            yield RunningView(self.athlete, id="running")
            yield SquatView(self.athlete, id="squat")
            yield AssessmentView(self.athlete, id="assessment")
        yield SensorPanel(id="sensors")
        yield Footer()

    def on_mount(self) -> None:
        self.start_feed(self.redraw_hz)
        self._size_class(self.size.width, self.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._size_class(event.size.width, event.size.height)

    def _size_class(self, width: int, height: int) -> None:
        self.set_class(width >= LARGE_SIZE[0] and height >= LARGE_SIZE[1], "-large")

    def redraw(self) -> None:
        """Draw the current view from the model now (the timer does it while not paused)."""
        state = self.model.athletes[self.athlete_name]
        if not self.view_chosen and state.activity is not None:
            self._show_view(view_of(state.activity))
        try:
            self.query_one(f"#{self.view}").show(state)
            self.query_one(SensorPanel).show(state.sensors)
            update_if_changed(self.query_one("#header", Static), self._header())
        except NoMatches:  # some widgets not mounted yet (a busy start): the next tick draws
            return
        self._drawn_version = self.model.version
        self.redraws_ += 1

    def _header(self) -> Text:
        state = self.model.athletes[self.athlete_name]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" anklet ", style="bold reverse")
        text.append(f" {self.session_title} " if self.session_title else " ")
        text.append(f" athlete {state.name}", style="bold")
        if len(self.model.athletes) > 1:
            text.append(f" ({list(self.model.athletes).index(state.name) + 1}/{len(self.model.athletes)})")
        text.append(f"   t {state.t:6.1f} s   ")
        if self.recorder is not None and self.recorder.path_ is not None:  # first: a narrow header cuts the end
            text.append(f" ● REC {self.recorder.path_.name} ", style="bold white on red")
        if self.model.ended:
            text.append(" session over: q quits ", style="bold reverse")
        elif not state.calibrated:
            text.append(" calibrating: stand still, then move ", style="bold black on yellow")
        if self.paused:
            text.append(" ⏸ PAUSED (data still coming in) ", style="bold white on blue")
        return text

    def _show_view(self, view: str) -> None:
        self.view = view
        self.query_one(ContentSwitcher).current = view

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.redraw()  # the header says so at once; the views stay as they were until resume

    def action_mark(self) -> None:
        mark = self.model.mark(self.athlete_name)
        if self.recorder is not None:  # kept for a recording started later, too
            self.recorder.mark(mark.t, mark.athlete)
        self.notify(f"marked t = {mark.t:.1f} s ({mark.athlete})", timeout=3)

    def action_next_view(self) -> None:
        self.action_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)])

    def action_view(self, view: str) -> None:
        self.view_chosen = True
        self._show_view(view)
        self.redraw()

    def action_next_athlete(self) -> None:
        names = list(self.model.athletes)
        if len(names) == 1:
            self.notify(f"only one athlete in this feed ({names[0]})", timeout=3)
            return
        self.athlete_name = names[(names.index(self.athlete_name) + 1) % len(names)]
        self.redraw()

    def action_record(self) -> None:
        if self.recorder is None:
            self.notify("this feed cannot be recorded here (record it where it runs)", severity="warning", timeout=4)
            return
        try:
            said = self.recorder.toggle()
        except AnkletError as exc:  # e.g. the folder cannot be written: the session goes on
            self.notify(str(exc), severity="error", timeout=6)
            return
        self.notify(said, timeout=5)
        self.redraw()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())
