"""Sensor-to-segment alignment of one leg, found from the data alone.

The segment's Y (superior) axis is the vertical of quiet standing, seen by each accelerometer.
Its Z (flexion) axis is the ankle's hinge axis, identified from the movement: the dominant
axis of each sensor's angular velocity, refined with the hinge constraint of Seel et al. (2014,
"IMU-based joint angle measurement for gait analysis", Sensors 14:6891): for a hinge, the
parts of the two angular velocities perpendicular to the axis have equal magnitude. Signs:
the shank spends its movement tilted forward (knee ahead of the ankle) in running, squats and
lunges alike, which fixes its Z; the foot's Z follows from the two segments turning together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from anklet.errors import ValidationError


@dataclass(frozen=True, slots=True)
class AlignmentParams:
    """Tunables of the axis identification.

    Attributes
    ----------
    moving_gyr_rads
        A sample counts as movement when the shank turns faster than this, rad/s.
    min_moving_s
        Least movement needed to identify the flexion axis, s.
    foot_moving_fraction
        The foot's axis is identified from its own rotation only when its angular speed is at
        least this fraction of the shank's (a foot flat on the floor in a squat does not turn).
    max_fit_samples
        Movement samples used by the hinge fit (evenly subsampled), for speed.
    """

    moving_gyr_rads: float = 0.15
    min_moving_s: float = 2.0
    foot_moving_fraction: float = 0.3
    max_fit_samples: int = 4000


@dataclass(frozen=True, slots=True)
class LegAlignment:
    """Segment axes of one leg's two sensors, in their own sensor frames.

    ``shank`` and ``foot`` are (3, 3) sensor<-segment rotations: their columns are the segment's
    X (anterior), Y (superior) and Z (right) axes expressed in the sensor frame.
    ``hinge_rms_rads`` is the RMS residual of the hinge constraint; ``axis_tilt_deg`` how far the
    identified flexion axes were from horizontal before they were made so (largest of the two);
    ``foot_axis_from_motion`` says whether the foot turned enough to identify its own axis.
    """

    shank: np.ndarray
    foot: np.ndarray
    hinge_rms_rads: float
    axis_tilt_deg: float
    foot_axis_from_motion: bool


def align_leg(
    standing_acc: tuple[np.ndarray, np.ndarray],
    moving: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rate_hz: float,
    params: AlignmentParams,
) -> LegAlignment:
    """Find both sensors' segment axes.

    Parameters
    ----------
    standing_acc
        Shank and foot accelerometer during quiet standing, (m, 3) each, m/s², sensor frames.
    moving
        Shank gyro, shank acc, foot gyro, foot acc after standing, (n, 3) each, on one timeline,
        rad/s and m/s², sensor frames, NaN rows allowed.
    """
    vertical_shank = _unit(np.nanmean(standing_acc[0], axis=0))
    vertical_foot = _unit(np.nanmean(standing_acc[1], axis=0))
    gyr_shank, acc_shank, gyr_foot, _ = moving
    valid = ~(np.isnan(gyr_shank).any(axis=1) | np.isnan(gyr_foot).any(axis=1))
    speed_shank = np.linalg.norm(gyr_shank, axis=1)
    movement = valid & (speed_shank > params.moving_gyr_rads)
    if movement.sum() / rate_hz < params.min_moving_s:
        raise ValidationError(
            f"too little movement to find the ankle axis: {movement.sum() / rate_hz:.1f} s of shank "
            f"movement after standing, {params.min_moving_s:g} s needed"
        )
    w_shank, w_foot = gyr_shank[movement], gyr_foot[movement]
    axis_shank = _principal_axis(w_shank)
    foot_moves = np.median(np.linalg.norm(w_foot, axis=1)) > params.foot_moving_fraction * np.median(
        np.linalg.norm(w_shank, axis=1)
    )
    if foot_moves:
        axis_foot = _principal_axis(w_foot)
        axis_shank, axis_foot, residual = _hinge_fit(w_shank, w_foot, axis_shank, axis_foot, params)
        if np.mean((w_shank @ axis_shank) * (w_foot @ axis_foot)) < 0:
            axis_foot = -axis_foot
    else:
        axis_foot = _any_horizontal(vertical_foot)
        residual = float(np.sqrt(np.mean(np.linalg.norm(np.cross(w_shank, axis_shank), axis=1) ** 2)))
    tilt = max(_tilt_deg(axis_shank, vertical_shank), _tilt_deg(axis_foot, vertical_foot))
    shank = _segment_axes(vertical_shank, axis_shank)
    if np.nanmean(acc_shank[valid] @ shank[:, 0]) > 0:  # up must lean back: shank tilts forward
        shank = _segment_axes(vertical_shank, -axis_shank)
        axis_foot = -axis_foot
    return LegAlignment(shank, _segment_axes(vertical_foot, axis_foot), residual, tilt, bool(foot_moves))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _principal_axis(w: np.ndarray) -> np.ndarray:
    """Unit eigenvector of the largest eigenvalue of the angular-velocity scatter (3,)."""
    _, vectors = np.linalg.eigh(w.T @ w)
    return vectors[:, -1]


def _any_horizontal(vertical: np.ndarray) -> np.ndarray:
    """A horizontal unit axis, for a segment whose flexion axis the data cannot show."""
    helper = np.eye(3)[np.argmin(np.abs(vertical))]
    return _unit(helper - (helper @ vertical) * vertical)


def _segment_axes(vertical: np.ndarray, flexion_axis: np.ndarray) -> np.ndarray:
    """Sensor<-segment rotation with Y = vertical and Z = the flexion axis made horizontal."""
    z = _unit(flexion_axis - (flexion_axis @ vertical) * vertical)
    return np.column_stack([np.cross(vertical, z), vertical, z])


def _tilt_deg(axis: np.ndarray, vertical: np.ndarray) -> float:
    return float(np.degrees(np.arcsin(min(1.0, abs(axis @ vertical)))))


def _hinge_fit(
    w_shank: np.ndarray, w_foot: np.ndarray, axis_shank: np.ndarray, axis_foot: np.ndarray,
    params: AlignmentParams,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Refine both axes so that |w_shank x j1| = |w_foot x j2| (Seel et al. 2014)."""
    step = max(1, len(w_shank) // params.max_fit_samples)
    w1, w2 = w_shank[::step], w_foot[::step]

    def residuals(angles: np.ndarray) -> np.ndarray:
        j1, j2 = _from_spherical(angles[:2]), _from_spherical(angles[2:])
        return np.linalg.norm(np.cross(w1, j1), axis=1) - np.linalg.norm(np.cross(w2, j2), axis=1)

    start = np.concatenate([_to_spherical(axis_shank), _to_spherical(axis_foot)])
    fit = least_squares(residuals, start, method="lm")
    j1, j2 = _from_spherical(fit.x[:2]), _from_spherical(fit.x[2:])
    # The fit is blind to each axis's sign; keep the principal axes' orientation.
    j1 = j1 if j1 @ axis_shank >= 0 else -j1
    j2 = j2 if j2 @ axis_foot >= 0 else -j2
    return j1, j2, float(np.sqrt(np.mean(fit.fun**2)))


def _to_spherical(v: np.ndarray) -> np.ndarray:
    return np.array([np.arccos(np.clip(v[2], -1.0, 1.0)), np.arctan2(v[1], v[0])])


def _from_spherical(angles: np.ndarray) -> np.ndarray:
    polar, azimuth = angles
    return np.array([np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)])
