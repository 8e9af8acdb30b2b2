"""What the coach view knows: the messages of DESIGN.md folded into a small state per athlete
and side, in bounded buffers, so that a 30-minute session holds as much as a 30-second one.

``CoachModel.handle(message)`` is all a feed does; the views read the state on their own
timer. Messages carry no athlete yet (one athlete per station); when they do (an ``athlete``
field, e.g. from the MQTT grid), each athlete gets a state of its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from anklet.geometry import SIDES

__all__ = ["GUIDED_TESTS", "AthleteState", "CoachModel", "FlagState", "Mark", "SideState"]

TRACE_KEEP_S = 30.0
"""Seconds of angles kept per side: the trace shows the last few, the rest is slack for a
wide screen and for the angles that come in a burst after calibration."""
ANGLES_PER_S = 10.0  # the pipeline's default angles rate (LiveParams.angles_hz)
EVENTS_KEPT = 120
STRIDES_KEPT = 60
REPS_KEPT = 60
ASSESSMENTS_KEPT = 24
MARKS_KEPT = 100

GUIDED_TESTS = ("knee_to_wall", "tall_kneeling", "split_squat")  # as anklet.gait.ACTIVITIES names them


@dataclass(frozen=True, slots=True)
class Mark:
    """A moment the coach marked: session time ``t`` (s) and whose session it was."""

    t: float
    athlete: str


@dataclass(frozen=True, slots=True)
class FlagState:
    """A flag's latest change: up or down since session time ``t`` (s), and its evidence."""

    active: bool
    t: float
    evidence: dict[str, Any]


@dataclass
class SideState:
    """One ankle: its recent angles ``(t, dorsiflexion_deg or None)``, gait events ``(t, IC|TO|MS)``,
    strides and reps (``stride``/``rep`` messages), rep count, and its flags by name."""

    angles: deque[tuple[float, float | None]] = field(default_factory=lambda: deque(maxlen=int(TRACE_KEEP_S * ANGLES_PER_S)))
    events: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=EVENTS_KEPT))
    strides: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=STRIDES_KEPT))
    reps: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REPS_KEPT))
    rep_count: int = 0
    flags: dict[str, FlagState] = field(default_factory=dict)

    @property
    def dorsiflexion_deg(self) -> float | None:
        """The newest angle, deg (None before calibration or while a sensor is away)."""
        return self.angles[-1][1] if self.angles else None

    def active_flags(self) -> list[str]:
        return [name for name, flag in self.flags.items() if flag.active]


@dataclass
class AthleteState:
    """Everything shown of one athlete's session. ``t`` is the newest session time seen, s;
    ``activity`` what the athlete does (an ``anklet.gait.ACTIVITIES`` name): as the feed's
    owner says, else as the gait messages show (None until the first one)."""

    name: str
    sides: dict[str, SideState] = field(default_factory=lambda: {side: SideState() for side in SIDES})
    assessments: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=ASSESSMENTS_KEPT))
    marks: deque[Mark] = field(default_factory=lambda: deque(maxlen=MARKS_KEPT))
    sensors: list[dict[str, Any]] = field(default_factory=list)
    calibrated: bool = False
    t: float = 0.0
    activity: str | None = None

    def handle(self, message: dict[str, Any]) -> None:
        kind, t = message["type"], float(message["t"])
        self.t = max(self.t, t)
        self._infer_activity(message)
        if kind == "angles":
            for side in SIDES:
                self.sides[side].angles.append((t, (message.get(side) or {}).get("dorsiflexion_deg")))
        elif kind == "event":
            self.sides[message["side"]].events.append((t, message["event"]))
        elif kind == "stride":
            self.sides[message["side"]].strides.append(message)
        elif kind == "rep":
            side = self.sides[message["side"]]
            side.reps.append(message)
            side.rep_count += 1
        elif kind == "flag":
            self.sides[message["side"]].flags[message["flag"]] = FlagState(message["active"], t, message["evidence"])
        elif kind == "assessment":
            self.assessments.append(message)
        elif kind == "status":
            self.sensors = message["sensors"]
            self.calibrated = bool(message.get("calibrated", self.calibrated))

    def _infer_activity(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "assessment":
            self.activity = message["test"]
        elif self.activity is None and kind in ("event", "stride"):
            self.activity = "running"
        elif self.activity is None and kind == "rep":
            self.activity = "squat"  # a guided test's first rep comes before its first assessment


class CoachModel:
    """The state of every athlete the feed carries, in the order they first appeared; each
    starts with ``activity`` when the feed's owner knows it (the demo's scenario kind).
    ``marks``: moments marked before, (t, athlete) pairs (a replayed recording's marks), each
    shown once that athlete's session reaches it.

    ``version`` grows with every message, so a view redraws only when something changed;
    ``ended`` is set once the feed is over.
    """

    def __init__(
        self, default_athlete: str, activity: str | None = None, marks: Iterable[tuple[float, str]] = ()
    ) -> None:
        self.default_athlete = default_athlete
        self.activity = activity
        self.athletes: dict[str, AthleteState] = {}
        self._marks_to_come: dict[str, deque[Mark]] = {}
        for t, athlete in sorted(marks):
            self._marks_to_come.setdefault(athlete, deque()).append(Mark(t, athlete))
        self._add(default_athlete)
        self.version = 0
        self.ended = False

    def handle(self, message: dict[str, Any]) -> None:
        name = message.get("athlete") or self.default_athlete
        if name not in self.athletes:
            self._add(name)
        state = self.athletes[name]
        state.handle(message)
        to_come = self._marks_to_come.get(name)
        while to_come and to_come[0].t <= state.t:
            state.marks.append(to_come.popleft())
        self.version += 1

    def mark(self, athlete: str) -> Mark:
        """Mark the athlete's current moment (their newest session time)."""
        state = self.athletes[athlete]
        mark = Mark(state.t, athlete)
        state.marks.append(mark)
        self.version += 1
        return mark

    def _add(self, name: str) -> None:
        self.athletes[name] = AthleteState(name, activity=self.activity)

    def end(self) -> None:
        self.ended = True
        self.version += 1
