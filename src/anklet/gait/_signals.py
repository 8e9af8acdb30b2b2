"""Row features of one foot sensor that the event steps read, whatever way the sensor is strapped on.

Every feature here is invariant to the sensor's orientation on the foot (norms, and projections
on directions measured in the same sensor frame), so none of them needs the sagittal axis.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from anklet.geometry import GRAVITY_MPS2


def valid_rows(acc: np.ndarray, gyr: np.ndarray) -> np.ndarray:
    """(n,) bool: rows with a sample (the host grid leaves NaN where one was lost)."""
    return ~(np.isnan(acc).any(axis=1) | np.isnan(gyr).any(axis=1))


def foot_at_rest(acc: np.ndarray, gyr: np.ndarray, max_gyr_rads: float, max_acc_mps2: float) -> np.ndarray:
    """(n,) bool: the foot lies still on the ground (foot-flat): it hardly turns and the
    accelerometer reads gravity alone. NaN rows are False."""
    turning = np.linalg.norm(gyr, axis=1)
    off_gravity = np.abs(np.linalg.norm(acc, axis=1) - GRAVITY_MPS2)
    return (turning < max_gyr_rads) & (off_gravity < max_acc_mps2)


def principal_axis(gyr: np.ndarray) -> np.ndarray:
    """Unit (3,) axis the angular velocities (n, 3) mostly turn about (sign arbitrary)."""
    _, vectors = np.linalg.eigh(gyr.T @ gyr)
    return vectors[:, -1]


def angular_acceleration(gyr: np.ndarray, rate_hz: float) -> np.ndarray:
    """(n, 3) rad/s², central differences; NaN at both ends and beside a lost sample."""
    alpha = np.full_like(gyr, np.nan)
    alpha[1:-1] = (gyr[2:] - gyr[:-2]) * (rate_hz / 2.0)
    return alpha


class Impact(NamedTuple):
    """An impact candidate: its time (s), whether its climb spans lost samples (then it only
    says the climb happened inside the gap), the fall before it (the integral of g minus the
    reading over the stretch below g that its rise ends, m/s) and its climb's slope, m/s³."""

    t: float
    in_gap: bool
    fall_mps: float
    slope_mps3: float


def impacts(t: np.ndarray, along_up: np.ndarray, period_s: float, fraction: float) -> list[Impact]:
    """The impact candidates in ``along_up``, the specific force along the sole's normal (m/s²,
    valid rows only, at times ``t``), earliest first: climbs between neighbouring rows at least
    ``fraction`` as steep as the steepest, at least as steep as the steps beside them, and part
    of a rise that began below g. Before contact the foot falls with the airborne runner (it
    reads less than g along its normal); the ground's arrest throws the reading far above g.
    Without any, the steepest climb.

    The time is the middle of the step, moved to the vertex of a parabola through its slope and
    its neighbours' when they are one period apart.
    """
    slopes = np.diff(along_up) / np.diff(t)
    padded = np.concatenate([[-np.inf], slopes, [-np.inf]])
    sharp = (slopes >= fraction * slopes.max()) & (slopes >= padded[:-2]) & (slopes >= padded[2:])
    rise_start = _rise_starts(slopes)
    from_below = np.flatnonzero(sharp & (along_up[rise_start] < GRAVITY_MPS2))
    fall = _fall_before(t, along_up)[rise_start]
    steps = from_below if len(from_below) else [int(np.argmax(slopes))]
    return [Impact(*_climb_time(t, slopes, int(k), period_s), float(fall[k]), float(slopes[k])) for k in steps]


def _fall_before(t: np.ndarray, along_up: np.ndarray) -> np.ndarray:
    """At each row, the integral of g minus the reading since the reading last was at or above
    g (0 there), m/s."""
    below = along_up < GRAVITY_MPS2
    deficit = np.cumsum(np.where(below, (GRAVITY_MPS2 - along_up) * np.diff(t, prepend=t[0]), 0.0))
    return deficit - np.maximum.accumulate(np.where(below, 0.0, deficit))


def _climb_time(t: np.ndarray, slopes: np.ndarray, k: int, period_s: float) -> tuple[float, bool]:
    middle = 0.5 * (t[k] + t[k + 1])
    if t[k + 1] - t[k] > 1.5 * period_s:
        return float(middle), True
    if 0 < k < len(slopes) - 1 and max(t[k] - t[k - 1], t[k + 2] - t[k + 1]) < 1.5 * period_s:
        before, peak, after = slopes[k - 1 : k + 2]
        curvature = before - 2.0 * peak + after
        if curvature < 0:
            middle += float(np.clip(0.5 * (before - after) / curvature, -0.5, 0.5)) * period_s
    return float(middle), False


def _rise_starts(slopes: np.ndarray) -> np.ndarray:
    """For each step, the row where the run of climbing steps it belongs to began."""
    not_climbing = np.flatnonzero(slopes <= 0)
    previous = np.searchsorted(not_climbing, np.arange(len(slopes))) - 1
    starts = np.zeros(len(slopes), dtype=int)
    starts[previous >= 0] = not_climbing[previous[previous >= 0]] + 1
    return starts


def rising_onset(t: np.ndarray, values: np.ndarray, threshold: float) -> tuple[int, float, float] | None:
    """When ``values`` (valid rows only, from a level near 0) start to rise for good.

    The first row at or above ``threshold`` whose next row is too; the onset is the line
    through those two rows taken back to 0, kept between that row and the one before it (so a
    rise that began inside a gap of lost samples is placed inside the gap). Returns the index
    of that first row, the onset time and the row before it (the earliest the rise can have
    begun), or None when there is no such rise.
    """
    above = values >= threshold
    both = np.flatnonzero(above[:-1] & above[1:])
    if not len(both):
        return None
    k = int(both[0])
    rise = values[k + 1] - values[k]
    onset = t[k] - values[k] * (t[k + 1] - t[k]) / rise if rise > 0 else t[k]
    earliest = t[k - 1] if k > 0 else t[k]
    return k, float(np.clip(onset, earliest, t[k])), float(earliest)
