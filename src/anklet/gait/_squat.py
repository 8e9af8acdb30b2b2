"""Squat repetitions from the dorsiflexion angle of each ankle, live or offline.

:class:`RepDetector` is fed angle chunks in order and returns each rep soon after it ends
(once the angle has settled for ``settle_s``, or once the next rep is on its way); the
offline :func:`detect_reps` is the same detector fed the whole session at once. A rep
carries its maximum dorsiflexion and when the bottom was, a depth proxy (how far the front
of the knee travelled past the toes, from the athlete's shank length) and whether its
dorsiflexion is restricted by the athlete profile's threshold.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anklet.gait._athlete import AthleteProfile
from anklet.gait._squat_segment import RepSegmenter, Segment, SegmentParams
from anklet.geometry import knee_ahead_of_toe_m
from anklet.pipeline import AngleChunk

__all__ = ["EXERCISES", "Rep", "RepDetector", "RepParams", "detect_reps", "restricted_df_threshold_key"]

EXERCISES = ("squat", "lunge")
"""Which of the profile's dorsiflexion thresholds applies: squats, or lunges (split squat)."""


def restricted_df_threshold_key(exercise: str) -> str:
    """The athlete profile's threshold for ``exercise``; ValueError for an unknown one."""
    if exercise not in EXERCISES:
        raise ValueError(f"exercise must be one of {EXERCISES}, not {exercise!r}")
    return f"restricted_df_{exercise}_deg"


@dataclass(frozen=True, slots=True)
class Rep:
    """One repetition of one ankle: a squat, a split-squat rep or a knee-to-wall attempt.

    The first six fields are the ``reps.csv`` columns of DESIGN.md. Times are session s.
    ``knee_past_toe_cm`` is the depth proxy: how far the front of the knee was ahead of the
    longest toe at the bottom (negative: behind it), foot flat, from the athlete's shank
    length. ``max_plantarflexion_deg`` is the most plantarflexed angle after the bottom as
    degrees of plantarflexion (about 0 in a squat, the heel raise in a split squat);
    ``range_deg`` runs from there to the maximum dorsiflexion. ``set_index`` counts sets from 0.
    """

    side: str
    start_t: float
    bottom_t: float
    end_t: float
    max_dorsiflexion_deg: float
    restricted_df: bool
    knee_past_toe_cm: float
    max_plantarflexion_deg: float
    range_deg: float
    set_index: int

    def to_message(self) -> dict[str, Any]:
        """The ``rep`` message of DESIGN.md, at the end of the rep."""
        return {"type": "rep", "t": self.end_t, **dataclasses.asdict(self)}


@dataclass(frozen=True, slots=True)
class RepParams:
    """Tunables of rep detection.

    Attributes
    ----------
    segment
        How the angle is cut into reps (:class:`SegmentParams`).
    bottom_fraction
        The bottom is the middle of the time the angle spends within this fraction of the
        rep's excursion below its maximum (the pause at the bottom, not its noisiest sample).
    set_break_s
        A pause longer than this between two reps of one side starts a new set, s.
    min_range_rad
        Reps that travel less than this (maximum dorsiflexion to the lowest angle after it)
        are not counted, rad: in a split squat the back ankle moves too, through 7-18 deg.
    """

    segment: SegmentParams = field(default_factory=SegmentParams)
    bottom_fraction: float = 0.1
    set_break_s: float = 15.0
    min_range_rad: float = 0.0


class RepDetector:
    """Reps of both ankles from angle chunks fed in time order.

    Parameters
    ----------
    rate_hz
        Rate of the angle grid, Hz.
    athlete
        Body size (for the depth proxy) and the ``restricted_df`` threshold.
    params
        Detection tunables.
    exercise
        ``"squat"`` or ``"lunge"``: which restricted-dorsiflexion threshold applies.

    Attributes
    ----------
    reps_
        Every rep completed so far, in the order they were known to be complete.
    """

    def __init__(
        self, rate_hz: float, athlete: AthleteProfile, params: RepParams | None = None, *, exercise: str = "squat"
    ) -> None:
        restricted_df_threshold_key(exercise)  # refuse an unknown exercise here, not at the first rep
        self.rate_hz = rate_hz
        self.athlete = athlete
        self.params = params or RepParams()
        self.exercise = exercise
        self.reset()

    def reset(self) -> None:
        self._segmenters: dict[str, RepSegmenter] = {}
        self._sets: dict[str, tuple[int, float]] = {}  # side -> (set index, end of its last rep)
        self.reps_: list[Rep] = []

    @property
    def sides_in_rep_(self) -> list[str]:
        """Sides whose current rep has started and not yet ended."""
        return [side for side, segmenter in self._segmenters.items() if segmenter.in_rep]

    def update(self, chunk: AngleChunk) -> list[Rep]:
        """The reps completed by this chunk (rows in time order, per side (n, 3) rad)."""
        segments = [
            (side, segment)
            for side, angles in chunk.angles.items()
            for segment in self._segmenter(side).update(chunk.t, angles[:, 0])
        ]
        return self._reps(segments)

    def finish(self) -> list[Rep]:
        """The stream has ended: reps that were on their way back are complete."""
        return self._reps([(side, segment) for side, seg in self._segmenters.items() for segment in seg.finish()])

    def _segmenter(self, side: str) -> RepSegmenter:
        if side not in self._segmenters:
            self._segmenters[side] = RepSegmenter(self.rate_hz, self.params.segment)
        return self._segmenters[side]

    def _reps(self, segments: list[tuple[str, Segment]]) -> list[Rep]:
        # in the order they became known, so any chunking gives the same sequence
        segments.sort(key=lambda item: (float(item[1].t[-1]), item[0]))
        long_enough = [(side, seg) for side, seg in segments if _range_rad(seg) >= self.params.min_range_rad]
        reps = [self._rep(side, segment) for side, segment in long_enough]
        self.reps_.extend(reps)
        return reps

    def _rep(self, side: str, segment: Segment) -> Rep:
        t, df = segment.t, segment.dorsiflexion
        peak = int(np.nanargmax(df))
        near_bottom = np.flatnonzero(df >= df[peak] - self.params.bottom_fraction * (df[peak] - segment.low_rad))
        after_low = df[peak] - _range_rad(segment)
        end = peak + int(np.flatnonzero(df[peak:] <= after_low + self.params.segment.band_rad)[0])
        max_df_deg = math.degrees(df[peak])
        set_index = self._set_index(side, float(t[0]), float(t[end]))
        return Rep(
            side=side,
            start_t=float(t[0]),
            bottom_t=float(0.5 * (t[near_bottom[0]] + t[near_bottom[-1]])),
            end_t=float(t[end]),
            max_dorsiflexion_deg=max_df_deg,
            restricted_df=max_df_deg < self._restricted_below_deg,
            knee_past_toe_cm=100.0 * knee_ahead_of_toe_m(self.athlete.body, float(df[peak])),
            max_plantarflexion_deg=-math.degrees(after_low),
            range_deg=math.degrees(df[peak] - after_low),
            set_index=set_index,
        )

    @property
    def _restricted_below_deg(self) -> float:
        return getattr(self.athlete.thresholds, restricted_df_threshold_key(self.exercise))

    def _set_index(self, side: str, start_t: float, end_t: float) -> int:
        index, last_end = self._sets.get(side, (0, math.inf))
        if start_t - last_end > self.params.set_break_s:
            index += 1
        self._sets[side] = (index, end_t)
        return index


def _range_rad(segment: Segment) -> float:
    """From the maximum dorsiflexion to the lowest angle after it, rad."""
    peak = int(np.nanargmax(segment.dorsiflexion))
    return float(segment.dorsiflexion[peak] - np.nanmin(segment.dorsiflexion[peak:]))


def detect_reps(
    chunk: AngleChunk,
    rate_hz: float,
    athlete: AthleteProfile,
    params: RepParams | None = None,
    *,
    exercise: str = "squat",
) -> list[Rep]:
    """Every rep of a whole session's angles: :class:`RepDetector` fed it all at once."""
    detector = RepDetector(rate_hz, athlete, params, exercise=exercise)
    return detector.update(chunk) + detector.finish()
