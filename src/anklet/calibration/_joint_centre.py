"""Where the ankle's centre sits, seen from each sensor of a leg.

Both segments carry the joint centre, so its acceleration is one vector whichever sensor it is
seen from. Moved from a sensor to the centre (the lever arm's tangential and centripetal terms),
the two specific forces must have the same length: Seel, Schauer & Raisch 2012, "Joint axis and
position estimation from inertial measurement data by exploiting kinematic constraints" (IEEE
CCA), solved here by Gauss-Newton. Foot strikes put outliers into the residual, so each
iteration weighs it robustly; a prior of ``_PRIOR_M`` around each sensor keeps a lever the
movement cannot show (a foot flat on the floor in a squat) near zero instead of anywhere. Along
a hinge's axis the constraint cannot place the centre at all, so it is moved along the axis to
the point nearest both sensors.
"""

from __future__ import annotations

import numpy as np

from anklet.geometry import angular_acceleration, lever_matrices

_PRIOR_M = 0.1  # how far a sensor sits from the ankle's centre, roughly (shank 10-25 cm, foot 5-10 cm)
_MIN_TURNING_RADS = 0.5  # rows where neither sensor turns say nothing about the levers
_ITERATIONS = 20


def joint_centres(
    moving: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rate_hz: float,
    axes: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The ankle centre relative to the shank sensor and to the foot sensor, each (3,) m in its
    own sensor frame.

    ``moving``: shank gyro, shank acc, foot gyro, foot acc on one timeline, (n, 3) each, rad/s
    (bias removed) and m/s², NaN rows allowed. ``axes``: the flexion axis in each sensor frame.
    """
    gyr_shank, acc_shank, gyr_foot, acc_foot = moving
    lever_shank = lever_matrices(gyr_shank, angular_acceleration(gyr_shank, rate_hz))
    lever_foot = lever_matrices(gyr_foot, angular_acceleration(gyr_foot, rate_hz))
    rows = ~np.isnan(np.hstack([lever_shank.reshape(-1, 9), acc_shank, lever_foot.reshape(-1, 9), acc_foot])).any(axis=1)
    turning = np.maximum(np.linalg.norm(gyr_shank, axis=1), np.linalg.norm(gyr_foot, axis=1)) > _MIN_TURNING_RADS
    rows &= turning
    centre = np.zeros(6)
    if rows.sum() < 6:
        return centre[:3], centre[3:]
    lever_shank, lever_foot, acc_shank, acc_foot = lever_shank[rows], lever_foot[rows], acc_shank[rows], acc_foot[rows]
    for _ in range(_ITERATIONS):
        at_shank = acc_shank + lever_shank @ centre[:3]
        at_foot = acc_foot + lever_foot @ centre[3:]
        length_shank, length_foot = np.linalg.norm(at_shank, axis=1), np.linalg.norm(at_foot, axis=1)
        residual = length_shank - length_foot
        jacobian = np.hstack([
            np.einsum("ni,nij->nj", at_shank / length_shank[:, None], lever_shank),
            -np.einsum("ni,nij->nj", at_foot / length_foot[:, None], lever_foot),
        ])
        spread = max(1.4826 * float(np.median(np.abs(residual))), 1e-3)
        weight = np.minimum(1.0, 2.0 * spread / np.maximum(np.abs(residual), 1e-12))  # Huber
        prior = spread / _PRIOR_M
        system = np.vstack([jacobian * weight[:, None], prior * np.eye(6)])
        target = np.concatenate([-residual * weight, -prior * centre])
        centre = centre + np.linalg.lstsq(system, target, rcond=None)[0]
    axis_shank, axis_foot = axes
    slide = -(centre[:3] @ axis_shank + centre[3:] @ axis_foot) / 2.0
    return centre[:3] + slide * axis_shank, centre[3:] + slide * axis_foot
