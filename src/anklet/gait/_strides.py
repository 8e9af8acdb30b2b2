"""Strides from gait events and ankle angles, and how the two sides compare.

A stride runs from one initial contact of a foot to its next; its toe-off is the first TO
between the two. Angles are the ankle's dorsiflexion (ISB; negative = plantarflexion), read
from the angle chunk at the event times (linear between grid rows) and over the stride's
phases, in degrees because ``strides.csv`` carries them (DESIGN.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from anklet.gait._foot_events import GaitEvent
from anklet.geometry import SIDES

if TYPE_CHECKING:  # the pipeline will feed the gait stage: no import of it at run time
    from anklet.pipeline import AngleChunk

STRIDE_TIME_S = (0.3, 2.5)
"""A stride outside this (s) spans a stop or a lost stretch: no stride."""
WALKING_DUTY_FACTOR = 0.5
"""A stride whose foot is on the ground for at least this share of it is walking, else
running: the duty factor that parts the two gaits (Alexander 1989, Physiol Rev 69:1199-1227).
Above it the two feet's stances overlap (double support) and there is no flight. On the
simulator walking strides have 0.56-0.64 (1.0-1.8 m/s), running ones 0.24-0.39 (2.5-5.5 m/s)."""
GAITS = ("running", "walking")


@dataclass(frozen=True, slots=True)
class Stride:
    """One stride of one foot; the first fields are the ``strides.csv`` columns of DESIGN.md.

    Times are session seconds. ``flight_time_s`` runs from this foot's TO to the other
    foot's next IC (0 when the other foot landed before this one left: walking's double
    support; NaN when the other foot's landing is not known before this stride's end).
    ``cadence_spm`` is steps per minute (both feet
    counted) at this stride's time. Angles, deg, NaN where no angle was computed:
    ``peak_dorsiflexion_deg`` over stance (IC to TO), ``peak_plantarflexion_deg`` the most
    plantarflexed angle from TO to the stride's end (dorsiflexion-signed, like the TO angle),
    ``range_deg`` from the stride's lowest to its highest angle. ``gait`` is ``walking`` or
    ``running`` (:func:`stride_gait`). ``restricted_pf`` is decided from the TO angle by the
    flag stage's threshold for that gait when one is given, else False.
    """

    side: str
    ic_t: float
    to_t: float
    end_t: float
    contact_time_s: float
    ankle_angle_at_to_deg: float
    restricted_pf: bool
    flight_time_s: float
    stride_time_s: float
    cadence_spm: float
    ankle_angle_at_ic_deg: float
    peak_dorsiflexion_deg: float
    peak_plantarflexion_deg: float
    range_deg: float
    gait: str

    def to_message(self) -> dict[str, Any]:
        """The ``stride`` message of DESIGN.md, at the stride's end: the fields in order, NaN
        (no value) as null."""
        message: dict[str, Any] = {"type": "stride", "t": self.end_t}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            message[name] = None if isinstance(value, float) and math.isnan(value) else value
        return message


@dataclass(frozen=True, slots=True)
class Symmetry:
    """Left against right for one stride metric: the medians of each side's strides, their
    difference (left - right, the metric's unit) and, for metrics that are magnitudes (times,
    cadence, range), the symmetry index 100 (L - R) / ((L + R) / 2), % (Robinson et al. 1987);
    NaN where it does not apply."""

    metric: str
    left: float
    right: float
    difference: float
    symmetry_index_pct: float


SYMMETRY_METRICS = (
    "contact_time_s", "flight_time_s", "stride_time_s", "cadence_spm", "ankle_angle_at_ic_deg",
    "ankle_angle_at_to_deg", "peak_dorsiflexion_deg", "peak_plantarflexion_deg", "range_deg",
)
_MAGNITUDES = {"contact_time_s", "flight_time_s", "stride_time_s", "cadence_spm", "range_deg"}


def strides_from_events(
    events: Iterable[GaitEvent],
    angles: AngleChunk | None = None,
    *,
    restricted_pf_to_deg: Mapping[str, float] | None = None,
) -> list[Stride]:
    """Every complete stride (IC, TO, next IC of the same foot) in ``events``, by IC time.

    ``angles`` gives the dorsiflexion (column 0, rad) per side; without it, or for a side it
    lacks, the angles are NaN. ``restricted_pf_to_deg``, per gait (``FlagThresholds.
    restricted_pf_to_deg_by_gait``): a stride whose TO angle is above its gait's (less
    plantarflexed), deg, is ``restricted_pf``.
    """
    by_kind = {(side, kind): [] for side in SIDES for kind in ("IC", "TO")}
    for event in events:
        if (event.side, event.event) in by_kind:
            by_kind[event.side, event.event].append(event.t)
    times = {key: np.sort(values) for key, values in by_kind.items()}
    strides = []
    for side in SIDES:
        dorsiflexion = dorsiflexion_deg(angles, side)
        ics, tos, other_ics = times[side, "IC"], times[side, "TO"], times[other_side(side), "IC"]
        for ic_t, end_t in zip(ics[:-1], ics[1:], strict=True):
            stride = stride_between(side, float(ic_t), float(end_t), tos, other_ics, dorsiflexion, restricted_pf_to_deg)
            if stride is not None:
                strides.append(stride)
    return sorted(strides, key=lambda stride: stride.ic_t)


def stride_between(
    side: str, ic_t: float, end_t: float, tos: np.ndarray, other_ics: np.ndarray,
    dorsiflexion: tuple[np.ndarray, np.ndarray] | None, restricted_pf_to_deg: Mapping[str, float] | None,
) -> Stride | None:
    """The stride of ``side`` from its IC at ``ic_t`` to its next at ``end_t``, s (the one
    computation of the offline and the live builder): its TO is the first of the foot's
    ``tos`` (sorted) after ``ic_t``, the flight ends at the first of the other foot's
    ``other_ics`` (sorted) after that TO; ``dorsiflexion`` is ``(t, deg)`` as
    :func:`dorsiflexion_deg` gives it. None when the stride lasts outside ``STRIDE_TIME_S``
    or has no TO before its end."""
    to_after = tos[np.searchsorted(tos, ic_t, side="right") :]
    if not STRIDE_TIME_S[0] <= end_t - ic_t <= STRIDE_TIME_S[1] or not len(to_after) or to_after[0] >= end_t:
        return None
    to_t = float(to_after[0])
    flight = _flight_time_s(ic_t, to_t, end_t, other_ics)
    return _stride(side, ic_t, to_t, end_t, flight, dorsiflexion, restricted_pf_to_deg)


def stride_gait(ic_t: float, to_t: float, end_t: float) -> str:
    """``walking`` or ``running``: the stride's duty factor (contact time over stride time,
    s) against :data:`WALKING_DUTY_FACTOR`. It needs only the foot's own events, so a lost
    landing of the other foot (which would fake a flight) cannot change it."""
    return "walking" if to_t - ic_t >= WALKING_DUTY_FACTOR * (end_t - ic_t) else "running"


def other_side(side: str) -> str:
    return "right" if side == "left" else "left"


def symmetry(strides: Iterable[Stride], metrics: tuple[str, ...] = SYMMETRY_METRICS) -> list[Symmetry]:
    """Left against right for each metric, over the strides that have it (NaN ones skipped)."""
    strides = list(strides)
    result = []
    for metric in metrics:
        left, right = (nan_median([getattr(s, metric) for s in strides if s.side == side]) for side in SIDES)
        index = math.nan
        if metric in _MAGNITUDES and left + right > 0:
            index = 100.0 * (left - right) / (0.5 * (left + right))
        result.append(Symmetry(metric, left, right, left - right, index))
    return result


def _stride(
    side: str, ic_t: float, to_t: float, end_t: float, flight_time_s: float,
    dorsiflexion: tuple[np.ndarray, np.ndarray] | None, restricted_pf_to_deg: Mapping[str, float] | None,
) -> Stride:
    at_ic, at_to, stance_max, swing_min, low, high = (math.nan,) * 6
    if dorsiflexion is not None:
        t, deg = dorsiflexion
        at_ic, at_to = (float(np.interp(x, t, deg)) for x in (ic_t, to_t))
        stance_max = _extreme(np.fmax, t, deg, ic_t, to_t)
        swing_min = _extreme(np.fmin, t, deg, to_t, end_t)
        low, high = _extreme(np.fmin, t, deg, ic_t, end_t), _extreme(np.fmax, t, deg, ic_t, end_t)
    gait = stride_gait(ic_t, to_t, end_t)
    restricted = restricted_pf_to_deg is not None and at_to > restricted_pf_to_deg[gait]
    return Stride(
        side=side, ic_t=ic_t, to_t=to_t, end_t=end_t, contact_time_s=to_t - ic_t,
        ankle_angle_at_to_deg=at_to, restricted_pf=restricted, flight_time_s=flight_time_s,
        stride_time_s=end_t - ic_t, cadence_spm=120.0 / (end_t - ic_t), ankle_angle_at_ic_deg=at_ic,
        peak_dorsiflexion_deg=stance_max, peak_plantarflexion_deg=swing_min, range_deg=high - low, gait=gait,
    )


def _flight_time_s(ic_t: float, to_t: float, end_t: float, other_ics: np.ndarray) -> float:
    if not len(other_ics):
        return math.nan
    landed_before = other_ics[np.searchsorted(other_ics, to_t) - 1] if other_ics[0] < to_t else -math.inf
    if landed_before > ic_t:
        return 0.0  # the other foot came down while this one was still on the ground
    after = other_ics[other_ics > to_t]
    # a landing after this stride's end is not this flight's: the other foot's was lost
    return float(after[0] - to_t) if len(after) and after[0] <= end_t else math.nan


def dorsiflexion_deg(angles: AngleChunk | None, side: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(t, dorsiflexion in deg)`` of ``side`` from ``angles``; None without them."""
    if angles is None or side not in angles.angles or not len(angles):
        return None
    return angles.t, np.degrees(angles.angles[side][:, 0])


def _extreme(pick: np.ufunc, t: np.ndarray, deg: np.ndarray, from_t: float, to_t: float) -> float:
    """The largest (``np.fmax``) or smallest (``np.fmin``) angle from ``from_t`` to ``to_t``
    skipping NaN, NaN when there is none: ``np.nanmax``'s and ``np.nanmin``'s reduction (NaN
    only where every angle is), without their cost per call (four a stride)."""
    rows = deg[np.searchsorted(t, from_t) : np.searchsorted(t, to_t, side="right")]
    return float(pick.reduce(rows)) if len(rows) else math.nan


def nan_median(values: list[float]) -> float:
    """Median of the values that are not NaN; NaN when none is."""
    present = [v for v in values if not math.isnan(v)]
    return float(np.median(present)) if present else math.nan
