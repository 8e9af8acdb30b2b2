"""The tall-kneeling sit-back test of the first seed article, both sides at once.

The athlete kneels with the fronts of the ankles on the floor and sits back onto the heels;
a gap between the front of the ankle and the floor means the ankle does not extend enough.
Per side the test measures the plantarflexion held at the deepest sit-back (the most
plantarflexed angle the ankle stays beyond for ``hold_s``, so a brief sample does not count),
and turns it into the gap with the kneeling model of ``anklet.geometry``. A side passes when
it is at most the profile's ``tall_kneeling_tolerance_deg`` short of the plantarflexion that
leaves the largest gap allowed (``tall_kneeling_max_gap_cm``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from anklet.gait._mobility import GuidedTest
from anklet.geometry import tall_kneeling_gap_m, tall_kneeling_required_pf_rad
from anklet.pipeline import AngleChunk

__all__ = ["TallKneelingParams", "TallKneelingTest"]


@dataclass(frozen=True, slots=True)
class TallKneelingParams:
    """Tunables of the tall-kneeling test.

    Attributes
    ----------
    kneeling_below_rad, kneeling_above_rad
        A side kneels once its angle goes below the first (strongly plantarflexed; standing
        and the toes-tucked way down stay above it) and has stood up again once it goes back
        above the second, rad.
    hold_s
        The angle counted is the most plantarflexed one held this long, s.
    knee_height_m
        Height of the knee joint centre above the floor when kneeling, m (the model's).
    """

    kneeling_below_rad: float = math.radians(-25.0)
    kneeling_above_rad: float = math.radians(-15.0)
    hold_s: float = 0.5
    knee_height_m: float = 0.05


class TallKneelingTest(GuidedTest):
    """Tall-kneeling sit-back of both sides.

    Phases: ``ready`` until a side kneels; ``hold`` while any side kneels; ``result`` once
    every side that knelt has stood up again. A side that fails raises ``restricted_pf``.
    """

    test = "tall_kneeling"
    instruction_texts = {
        "ready": "Shoes off. Kneel tall with the fronts of your ankles flat on the floor.",
        "hold": "Let the fronts of the ankles straighten and sit back onto your heels as far as you can; hold, "
        "then come back up.",
        "result": "{result}",
    }
    params_type = TallKneelingParams

    def reset(self) -> None:
        super().reset()
        self._hold_n = max(1, round(self.params.hold_s * self.rate_hz))
        self._recent: dict[str, np.ndarray] = {}  # per side, its last hold_n - 1 angles
        self._kneeling: dict[str, bool] = {}
        self._deepest: dict[str, float] = {}  # per kneeling side, its most plantarflexed held angle, rad
        self._last_t = math.nan

    def update(self, chunk: AngleChunk) -> list[dict[str, Any]]:
        done = [a for side, angles in chunk.angles.items() for a in self._side(side, chunk.t, angles[:, 0])]
        self._last_t = float(chunk.t[-1]) if len(chunk) else self._last_t
        done.sort(key=lambda assessment: assessment["t"])
        if any(self._kneeling.values()):
            self.phase_ = "hold"
        elif done:
            self.phase_ = "result"
        return done

    def finish(self) -> list[dict[str, Any]]:
        """Sides still kneeling when the data ends are assessed on what they held."""
        kneeling = [side for side, still in self._kneeling.items() if still]
        self._kneeling = dict.fromkeys(self._kneeling, False)
        done = [a for a in (self._assess(side, self._last_t) for side in kneeling) if a is not None]
        if done:
            self.phase_ = "result"
        return done

    def _side(self, side: str, t: np.ndarray, dorsiflexion: np.ndarray) -> list[dict[str, Any]]:
        held = self._held(side, dorsiflexion)
        p, done, i = self.params, [], 0
        while i < len(t):  # one pass per kneeling transition, not per sample
            if not self._kneeling.get(side, False):
                below = np.flatnonzero(dorsiflexion[i:] < p.kneeling_below_rad)
                if not len(below):
                    break
                i += int(below[0])
                self._kneeling[side], self._deepest[side] = True, math.nan
                continue
            above = np.flatnonzero(dorsiflexion[i:] > p.kneeling_above_rad)
            stop = i + int(above[0]) if len(above) else len(t)
            if np.any(~np.isnan(held[i:stop])):
                self._deepest[side] = float(np.fmin(self._deepest[side], np.nanmin(held[i:stop])))
            if not len(above):
                break
            self._kneeling[side], i = False, stop
            done.append(self._assess(side, float(t[stop])))
        return [assessment for assessment in done if assessment is not None]

    def _held(self, side: str, dorsiflexion: np.ndarray) -> np.ndarray:
        """Per new sample, the least plantarflexed angle of the last ``hold_s`` (NaN when
        fewer than half of those samples are present), rad."""
        padding = np.full(self._hold_n - 1, np.nan)
        values = np.concatenate([self._recent.get(side, padding), dorsiflexion])
        self._recent[side] = values[len(values) - (self._hold_n - 1) :]
        windows = sliding_window_view(values, self._hold_n)
        present = np.sum(~np.isnan(windows), axis=1)
        highest = np.max(np.nan_to_num(windows, nan=-np.inf), axis=1)
        return np.where(present >= self._hold_n / 2, highest, np.nan)

    def _assess(self, side: str, t: float) -> dict[str, Any] | None:
        deepest = self._deepest.pop(side, math.nan)
        if math.isnan(deepest):
            return None  # knelt too briefly to hold anything
        body, th = self.athlete.body, self.athlete.thresholds
        pf_rad = -deepest
        gap_m = tall_kneeling_gap_m(body, pf_rad, self.params.knee_height_m)
        required = tall_kneeling_required_pf_rad(body, th.tall_kneeling_max_gap_cm / 100.0, self.params.knee_height_m)
        assessment = {
            "side": side,
            "max_plantarflexion_deg": math.degrees(pf_rad),
            "ankle_gap_cm": 100.0 * gap_m,
            "required_pf_deg": math.degrees(required),
            # the benefit of the doubt: kneeling is measured less accurately than standing
            "passed": math.degrees(pf_rad) >= math.degrees(required) - th.tall_kneeling_tolerance_deg,
            "t": t,
        }
        evidence = {
            "max_gap_cm": th.tall_kneeling_max_gap_cm,
            "max_gap_source": self.athlete.sources["tall_kneeling_max_gap_cm"],
            "tolerance_deg": th.tall_kneeling_tolerance_deg,
        }
        return self._assessed(assessment, "restricted_pf", evidence)

    def _instruction_values(self) -> dict[str, Any]:
        texts = [_result_text(assessment) for assessment in self.assessments_[-2:]]
        return {"result": " ".join(texts)}


def _result_text(assessment: dict[str, Any]) -> str:
    side, pf = assessment["side"].capitalize(), assessment["max_plantarflexion_deg"]
    if assessment["passed"]:
        return f"{side}: the front of the ankle reaches the floor ({pf:.0f} deg of extension)."
    return (f"{side}: a gap of about {assessment['ankle_gap_cm']:.0f} cm under the front of the ankle ({pf:.0f} of "
            f"{assessment['required_pf_deg']:.0f} deg of extension): a place to start if running has hurt your back.")
