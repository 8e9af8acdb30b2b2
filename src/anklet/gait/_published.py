"""Published foot-IMU event detectors, run on the same data as ours for comparison.

All work on the sagittal angular velocity of the foot (+ lifts the toes, ``_axis``) over a
whole recording, cut into cycles from one mid-swing (the swing's peak forward turn of the foot)
to the next:

* IC at the sagittal-gyro minimum of the cycle's first half, and TO at the minimum of its second
  half: Falbriard et al. 2018 ("Accurate estimation of running temporal parameters using
  foot-worn inertial sensors", Front. Physiol. 9:610), their most precise features in running.
  gaitmap's ``HerzerEventDetection`` takes its TO at the same minimum (the one nearest the start
  of a stride segmented at it), so that row is Herzer's TO too.
* TO at the zero crossing of the sagittal gyro after that minimum, where the foot stops
  plantarflexing: Rampp et al. 2015 (IEEE TBME 62:1089), as gaitmap's ``RamppEventDetection``
  implements it for walking.

Rampp's and Herzer's IC read the specific force along the foot's long axis as well (gaitmap's
``acc_pa``, + toward the toes; :func:`forward_axis`), on strides segmented as gaitmap expects
them: from one push-off minimum of the sagittal gyro to the next.

* Rampp's IC: from the stride's largest forward turn (mid-swing) to 60 % of it, the steepest
  fall of the sagittal rate and then its steepest climb bound a search for the rate's minimum
  (the heel strike's turn toes-down); IC is the largest forward reading from 80 ms before
  that minimum to 50 ms after it.
* Herzer's IC (L. Herzer 2021, in gaitmap): mid-swing is the first of the stride's three most
  prominent rate peaks (at least 20 deg/s of prominence); from there to 70 % of the stride, the
  rate's steepest climb ends the search. The forward reading, low-passed (first-order
  Butterworth at 4 Hz, forward and back, over the stride), has its lowest point in swing
  between mid-swing and that end: IC is its steepest rise after it.

Lost samples are bridged linearly first (these detectors assume a continuous signal).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

from anklet.files import ImuTable
from anklet.gait._foot_events import EventParams, GaitEvent
from anklet.geometry import at_rest

MID_SWING_MIN_RADS = 3.0
"""A mid-swing turns the foot forward at least this fast, rad/s (running peaks near 10-15,
walking near 5)."""
MIN_STRIDE_S = 0.4
MAX_STRIDE_S = 2.5
"""Mid-swings of one foot are at least ``MIN_STRIDE_S`` apart; cycles longer than
``MAX_STRIDE_S`` are breaks in the gait, not strides, s."""
RAMPP_IC_WINDOW_S = (0.08, 0.05)
"""Rampp's IC: the forward reading's maximum this long before and after the gyro candidate, s
(gaitmap's ``ic_search_region_ms`` default)."""
HERZER_PROMINENCE_RADS = math.radians(20.0)
HERZER_PEAKS = 3
HERZER_LOWPASS_HZ = 4.0
"""Herzer's IC, gaitmap's defaults: mid-swing peak prominence (20 deg/s), peaks considered,
and the forward reading's low-pass cut-off."""


class FootSignals(NamedTuple):
    """One foot's signals the published detectors read, on the host grid, lost rows bridged.

    ``t`` (n,) s; ``rate`` (n,) rad/s, the sagittal angular velocity, + lifting the toes;
    ``forward`` (n,) m/s², the specific force along the foot's long axis, + toward the toes.
    """

    t: np.ndarray
    rate: np.ndarray
    forward: np.ndarray


def sagittal_rate(gyr: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """(n,) rad/s: the gyroscope (n, 3) along the flexion ``axis`` (3,), lost rows bridged."""
    return _bridged(gyr @ axis)


def forward_axis(acc: np.ndarray, gyr: np.ndarray, flexion_axis: np.ndarray) -> np.ndarray:
    """Unit (3,) axis along the foot's length, + toward the toes, in the sensor frame: across
    the flexion axis (+ lifting the toes) from the sole's normal, which the accelerometer
    reads while the foot lies still (foot-flat). A turn about the flexion axis lifts the toes
    toward that normal, so forward = normal x flexion axis. ``acc`` (n, 3) m/s² and ``gyr``
    (n, 3) rad/s; NaN rows allowed. Zeros when the foot never rests."""
    params = EventParams()
    rest = at_rest(acc, gyr, params.rest_gyr_rads, params.rest_acc_mps2)
    if not rest.any():
        return np.zeros(3)
    up = acc[rest].mean(axis=0)
    forward = np.cross(up, flexion_axis)
    return forward / np.linalg.norm(forward)


def foot_signals(table: ImuTable, side: str, flexion_axis: np.ndarray) -> FootSignals:
    """The ``side`` foot's :class:`FootSignals` from ``table`` and its flexion axis (3,)."""
    acc, gyr = table.acc[f"{side}_foot"], table.gyr[f"{side}_foot"]
    forward = _bridged(acc @ forward_axis(acc, gyr, flexion_axis))
    return FootSignals(table.t, sagittal_rate(gyr, flexion_axis), forward)


def _bridged(values: np.ndarray) -> np.ndarray:
    present = ~np.isnan(values)
    rows = np.arange(len(values))
    return np.interp(rows, rows[present], values[present]) if present.any() else np.zeros(len(values))


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


def ic_rampp(t: np.ndarray, rate: np.ndarray, forward: np.ndarray, rate_hz: float) -> np.ndarray:
    """IC times, s, by Rampp et al. (2015) as gaitmap's ``RamppEventDetection`` defines it
    for segmented strides (module docstring)."""
    slope = np.gradient(rate)
    before, after = (int(w * rate_hz) for w in RAMPP_IC_WINDOW_S)
    times = []
    for a, b in _segmented_strides(rate, rate_hz):
        stride_rate, stride_slope = rate[a:b], slope[a:b]
        lo, hi = int(np.argmax(stride_rate)), int(0.6 * (b - a))
        if hi <= lo:
            continue
        falls = lo + int(np.argmin(stride_slope[lo:hi]))
        climbs = falls + int(np.argmax(stride_slope[falls:hi]))
        if climbs <= falls:
            continue
        candidate = falls + int(np.argmin(stride_rate[falls:climbs]))
        first, last = max(candidate - before, 0), min(candidate + after, b - a)
        times.append(t[a + first + int(np.argmax(forward[a + first : a + last]))])
    return np.array(times)


def ic_herzer(t: np.ndarray, rate: np.ndarray, forward: np.ndarray, rate_hz: float) -> np.ndarray:
    """IC times, s, by Herzer's detector as gaitmap's ``HerzerEventDetection`` defines it
    (module docstring)."""
    lowpass = butter(1, HERZER_LOWPASS_HZ, fs=rate_hz, output="sos")
    times = []
    for a, b in _segmented_strides(rate, rate_hz):
        stride_rate = rate[a:b]
        peaks, found = find_peaks(stride_rate, prominence=HERZER_PROMINENCE_RADS, height=0.0)
        if not len(peaks):
            continue
        mid_swing = int(peaks[np.sort(np.argsort(found["prominences"])[-HERZER_PEAKS:])[0]])
        hi = int(0.7 * (b - a))
        if hi <= mid_swing:
            continue
        end = min(mid_swing + int(np.argmax(np.gradient(stride_rate)[mid_swing:hi])) + 1, b - a)
        smooth = sosfiltfilt(lowpass, forward[a:b])
        start = mid_swing + int(np.argmin(smooth[mid_swing:end]))
        if end <= start:
            continue
        times.append(t[a + start + int(np.argmax(np.diff(smooth)[start:end]))])
    return np.array(times)


def _push_off_minimum(rate: np.ndarray, a: int, b: int) -> int:
    half = (a + b) // 2
    return half + int(np.argmin(rate[half:b]))


def _segmented_strides(rate: np.ndarray, rate_hz: float) -> list[tuple[int, int]]:
    """Row ranges [a, b) from one push-off minimum to the next, over consecutive mid-swing
    cycles: the strides gaitmap's stride segmentation gives its event detectors."""
    cycles = _cycles(rate, rate_hz)
    return [
        (_push_off_minimum(rate, *first), _push_off_minimum(rate, *second))
        for first, second in zip(cycles[:-1], cycles[1:], strict=True)
        if first[1] == second[0]
    ]


def _cycles(rate: np.ndarray, rate_hz: float) -> list[tuple[int, int]]:
    """Mid-swing to mid-swing row ranges [a, b) that are strides."""
    peaks, _ = find_peaks(rate, height=MID_SWING_MIN_RADS, distance=max(1, round(MIN_STRIDE_S * rate_hz)))
    return [(int(a), int(b)) for a, b in zip(peaks[:-1], peaks[1:], strict=True) if b - a <= MAX_STRIDE_S * rate_hz]


class PublishedDetector(NamedTuple):
    """One published detector: the event it finds, how (from a foot's signals and the rate,
    Hz, to event times, s), and what to call it in a table."""

    event: str
    find: Callable[[FootSignals, float], np.ndarray]
    label: str


def _gyro_only(find: Callable[[np.ndarray, np.ndarray, float], np.ndarray]) -> Callable[[FootSignals, float], np.ndarray]:
    return lambda signals, rate_hz: find(signals.t, signals.rate, rate_hz)


def _gyro_and_forward(
    find: Callable[[np.ndarray, np.ndarray, np.ndarray, float], np.ndarray],
) -> Callable[[FootSignals, float], np.ndarray]:
    return lambda signals, rate_hz: find(signals.t, signals.rate, signals.forward, rate_hz)


PUBLISHED_DETECTORS = {
    "ic_gyro_minimum": PublishedDetector(
        "IC", _gyro_only(ic_at_gyro_minimum), "IC at sagittal-gyro minimum (Falbriard 2018)"
    ),
    "ic_rampp": PublishedDetector("IC", _gyro_and_forward(ic_rampp), "IC at forward-acc peak (Rampp 2015)"),
    "ic_herzer": PublishedDetector("IC", _gyro_and_forward(ic_herzer), "IC at forward-acc steepest rise (Herzer)"),
    "to_gyro_minimum": PublishedDetector(
        "TO", _gyro_only(to_at_gyro_minimum), "TO at sagittal-gyro min (Falbriard 2018; Herzer)"
    ),
    "to_zero_crossing": PublishedDetector(
        "TO", _gyro_only(to_at_zero_crossing), "TO at sagittal-gyro zero crossing (Rampp 2015)"
    ),
}


def published_events(table: ImuTable, rate_hz: float, axes: dict[str, np.ndarray]) -> dict[str, list[GaitEvent]]:
    """Every published detector's events on the foot sensors of ``table``, per detector name;
    ``axes`` maps each side to its foot sensor's flexion axis (3,), sensor frame, + toes up."""
    found: dict[str, list[GaitEvent]] = {name: [] for name in PUBLISHED_DETECTORS}
    for side, axis in axes.items():
        signals = foot_signals(table, side, axis)
        for name, detector in PUBLISHED_DETECTORS.items():
            found[name] += [GaitEvent(float(t), side, detector.event) for t in detector.find(signals, rate_hz)]
    return {name: sorted(events) for name, events in found.items()}
