"""The knee-to-wall test (weight-bearing lunge) of the first seed article, one side at a time.

The longest toe stands on a tape 4.5 in (under 5 ft 8 in) or 5.5 in from the wall, the heel
stays down and the knee is driven towards the wall. The foot is flat, so dorsiflexion is the
shank's forward tilt: from the athlete's shank length (``anklet.geometry``) the maximum
dorsiflexion gives the farthest toe-to-wall distance at which the knee would still touch,
and the side passes when that reaches the tape (within the profile's touch tolerance).
Each attempt is a rep of :class:`RepDetector`; a side is done after ``attempts`` of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from anklet.gait._mobility import GuidedTest
from anklet.gait._squat import Rep, RepDetector, RepParams
from anklet.geometry import knee_ahead_of_toe_m, knee_to_wall_required_df_rad
from anklet.pipeline import AngleChunk

__all__ = ["KneeToWallParams", "KneeToWallTest"]


@dataclass(frozen=True, slots=True)
class KneeToWallParams:
    """``attempts`` per side (the simulator's protocol: 3); ``reps``: how attempts are found."""

    attempts: int = 3
    reps: RepParams = field(default_factory=RepParams)


class KneeToWallTest(GuidedTest):
    """Knee-to-wall of both sides in turn, whichever goes first.

    Phases: ``ready`` until an attempt starts; ``hold`` while a side's attempts go on;
    ``result`` once a side is assessed (``hold`` again when the other side starts). A side
    with ``restricted_df`` raises that flag, with the attempts as evidence.
    """

    test = "knee_to_wall"
    instruction_texts = {
        "ready": "Shoes off. Put your longest toe on a tape {distance_cm:.1f} cm ({distance_in:g} in) from a wall, "
        "heel down, and step the other foot back.",
        "hold": "Keep the heel down and drive the knee towards the wall; hold when it touches or will go no "
        "further. {attempts} attempts, then the other side.",
        "result": "{result}",
    }
    params_type = KneeToWallParams

    def reset(self) -> None:
        super().reset()
        self._detector = RepDetector(self.rate_hz, self.athlete, self.params.reps)
        self._attempts: dict[str, list[Rep]] = {}

    @property
    def reps_(self) -> list[Rep]:
        """Every rep so far, of both sides: the attempts, and any made after a side was assessed."""
        return self._detector.reps_

    def update(self, chunk: AngleChunk) -> list[dict[str, Any]]:
        done = self._take(self._detector.update(chunk))
        starting = [side for side in self._detector.sides_in_rep_ if not self._assessed_side(side)]
        if self.phase_ != "hold" and starting:
            self.phase_, self.side_ = "hold", starting[0]
        return done

    def finish(self) -> list[dict[str, Any]]:
        done = self._take(self._detector.finish())
        if self.side_ in self._attempts and not self._assessed_side(self.side_):
            done.append(self._assess(self.side_))
        return done

    def _take(self, reps: list[Rep]) -> list[dict[str, Any]]:
        done = []
        for rep in reps:
            if self._assessed_side(rep.side):
                continue
            if self.side_ != rep.side and self.side_ in self._attempts and not self._assessed_side(self.side_):
                done.append(self._assess(self.side_))  # the athlete moved on before the last attempt
            self.phase_, self.side_ = "hold", rep.side
            self._attempts.setdefault(rep.side, []).append(rep)
            if len(self._attempts[rep.side]) == self.params.attempts:
                done.append(self._assess(rep.side))
        return done

    def _assessed_side(self, side: str) -> bool:
        return any(assessment["side"] == side for assessment in self.assessments_)

    def _assess(self, side: str) -> dict[str, Any]:
        attempts = self._attempts[side]
        body, distance_m = self.athlete.body, self.athlete.knee_to_wall_distance_m
        max_df_deg = max(rep.max_dorsiflexion_deg for rep in attempts)
        reach_m = knee_ahead_of_toe_m(body, math.radians(max_df_deg))
        touches = reach_m >= distance_m - self.athlete.thresholds.knee_to_wall_touch_tolerance_cm / 100.0
        self.phase_ = "result"
        assessment = {
            "side": side,
            "max_dorsiflexion_deg": max_df_deg,
            "toe_to_wall_cm": 100.0 * distance_m,
            "required_deg": math.degrees(knee_to_wall_required_df_rad(body, distance_m)),
            "max_toe_to_wall_cm": 100.0 * reach_m,
            "knee_touches_wall": touches,
            "passed": touches,
            "attempts_deg": [rep.max_dorsiflexion_deg for rep in attempts],
            "t": attempts[-1].end_t,
        }
        evidence = {
            "attempts": [{"start_t": r.start_t, "end_t": r.end_t, "max_dorsiflexion_deg": r.max_dorsiflexion_deg}
                         for r in attempts],
            "touch_tolerance_cm": self.athlete.thresholds.knee_to_wall_touch_tolerance_cm,
            "distance_source": self.athlete.sources["knee_to_wall_tall_distance_cm"],
        }
        return self._assessed(assessment, "restricted_df", evidence)

    def _instruction_values(self) -> dict[str, Any]:
        distance_cm = 100.0 * self.athlete.knee_to_wall_distance_m
        return {
            "distance_cm": distance_cm,
            "distance_in": round(distance_cm / 2.54, 1),
            "attempts": self.params.attempts,
            "result": _result_text(self.assessments_[-1]) if self.assessments_ else "",
        }


def _result_text(assessment: dict[str, Any]) -> str:
    side, reached = assessment["side"].capitalize(), assessment["max_dorsiflexion_deg"]
    if assessment["passed"]:
        return f"{side}: the knee reaches the wall ({reached:.0f} deg): enough ankle flexion."
    short_cm = assessment["toe_to_wall_cm"] - assessment["max_toe_to_wall_cm"]
    return (f"{side}: the knee stops about {short_cm:.0f} cm short of the wall ({reached:.0f} of "
            f"{assessment['required_deg']:.0f} deg): ankle flexion is what to work on.")
