"""The gait stage of the live pipeline: grid rows and angle chunks in, in order; the gait
messages of DESIGN.md out (``event``, ``stride``, ``rep``, ``flag``, ``assessment``).

The activity decides what runs, as the caller knows it (the demo from its scenario, a live
session from its config):

- ``running``, ``walking``: events as the rows come (each TO 150 ms of rows after it), strides
  once their angles have come (:class:`StrideBuilder`), the running flags as each stride
  comes, each stride judged by its own gait's threshold (``analyze_session`` does the same);
- ``squat``: reps and the ``restricted_df`` flag, as ``analyze_session`` finds them offline;
- ``knee_to_wall``, ``tall_kneeling``, ``split_squat``: the guided test's assessments and
  flags, and the reps it counts (knee-to-wall attempts, split-squat reps with the lunge
  threshold; tall kneeling has none).

Every step takes only the new rows or angles, so each call costs about the same all session.
"""

from __future__ import annotations

from typing import Any

from anklet.files import ImuTable
from anklet.gait._athlete import AthleteProfile
from anklet.gait._events import GaitEventDetector
from anklet.gait._flags import FlagChange
from anklet.gait._mobility import GuidedTest
from anklet.gait._mobility_knee_to_wall import KneeToWallTest
from anklet.gait._mobility_split_squat import SplitSquatTest
from anklet.gait._mobility_tall_kneeling import TallKneelingTest
from anklet.gait._running_flags import RunningFlags
from anklet.gait._squat import Rep, RepDetector
from anklet.gait._squat_flag import RestrictedDfFlag
from anklet.gait._stride_builder import StrideBuilder
from anklet.gait._strides import Stride
from anklet.pipeline import AngleChunk

__all__ = ["ACTIVITIES", "GuidedTestGait", "RunningGait", "SquatGait", "live_gait"]

_GUIDED_TESTS: dict[str, type[GuidedTest]] = {
    "knee_to_wall": KneeToWallTest,
    "tall_kneeling": TallKneelingTest,
    "split_squat": SplitSquatTest,
}
_GAITS = ("running", "walking")
ACTIVITIES = (*_GAITS, "squat", *_GUIDED_TESTS)
"""What the athlete does, as scenario kinds name it."""

Messages = list[dict[str, Any]]


def live_gait(rate_hz: float, athlete: AthleteProfile, activity: str = "running") -> RunningGait | SquatGait | GuidedTestGait:
    """The gait stage for ``activity`` (one of :data:`ACTIVITIES`) on a grid of ``rate_hz``:
    a ``LiveStage`` of ``anklet.pipeline``. ValueError for an unknown activity."""
    if activity in _GAITS:
        return RunningGait(rate_hz, athlete)
    if activity == "squat":
        return SquatGait(rate_hz, athlete)
    if activity in _GUIDED_TESTS:
        return GuidedTestGait(_GUIDED_TESTS[activity](rate_hz, athlete))
    raise ValueError(f"activity must be one of {', '.join(ACTIVITIES)}, not {activity!r}")


class RunningGait:
    """Events, strides and the running flags of a run (or a walk)."""

    def __init__(self, rate_hz: float, athlete: AthleteProfile) -> None:
        self._events = GaitEventDetector(rate_hz)
        self._strides = StrideBuilder(athlete.thresholds.restricted_pf_to_deg_by_gait)
        self._flags = RunningFlags(athlete)

    def on_rows(self, rows: ImuTable) -> Messages:
        events = self._events.update(rows)
        return [event.to_message() for event in events] + self._stride_messages(self._strides.on_rows(rows, events))

    def on_angles(self, chunk: AngleChunk) -> Messages:
        return self._stride_messages(self._strides.on_angles(chunk))

    def finish(self) -> Messages:
        return self._stride_messages(self._strides.finish())

    def _stride_messages(self, strides: list[Stride]) -> Messages:
        return [stride.to_message() for stride in strides] + _flag_messages(self._flags.update(strides))


class SquatGait:
    """Squat reps and the ``restricted_df`` flag."""

    def __init__(self, rate_hz: float, athlete: AthleteProfile) -> None:
        self._reps = RepDetector(rate_hz, athlete)
        self._flag = RestrictedDfFlag(athlete)

    def on_rows(self, rows: ImuTable) -> Messages:
        return []  # reps come from the angles

    def on_angles(self, chunk: AngleChunk) -> Messages:
        return self._rep_messages(self._reps.update(chunk))

    def finish(self) -> Messages:
        return self._rep_messages(self._reps.finish())

    def _rep_messages(self, reps: list[Rep]) -> Messages:
        return [rep.to_message() for rep in reps] + _flag_messages(self._flag.update(reps))


class GuidedTestGait:
    """One guided mobility test: its assessments, the reps it counts and the flags it raises."""

    def __init__(self, test: GuidedTest) -> None:
        self.test = test
        self._reps_sent = 0
        self._flags_sent = 0

    def on_rows(self, rows: ImuTable) -> Messages:
        return []  # the tests read the angles

    def on_angles(self, chunk: AngleChunk) -> Messages:
        return self._messages(self.test.update(chunk))

    def finish(self) -> Messages:
        return self._messages(self.test.finish())

    def _messages(self, assessments: list[dict[str, Any]]) -> Messages:
        reps, flags = self.test.reps_[self._reps_sent :], self.test.flags_[self._flags_sent :]
        self._reps_sent, self._flags_sent = len(self.test.reps_), len(self.test.flags_)
        return ([{"type": "assessment", **assessment} for assessment in assessments]
                + [rep.to_message() for rep in reps] + _flag_messages(flags))


def _flag_messages(changes: list[FlagChange]) -> Messages:
    return [change.to_message() for change in changes]
