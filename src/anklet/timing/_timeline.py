"""One host-time grid for several sensors: shank and foot of a leg on a common timeline."""

from __future__ import annotations

import numpy as np


def common_grid(start_s: float, rate_hz: float, n: int) -> np.ndarray:
    """``n`` host times from ``start_s``, ``1 / rate_hz`` apart, s, shape (n,)."""
    return start_s + np.arange(n) / rate_hz


def resample(
    times_s: np.ndarray,
    values: np.ndarray,
    grid_s: np.ndarray,
    *,
    max_gap_periods: float = 3.0,
    period_s: float | None = None,
) -> np.ndarray:
    """Linear interpolation of one sensor's samples onto a host-time grid.

    ``times_s`` (n,) host times (any order; repeated times keep the first), ``values`` (n,) or
    (n, k). Returns (len(grid),) or (len(grid), k) float64: NaN outside the data and across
    gaps longer than ``max_gap_periods`` sample periods (lost packets, disconnects). The period
    is ``period_s`` if given (a short live buffer has too few samples for a median), else the
    median spacing of ``times_s``.
    """
    times = np.asarray(times_s, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    if not (np.diff(times) > 0).all():  # (the live grid's buffers are nearly always in order)
        times, vals = in_time_order(times, vals)
    flat = vals.reshape(len(vals), int(np.prod(vals.shape[1:])))  # (-1 fails for no samples)
    if len(times) < 2:
        return np.full((len(grid_s),) + vals.shape[1:], np.nan)
    max_gap_s = max_gap_periods * (float(np.median(np.diff(times))) if period_s is None else period_s)
    return interpolate_in_order(times, flat, grid_s, max_gap_s).reshape((len(grid_s),) + vals.shape[1:])


def in_time_order(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``times`` (n,) and ``values`` (n, ...) sorted by time, a repeated time keeping its first
    sample."""
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    fresh = np.ones(len(times), dtype=bool)
    fresh[1:] = np.diff(times) > 0
    return times[fresh], values[fresh]


def interpolate_in_order(times: np.ndarray, values: np.ndarray, grid_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """``resample``'s arithmetic without its checks, for the live grid's every packet:
    ``times`` (n,) strictly increasing, ``values`` (n, k) -> (len(grid), k), NaN outside the
    samples and across gaps longer than ``max_gap_s``."""
    if len(times) < 2:
        return np.full((len(grid_s), values.shape[1]), np.nan)
    right = times.searchsorted(grid_s, side="left")
    inside = (right > 0) & (right < len(times)) | (grid_s == times[0])
    right = np.minimum(np.maximum(right, 1), len(times) - 1)  # (np.clip costs twice as much on a packet's rows)
    w = ((grid_s - times[right - 1]) / (times[right] - times[right - 1]))[:, None]
    rows = values[right - 1] + w * (values[right] - values[right - 1])
    rows[~inside | (times[right] - times[right - 1] > max_gap_s)] = np.nan
    return rows
