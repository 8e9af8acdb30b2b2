"""The lower-envelope line fit shared by the live and the offline clock sync.

Points are (x = sensor time of a packet's last sample, s; d = host arrival - x, s). Delays are
one-sided (a packet never arrives before its last sample was taken), so the sensor clock is the
line *under* the points that hugs them most closely: the linear program

    maximise sum_i (a + b x_i)   subject to   a + b x_i <= d_i,   b_lo <= b <= b_hi

(Moon, Skelly & Towsley 1999). Its optimum is the lower convex hull evaluated at the mean x,
i.e. the lowest chord over the mean among all pairs of points that straddle it; with the
slope bounds it is the support line of the clipped slope. Vectorised over all pairs, which is
cheap for the few dozen bin minima a window holds.
"""

from __future__ import annotations

import numpy as np


def envelope_fit(x: np.ndarray, d: np.ndarray, slope_lo: float, slope_hi: float) -> tuple[float, float]:
    """Fit ``d = a + b * x`` under all points; returns (a, b). ``x``, ``d``: (n,), n >= 1.

    ``b`` is confined to [slope_lo, slope_hi] (pass equal bounds to fix the slope).
    """
    x_mean = float(x.mean())
    slope = slope_lo if slope_lo == slope_hi else envelope_slope(x, d, slope_lo, slope_hi)  # fixed: no hull
    intercept_at_mean = float((d - slope * (x - x_mean)).min())
    return intercept_at_mean - slope * x_mean, slope


def envelope_slope(x: np.ndarray, d: np.ndarray, slope_lo: float, slope_hi: float) -> float:
    """The slope of the lower convex hull over the mean of ``x``, clipped to the bounds.

    With a single point (or all at one x) the slope is 0 clipped to the bounds.
    """
    slope = _hull_slope_at_zero(x - float(x.mean()), d)
    return min(max(0.0 if slope is None else slope, slope_lo), slope_hi)


def _hull_slope_at_zero(u: np.ndarray, d: np.ndarray) -> float | None:
    """Slope of the lower convex hull's edge over u = 0, or None if no pair straddles 0."""
    left, right = u <= 0.0, u > 0.0
    if not left.any() or not right.any():
        return None
    ul, dl, ur, dr = u[left][:, None], d[left][:, None], u[right][None, :], d[right][None, :]
    slopes = (dr - dl) / (ur - ul)
    chord_at_zero = dl - slopes * ul
    return float(slopes.flat[int(chord_at_zero.argmin())])


def bin_minima(bins: np.ndarray, x: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bin id, the point of least ``d``: returns (bin ids ascending, x, d) of those points."""
    order = np.lexsort((d, bins))
    sorted_bins = bins[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_bins[1:] != sorted_bins[:-1]
    chosen = order[first]
    return bins[chosen], x[chosen], d[chosen]
