"""The contact-point model of stance: the foot turns about a point that stays on the ground.

From foot-flat to toe-off the foot rolls over its ball, which rests on the belt (or the
floor): that point's acceleration is the belt's, about zero. The sensor sits at a fixed lever
arm ``r`` from it, so the contact point's acceleration, seen from the sensor frame, is

    a_contact = f + g + alpha x r + omega x (omega x r)

with f the accelerometer's specific force, g gravity in the sensor frame (known at foot-flat,
then turned with the foot), omega the gyroscope and alpha its derivative. It is about zero
until the ball leaves the ground and then grows within a sample or two, which marks toe-off.
``r`` is linear in the model, so it is fitted by least squares on stance rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from anklet.geometry import force_at_point, lever_matrices

_RIDGE_MPS2_PER_M = 1.0
"""Holds the component of r along the turning axis (which a planar roll cannot show) near
zero without pulling on the rest: m/s² of penalty per m of lever arm."""
_RIDGE_ROWS = _RIDGE_MPS2_PER_M * np.eye(3)
_RIDGE_TARGET = np.zeros(3)
"""The ridge's equations, below every fit's stance equations (built once, read only)."""


def turned_gravity(gyr: np.ndarray, rate_hz: float, gravity: np.ndarray, axis: np.ndarray, since: int = 0) -> np.ndarray:
    """(n - since, 3) m/s²: gravity in the sensor frame while the foot turns, from foot-flat on,
    at rows ``since`` on of ``gyr`` (the rows before still turn it).

    ``gravity`` (3,) is gravity in the sensor frame at row 0 (the last foot-flat row); the foot
    is taken to turn about the one ``axis`` (3,) unit, sensor frame, by the integral of the
    gyroscope along it (lost rows bridged linearly). A world-fixed vector turns the other way in
    the turning frame. Each row's value is the same whatever rows follow it, unless it is lost
    (bridged to the next row with a sample).
    """
    along = gyr @ axis
    present = ~np.isnan(along)
    if not present.all():  # (np.interp at its own points gives them back: only a loss needs it)
        rows = np.arange(len(along))
        along = np.interp(rows, rows[present], along[present]) if present.any() else np.zeros(len(along))
    angle = -np.concatenate([[0.0], np.cumsum(0.5 * (along[1:] + along[:-1]))]) / rate_hz
    return _rotated(gravity, axis, angle[since:])


def contact_acceleration(
    acc: np.ndarray, gravity: np.ndarray, gyr: np.ndarray, alpha: np.ndarray, lever_m: np.ndarray
) -> np.ndarray:
    """(n, 3) m/s²: acceleration of the point at ``lever_m`` (3,) m from the sensor, sensor frame.

    ``acc``, ``gravity`` (n, 3) m/s², ``gyr`` (n, 3) rad/s, ``alpha`` (n, 3) rad/s²; NaN where
    an input is NaN.
    """
    return force_at_point(acc + gravity, gyr, alpha, lever_m)


class LeverEquations(NamedTuple):
    """Stance rows' least-squares equations for the lever arm r: ``design`` (3n, 3) r = ``target`` (3n,)."""

    design: np.ndarray
    target: np.ndarray


def lever_equations(force: np.ndarray, gyr: np.ndarray, alpha: np.ndarray) -> LeverEquations:
    """The equations saying the point at r stays still on stance rows, where ``force`` (n, 3)
    is ``acc + gravity`` (:func:`contact_acceleration` with r = 0): K r = -force per row. Built
    once per stance: the fit reads the last strides' again at every toe-off."""
    return LeverEquations(lever_matrices(gyr, alpha).reshape(-1, 3), -force.reshape(-1))


def fit_lever_arm(stances: Sequence[LeverEquations]) -> np.ndarray:
    """The lever arm (3,) m from the sensor to the point that stays still on the ``stances``'
    rows (least squares over all of their equations)."""
    design = np.concatenate([*(stance.design for stance in stances), _RIDGE_ROWS])
    target = np.concatenate([*(stance.target for stance in stances), _RIDGE_TARGET])
    return np.linalg.lstsq(design, target, rcond=None)[0]


def _rotated(v: np.ndarray, axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """``v`` (3,) turned about the unit ``axis`` by each of ``angle`` (n,) rad (Rodrigues)."""
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return v * c + _cross(axis, v) * s + axis * (axis @ v) * (1.0 - c)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.cross`` of two (3,) vectors, the same products and differences without its
    per-call cost (once per call of :func:`turned_gravity`, a few times a stride)."""
    a0, a1, a2 = a.tolist()
    b0, b1, b2 = b.tolist()
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])
