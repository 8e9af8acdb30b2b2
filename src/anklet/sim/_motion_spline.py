"""Piecewise quintic Hermite curves over keypoints (C2: value, slope and curvature match).

The motion models place a handful of keypoints per stride or repetition (time, value and,
where it matters, first and second derivative) and evaluate the curve on the whole sample
grid at once. Derivatives left as NaN are estimated from the neighbouring keypoints.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Knots", "quintic_hermite", "smoothstep5"]


def smoothstep5(s: np.ndarray) -> np.ndarray:
    """0 -> 1 quintic ramp with zero slope and curvature at both ends (s clipped to [0, 1])."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))


def _fd(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Three-point slope estimate on a non-uniform grid; 0 at the ends."""
    out = np.zeros_like(y)
    if len(t) < 3:
        return out
    h0 = (t[1:-1] - t[:-2])[:, None] if y.ndim == 2 else t[1:-1] - t[:-2]
    h1 = (t[2:] - t[1:-1])[:, None] if y.ndim == 2 else t[2:] - t[1:-1]
    s0 = (y[1:-1] - y[:-2]) / h0
    s1 = (y[2:] - y[1:-1]) / h1
    out[1:-1] = (s0 * h1 + s1 * h0) / (h0 + h1)
    return out


class Knots:
    """Accumulates keypoints ``(t, y, dy, ddy)``; NaN derivatives are filled in later."""

    def __init__(self) -> None:
        self._rows: list[tuple[float, float, float, float]] = []

    def add(self, t: float, y: float, dy: float = np.nan, ddy: float = np.nan) -> None:
        self._rows.append((float(t), float(y), float(dy), float(ddy)))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a = np.array(self._rows, dtype=float).reshape(-1, 4)
        order = np.argsort(a[:, 0], kind="stable")
        a = a[order]
        t, y, dy, ddy = a.T.copy()
        keep = np.concatenate([[True], np.diff(t) > 1e-9])
        t, y, dy, ddy = t[keep], y[keep], dy[keep], ddy[keep]
        dy = np.where(np.isnan(dy), _fd(t, y), dy)
        ddy = np.where(np.isnan(ddy), _fd(t, dy), ddy)
        return t, y, dy, ddy

    def evaluate(self, t_eval: np.ndarray) -> np.ndarray:
        return quintic_hermite(*self.arrays(), t_eval)


def quintic_hermite(
    t: np.ndarray, y: np.ndarray, dy: np.ndarray, ddy: np.ndarray, t_eval: np.ndarray
) -> np.ndarray:
    """Evaluate the piecewise quintic through knots ``t`` (increasing) at ``t_eval``.

    Outside the knot range the curve is continued with a constant (the end value);
    callers place end knots with zero slope where that matters.
    """
    t_eval = np.asarray(t_eval, dtype=float)
    if len(t) == 1:
        return np.full(t_eval.shape, y[0])
    i = np.clip(np.searchsorted(t, t_eval, side="right") - 1, 0, len(t) - 2)
    h = t[i + 1] - t[i]
    s = np.clip((t_eval - t[i]) / h, 0.0, 1.0)
    s2 = s * s
    s3 = s2 * s
    s4 = s3 * s
    s5 = s4 * s
    h0 = 1.0 - 10.0 * s3 + 15.0 * s4 - 6.0 * s5
    h1 = s - 6.0 * s3 + 8.0 * s4 - 3.0 * s5
    h2 = 0.5 * s2 - 1.5 * s3 + 1.5 * s4 - 0.5 * s5
    h3 = 0.5 * s3 - s4 + 0.5 * s5
    h4 = -4.0 * s3 + 7.0 * s4 - 3.0 * s5
    h5 = 10.0 * s3 - 15.0 * s4 + 6.0 * s5
    return (
        h0 * y[i]
        + h1 * h * dy[i]
        + h2 * h * h * ddy[i]
        + h3 * h * h * ddy[i + 1]
        + h4 * h * dy[i + 1]
        + h5 * y[i + 1]
    )
