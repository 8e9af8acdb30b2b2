"""Row features of one foot sensor that the event steps read, whatever way the sensor is strapped on.

Every feature here is invariant to the sensor's orientation on the foot (norms, and projections
on directions measured in the same sensor frame), so none of them needs the sagittal axis.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from anklet.geometry import GRAVITY_MPS2


def valid_rows(acc: np.ndarray, gyr: np.ndarray) -> np.ndarray:
    """(n,) bool: rows with a sample (the host grid leaves NaN where one was lost)."""
    return ~(np.isnan(acc).any(axis=1) | np.isnan(gyr).any(axis=1))


def row_norms(v: np.ndarray) -> np.ndarray:
    """(n,) lengths of the rows of ``v`` (n, 3): ``np.linalg.norm(v, axis=1)``'s arithmetic
    (the root of the reduced squares) without its checks, which cost more than the sum on the
    few rows a live update brings."""
    return np.sqrt(np.add.reduce(v * v, axis=1))


def median(values: Iterable[float]) -> float:
    """The median of a few finite values, bit for bit what ``np.median`` gives (the middle one,
    or the mean of the two middle ones), without its cost per call: the event steps take the
    median of a stride history of eight at most, several times a stride."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0


def principal_axis(gyr: np.ndarray) -> np.ndarray:
    """Unit (3,) axis the angular velocities (n, 3) mostly turn about (sign arbitrary)."""
    _, vectors = np.linalg.eigh(gyr.T @ gyr)
    return vectors[:, -1]


class Impact(NamedTuple):
    """An impact candidate: its time (s), whether its climb spans lost samples (then it only
    says the climb happened inside the gap), the fall before it (the integral of g minus the
    reading over the stretch below g that its rise ends, m/s) and its climb's slope, m/s³."""

    t: float
    in_gap: bool
    fall_mps: float
    slope_mps3: float


def impacts(
    t: np.ndarray, along_up: np.ndarray, period_s: float, fraction: float, rebound_s: float, flight_mps: float
) -> list[Impact]:
    """The impact candidates in ``along_up``, the specific force along the sole's normal (m/s²,
    valid rows only, at times ``t``), earliest first: climbs between neighbouring rows at least
    ``fraction`` as steep as the steepest and at least as steep as the steps beside them. The
    ground's arrest throws the reading up within a few milliseconds, whatever it was before.

    Each carries the fall before it. An airborne runner's foot falls with him (it reads less
    than g along its normal) until the impact. A walker's heel strikes without a flight, and the
    foot then rolls down about the heel, so the sensor ahead of it reads less than g for a while
    until the forefoot lands: a stretch below g that begins within ``rebound_s`` after a steeper
    climb is that rebound, not a flight, and counts as no fall.

    The time: after a flight of at least ``flight_mps``, the runner's impact is a spike over
    within about two rows, placed at its steepest step (``_steepest_time``); a walker's heel
    strike rises more slowly (the heel rolls in), so its steepest step comes a row or more after
    contact, which is where the climb began (``_onset_time``).
    """
    steps_s = t[1:] - t[:-1]
    slopes = (along_up[1:] - along_up[:-1]) / steps_s
    padded = np.concatenate([[-np.inf], slopes, [-np.inf]])
    sharp = (
        (slopes > 0) & (slopes >= fraction * slopes.max()) & (slopes >= padded[:-2]) & (slopes >= padded[2:])
    ).nonzero()[0].tolist()
    # The few candidates are looked at row by row, on the rows as Python floats (the same
    # arithmetic as numpy's on them, without its cost per call).
    below = along_up < GRAVITY_MPS2
    # The integral of g minus the reading from the first row (0 at rows at or above g): it only
    # grows, so a stretch below g's is its value at the stretch's end minus at the row before.
    deficit = np.cumsum(np.where(below, (GRAVITY_MPS2 - along_up) * np.concatenate([[0.0], steps_s]), 0.0)).tolist()
    t_s, y, slope_of, below = t.tolist(), along_up.tolist(), slopes.tolist(), below.tolist()
    falls, began = [], []
    for k in sharp:
        rise = k  # where the run of climbing steps that step k belongs to began
        while rise > 0 and not slope_of[rise - 1] <= 0:
            rise -= 1
        last_above = rise  # the last row at or above g, at or before the rise's start (-1: none)
        while last_above >= 0 and below[last_above]:
            last_above -= 1
        falls.append(deficit[rise] - (deficit[last_above] if last_above >= 0 else 0.0))
        began.append(t_s[last_above + 1] if below[rise] else t_s[rise])
    # A steeper candidate shortly before the stretch below g that ends in this one: a rebound.
    sharp_slopes = [slope_of[k] for k in sharp]
    found = []
    for k, fall, began_t, slope in zip(sharp, falls, began, sharp_slopes, strict=True):
        rebound = any(other > slope and began_t - rebound_s <= t_s[j] < began_t for j, other in zip(sharp, sharp_slopes))
        flight = 0.0 if rebound else fall
        when = _steepest_time if flight >= flight_mps else _onset_time
        found.append(Impact(*when(t_s, y, slope_of, k, period_s), flight, slope))
    return found


def _steepest_time(t: np.ndarray, y: np.ndarray, slopes: np.ndarray, k: int, period_s: float) -> tuple[float, bool]:
    """The time of the steepest climb, step ``k`` (rows k, k+1): its middle, moved to the vertex
    of a parabola through its slope and its neighbours' when they are one period apart; and
    whether the step spans lost samples (then only its middle is known)."""
    middle = 0.5 * (t[k] + t[k + 1])
    if t[k + 1] - t[k] > 1.5 * period_s:
        return float(middle), True
    if 0 < k < len(slopes) - 1 and max(t[k] - t[k - 1], t[k + 2] - t[k + 1]) < 1.5 * period_s:
        before, peak, after = slopes[k - 1 : k + 2]
        curvature = before - 2.0 * peak + after
        if curvature < 0:
            middle += float(min(max(0.5 * (before - after) / curvature, -0.5), 0.5)) * period_s
    return float(middle), False


def _onset_time(t: np.ndarray, y: np.ndarray, slopes: np.ndarray, k: int, period_s: float) -> tuple[float, bool]:
    """When the climb whose steepest step is ``k`` (rows k, k+1) began, and whether that step
    spans lost samples (then only its middle is known: the climb happened in the gap).

    An arrest turns the reading up at the instant of contact, most steeply at first. Step k is
    the steepest, so row k-1 was still on the way before (the line through rows k-2, k-1) and
    the climb began between rows k-1 and k: by the rise above that line at row k over the slope
    the climb had there (the steep step's, extrapolated back by its change to the next step).
    Without the rows around, the steepest step's time."""
    if t[k + 1] - t[k] > 1.5 * period_s or not 2 <= k < len(slopes) - 1 or t[k + 2] - t[k - 2] > 4.5 * period_s:
        return _steepest_time(t, y, slopes, k, period_s)
    before = slopes[k - 2]
    at_start = 2.0 * slopes[k] - slopes[k + 1] - before
    if at_start <= 0:
        return _steepest_time(t, y, slopes, k, period_s)
    rise = y[k] - y[k - 1] - before * (t[k] - t[k - 1])
    return float(min(max(t[k] - max(rise, 0.0) / at_start, t[k - 1]), t[k])), False


def rising_onset(t: np.ndarray, values: np.ndarray, threshold: float, level: float) -> tuple[int, float, float] | None:
    """When ``values`` (valid rows only, from a level near 0) start to rise for good.

    The rise is the first row at or above ``threshold`` whose next row is too. A rise that jumps
    far past the threshold began within the row before; one that crosses it by less than the
    threshold again climbs slowly and began with the rows climbing to it from ``level`` on, or
    from twice the values' usual level over the ten rows before when that is higher (above the
    noise, so a drift is not taken for it). The onset is the line through the first two rows of
    the rise taken back to 0, kept between its first row and the one before it (so a rise that
    began inside a gap of lost samples is placed inside the gap). Returns the index of that
    first row, the onset time and the row before it (the earliest the rise can have begun), or
    None when there is no such rise.
    """
    above = values >= threshold
    both = (above[:-1] & above[1:]).nonzero()[0]
    if not len(both):
        return None
    k = int(both[0])
    if values[k] < 2.0 * threshold:  # a slow rise: it began rows earlier
        floor = max(level, 2.0 * float(median(values[max(k - 10, 0) : k].tolist()))) if k else level
        while k > 0 and floor <= values[k - 1] < values[k]:
            k -= 1
    rise = values[k + 1] - values[k]
    onset = t[k] - values[k] * (t[k + 1] - t[k]) / rise if rise > 0 else t[k]
    earliest = t[k - 1] if k > 0 else t[k]
    return k, float(min(max(onset, earliest), t[k])), float(earliest)
