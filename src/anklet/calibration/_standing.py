"""Quiet standing: the neutral pose every session starts with, and the units check it allows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from anklet.errors import ValidationError
from anklet.geometry import GRAVITY_MPS2


@dataclass(frozen=True, slots=True)
class StandingParams:
    """How still is still.

    Attributes
    ----------
    max_gyr_rads
        Largest angular speed of any sensor while standing, rad/s.
    max_acc_deviation_mps2
        Largest deviation of |acc| from g while standing, m/s².
    min_duration_s
        Shortest standing period that calibrates, s (the protocol asks for 3 s).
    search_s
        The standing period must begin within this many seconds of the start, s.
    smoothing_s
        Moving-average window applied before the thresholds, s.
    """

    max_gyr_rads: float = 0.2
    max_acc_deviation_mps2: float = 0.8
    min_duration_s: float = 1.0
    search_s: float = 30.0
    smoothing_s: float = 0.2


def find_standing(
    acc: dict[str, np.ndarray], gyr: dict[str, np.ndarray], rate_hz: float, params: StandingParams
) -> slice:
    """The first stretch of at least ``params.min_duration_s``, starting in the first
    ``params.search_s``, where every sensor is still (the first, not the longest, so a live
    session can calibrate as soon as it ends and a file gives the same answer).

    ``acc``/``gyr`` map sensor names to (n, 3) m/s² and rad/s arrays on one timeline (NaN rows
    allowed). Returns the sample slice; raises ValidationError when there is none.
    """
    window = max(1, round(params.smoothing_s * rate_hz))
    n = len(next(iter(acc.values())))
    # A window with too few samples (a burst of BLE loss) is unknown, not moving: it may sit
    # inside a standing period; a stretch counts only if most of it was seen to be still.
    still_or_unknown, seen = np.ones(n, dtype=bool), np.ones(n, dtype=bool)
    for name in acc:
        speed, _, enough_gyr = _window_means(np.linalg.norm(gyr[name], axis=1), window)
        deviation, _, enough_acc = _window_means(
            np.abs(np.linalg.norm(acc[name], axis=1) - GRAVITY_MPS2), window
        )
        known = enough_gyr & enough_acc
        still_or_unknown &= ~known | ((speed < params.max_gyr_rads) & (deviation < params.max_acc_deviation_mps2))
        seen &= known
    starts, stops = _runs(still_or_unknown)
    early = starts < round(params.search_s * rate_hz)
    starts, stops = starts[early], stops[early]
    seen_fraction = np.array([seen[a:b].mean() for a, b in zip(starts, stops, strict=True)])
    starts, stops = starts[seen_fraction >= 0.5], stops[seen_fraction >= 0.5]
    long_enough = np.flatnonzero(stops - starts >= round(params.min_duration_s * rate_hz))
    if not len(long_enough):
        longest = (stops - starts).max(initial=0) / rate_hz
        raise ValidationError(
            f"no quiet standing period: the recording must start with at least "
            f"{params.min_duration_s:g} s of standing still (the longest still stretch in the first "
            f"{params.search_s:g} s is {longest:.1f} s)"
        )
    first = long_enough[0]
    return slice(int(starts[first]), int(stops[first]))


def standing_gyr_bias(gyr: dict[str, np.ndarray], standing: slice) -> dict[str, np.ndarray]:
    """Per sensor, the (3,) mean gyroscope reading while standing: its bias, rad/s."""
    return {name: np.nanmean(values[standing], axis=0) for name, values in gyr.items()}


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and stops of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def check_units(acc: dict[str, np.ndarray], gyr: dict[str, np.ndarray], rate_hz: float) -> None:
    """Refuse accelerometers in g and gyroscopes in deg/s, saying which sensor and why.

    In its stillest second a sensor in m/s² reads about 9.8, one in g about 1. Running and
    squatting never turn a shank or a foot faster than about 35 rad/s (2000 deg/s, the full
    scale), so larger gyroscope readings are degrees.
    """
    for name, values in acc.items():
        magnitude = _stillest_second_magnitude(values, rate_hz)
        if magnitude is None:
            continue  # not half a second of it yet (a live stream just started): nothing to judge
        if 0.5 < magnitude < 2.0:
            raise ValidationError(
                f"{name} accelerometer reads {magnitude:.2f} at rest: it looks like g, not m/s² "
                f"(multiply by {GRAVITY_MPS2})"
            )
        if not 7.0 < magnitude < 13.0:
            raise ValidationError(
                f"{name} accelerometer reads {magnitude:.2f} at rest, far from 9.81 m/s²: check its units"
            )
    for name, values in gyr.items():
        if np.isnan(values).all():
            continue
        peak = float(np.nanpercentile(np.abs(values), 99.9))
        if peak > 40.0:
            raise ValidationError(
                f"{name} gyroscope peaks at {peak:.0f}: it looks like deg/s, not rad/s (divide by 57.3)"
            )


def _stillest_second_magnitude(acc: np.ndarray, rate_hz: float) -> float | None:
    """Mean |acc| over the one-second window (without missing samples) where |acc| varies least;
    None when no window has half its samples."""
    magnitude = np.linalg.norm(acc, axis=1)
    mean, square, enough = _window_means(magnitude, max(2, round(rate_hz)))
    if not enough.any():
        return None
    spread = np.where(enough, square - mean**2, np.inf)
    return float(mean[np.argmin(spread)])


def _window_means(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moving means of ``values`` and of its square over the samples present, and whether at
    least half of each window was present (a lossy link still lets a standing period count)."""
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    fraction = uniform_filter1d(present.astype(float), window)
    enough = fraction >= 0.5
    scale = np.where(enough, 1.0 / np.maximum(fraction, 0.5), np.nan)
    return uniform_filter1d(filled, window) * scale, uniform_filter1d(filled**2, window) * scale, enough
