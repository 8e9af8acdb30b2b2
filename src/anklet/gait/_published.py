"""Published foot-IMU event detectors, run on the same data as ours for comparison.

All work on the sagittal angular velocity of the foot (+ lifts the toes, ``_axis``) over a
whole recording, cut into cycles from one mid-swing (the swing's peak forward turn of the foot)
to the next:

* IC at the sagittal-gyro minimum of the cycle's first half, and TO at the minimum of its second
  half: Falbriard et al. 2018 ("Accurate estimation of running temporal parameters using
  foot-worn inertial sensors", Front. Physiol. 9:610), their most precise features in running.
* TO at the zero crossing of the sagittal gyro after that minimum, where the foot stops
  plantarflexing: Rampp et al. 2015 (IEEE TBME 62:1089), as gaitmap's ``RamppEventDetection``
  implements it for walking.

Lost samples are bridged linearly first (these detectors assume a continuous signal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.signal import find_peaks

from anklet.files import ImuTable
from anklet.gait._foot_events import GaitEvent

MID_SWING_MIN_RADS = 3.0
"""A mid-swing turns the foot forward at least this fast, rad/s (running peaks near 10-15,
walking near 5)."""
MIN_STRIDE_S = 0.4
MAX_STRIDE_S = 2.5
"""Mid-swings of one foot are at least ``MIN_STRIDE_S`` apart; cycles longer than
``MAX_STRIDE_S`` are breaks in the gait, not strides, s."""


def sagittal_rate(gyr: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """(n,) rad/s: the gyroscope (n, 3) along the flexion ``axis`` (3,), lost rows bridged."""
    rate = gyr @ axis
    present = ~np.isnan(rate)
    rows = np.arange(len(rate))
    return np.interp(rows, rows[present], rate[present]) if present.any() else np.zeros(len(rate))


def ic_at_gyro_minimum(t: np.ndarray, rate: np.ndarray, rate_hz: float) -> np.ndarray:
    """IC times, s: the sagittal rate's minimum in the first half of each mid-swing cycle."""
    return np.array([t[a + np.argmin(rate[a : (a + b) // 2])] for a, b in _cycles(rate, rate_hz)])


def to_at_gyro_minimum(t: np.ndarray, rate: np.ndarray, rate_hz: float) -> np.ndarray:
    """TO times, s: the sagittal rate's minimum in the second half of each mid-swing cycle."""
    return np.array([t[_push_off_minimum(rate, a, b)] for a, b in _cycles(rate, rate_hz)])


def to_at_zero_crossing(t: np.ndarray, rate: np.ndarray, rate_hz: float) -> np.ndarray:
    """TO times, s: where the sagittal rate first climbs through zero after the push-off
    minimum of each mid-swing cycle (linear between the rows around the crossing)."""
    times = []
    for a, b in _cycles(rate, rate_hz):
        low = _push_off_minimum(rate, a, b)
        up = np.flatnonzero(rate[low:b] >= 0.0)
        if rate[low] < 0.0 and len(up):
            k = low + int(up[0])
            times.append(np.interp(0.0, rate[k - 1 : k + 1], t[k - 1 : k + 1]))
    return np.array(times)


def _push_off_minimum(rate: np.ndarray, a: int, b: int) -> int:
    half = (a + b) // 2
    return half + int(np.argmin(rate[half:b]))


def _cycles(rate: np.ndarray, rate_hz: float) -> list[tuple[int, int]]:
    """Mid-swing to mid-swing row ranges [a, b) that are strides."""
    peaks, _ = find_peaks(rate, height=MID_SWING_MIN_RADS, distance=max(1, round(MIN_STRIDE_S * rate_hz)))
    return [(int(a), int(b)) for a, b in zip(peaks[:-1], peaks[1:], strict=True) if b - a <= MAX_STRIDE_S * rate_hz]


class PublishedDetector(NamedTuple):
    """One published detector: the event it finds, how, and what to call it in a table."""

    event: str
    find: Callable[[np.ndarray, np.ndarray, float], np.ndarray]
    label: str


PUBLISHED_DETECTORS = {
    "ic_gyro_minimum": PublishedDetector("IC", ic_at_gyro_minimum, "IC at sagittal-gyro minimum (Falbriard 2018)"),
    "to_gyro_minimum": PublishedDetector("TO", to_at_gyro_minimum, "TO at sagittal-gyro minimum (Falbriard 2018)"),
    "to_zero_crossing": PublishedDetector("TO", to_at_zero_crossing, "TO at sagittal-gyro zero crossing (Rampp 2015)"),
}


def published_events(table: ImuTable, rate_hz: float, axes: dict[str, np.ndarray]) -> dict[str, list[GaitEvent]]:
    """Every published detector's events on the foot sensors of ``table``, per detector name;
    ``axes`` maps each side to its foot sensor's flexion axis (3,), sensor frame, + toes up."""
    found: dict[str, list[GaitEvent]] = {name: [] for name in PUBLISHED_DETECTORS}
    for side, axis in axes.items():
        rate = sagittal_rate(table.gyr[f"{side}_foot"], axis)
        for name, detector in PUBLISHED_DETECTORS.items():
            found[name] += [GaitEvent(float(t), side, detector.event) for t in detector.find(table.t, rate, rate_hz)]
    return {name: sorted(events) for name, events in found.items()}
