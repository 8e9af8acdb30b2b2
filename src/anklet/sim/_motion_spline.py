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
    # power-basis coefficients per interval: p(s) = sum c_k s^k, s in [0, 1]
    h = np.diff(t)
    y0, y1 = y[:-1], y[1:]
    v0, v1 = h * dy[:-1], h * dy[1:]
    a0, a1 = h * h * ddy[:-1], h * h * ddy[1:]
    coef = np.empty((len(h), 7))
    coef[:, 0] = y0
    coef[:, 1] = v0
    coef[:, 2] = 0.5 * a0
    coef[:, 3] = -10.0 * y0 - 6.0 * v0 - 1.5 * a0 + 0.5 * a1 - 4.0 * v1 + 10.0 * y1
    coef[:, 4] = 15.0 * y0 + 8.0 * v0 + 1.5 * a0 - a1 + 7.0 * v1 - 15.0 * y1
    coef[:, 5] = -6.0 * y0 - 3.0 * v0 - 0.5 * a0 + 0.5 * a1 - 3.0 * v1 + 6.0 * y1
    coef[:, 6] = 1.0 / h
    i = np.clip(np.searchsorted(t, t_eval, side="right") - 1, 0, len(h) - 1)
    c = coef[i]
    s = np.clip((t_eval - t[i]) * c[:, 6], 0.0, 1.0)
    out = c[:, 5] * s
    out += c[:, 4]
    for k in (3, 2, 1):
        out *= s
        out += c[:, k]
    out *= s
    out += c[:, 0]
    return out
