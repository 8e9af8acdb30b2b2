"""The split squat on a slant board of the second seed article: reps per leg and sets.

The front foot stands on the board, heel up; each rep lowers the knee over the toes
(dorsiflexion) and, at the top, lifts the heel (plantarflexion): "8-10 reps each leg, 2-3
sets". Reps are those of :class:`RepDetector` with the lunge threshold and a minimum range,
which leaves out the back ankle (it moves through 7-18 deg); a leg's run of reps is one set,
ended by a pause longer than ``set_break_s`` or by the other leg's first rep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from anklet.gait._mobility import GuidedTest
from anklet.gait._squat import Rep, RepDetector, RepParams
from anklet.gait._squat_flag import RestrictedDfFlag
from anklet.pipeline import AngleChunk

__all__ = ["SplitSquatParams", "SplitSquatTest"]


@dataclass(frozen=True, slots=True)
class SplitSquatParams:
    """Tunables of the split-squat test.

    Attributes
    ----------
    reps
        Rep detection; the 25 deg minimum range is above the back ankle's travel (7-18 deg)
        and well below a restricted front ankle's (20 deg up, 15 down).
    set_end_s
        A set shows as over (phase ``result``) once its leg has completed no rep for this long
        (a rep takes 3-4 s and the next follows at once), s. Its assessment comes with the
        next set's first rep (a pause longer than ``reps.set_break_s``, or the other leg) or
        at ``finish()``, so that it is the same however the stream is cut.
    """

    reps: RepParams = field(default_factory=lambda: RepParams(min_range_rad=math.radians(25.0)))
    set_end_s: float = 6.0


class SplitSquatTest(GuidedTest):
    """Slant-board split squats, reps counted per leg and set.

    Phases: ``ready`` until the first rep; ``hold`` while a set goes on; ``result`` once a
    set is over (``hold`` again with the next rep). Each set is an assessment
    ``{"test": "split_squat", "side", "set_index", "reps", "max_dorsiflexion_deg": [...],
    "max_plantarflexion_deg": [...], "range_deg": [...], "passed", "t"}``; ``passed`` is
    False when most of its reps are ``restricted_df``. The ``restricted_df`` flag follows
    the reps as in squats (``flags_``).

    Attributes
    ----------
    reps_
        Every rep so far.
    """

    test = "split_squat"
    instruction_texts = {
        "ready": "Front foot on the slant board, heel up; step the other foot back into a split squat.",
        "hold": "Lower until the knee travels over the toes, come up and lift the heel. "
        "8-10 reps, then the other leg; 2-3 sets. {side} leg, set {set_number}: {reps} reps.",
        "result": "{side} leg, set {set_number}: {reps} reps, range {range_text}.",
    }
    params_type = SplitSquatParams

    def reset(self) -> None:
        super().reset()
        self._detector = RepDetector(self.rate_hz, self.athlete, self.params.reps, exercise="lunge")
        self._flag = RestrictedDfFlag(self.athlete, exercise="lunge")
        self._set: list[Rep] = []

    @property
    def reps_(self) -> list[Rep]:
        return self._detector.reps_

    def update(self, chunk: AngleChunk) -> list[dict[str, Any]]:
        done = self._take(self._detector.update(chunk))
        if self._set and len(chunk) and chunk.t[-1] - self._set[-1].end_t > self.params.set_end_s:
            self.phase_ = "result"
        return done

    def finish(self) -> list[dict[str, Any]]:
        done = self._take(self._detector.finish())
        return done + [self._close_set()] if self._set else done

    def _take(self, reps: list[Rep]) -> list[dict[str, Any]]:
        self.flags_.extend(self._flag.update(reps))
        done = []
        for rep in reps:
            if self._set and (rep.side, rep.set_index) != (self._set[0].side, self._set[0].set_index):
                done.append(self._close_set())
            self._set.append(rep)
            self.phase_, self.side_ = "hold", rep.side
        return done

    def _close_set(self) -> dict[str, Any]:
        reps, self._set = self._set, []
        self.phase_ = "result"
        assessment = {
            "side": reps[0].side,
            "set_index": reps[0].set_index,
            "reps": len(reps),
            "max_dorsiflexion_deg": [rep.max_dorsiflexion_deg for rep in reps],
            "max_plantarflexion_deg": [rep.max_plantarflexion_deg for rep in reps],
            "range_deg": [rep.range_deg for rep in reps],
            "passed": sum(rep.restricted_df for rep in reps) <= len(reps) / 2,
            "t": reps[-1].end_t,
        }
        self.assessments_.append({"test": self.test, **assessment})
        return self.assessments_[-1]

    def _instruction_values(self) -> dict[str, Any]:
        """The set under way, else the last one."""
        if self._set:
            side, set_index, reps, ranges = (self._set[0].side, self._set[0].set_index, len(self._set),
                                             [rep.range_deg for rep in self._set])
        elif self.assessments_:
            last = self.assessments_[-1]
            side, set_index, reps, ranges = last["side"], last["set_index"], last["reps"], last["range_deg"]
        else:
            side, set_index, reps, ranges = self.side_ or "", 0, 0, []
        return {
            "side": side.capitalize(),
            "set_number": set_index + 1,
            "reps": reps,
            "range_text": f"{min(ranges):.0f}-{max(ranges):.0f} deg" if ranges else "-",
        }
