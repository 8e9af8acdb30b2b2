"""Sensor-to-segment alignment of one leg, found from the data alone.

The segment's Y (superior) axis is the vertical of quiet standing, seen by each accelerometer.
Its Z (flexion) axis is identified from the movement: the dominant axis of each sensor's
angular velocity, the axis the segment swings about in running, squats and lunges. The hinge
constraint of Seel et al. (2014, "IMU-based joint angle measurement for gait analysis",
Sensors 14:6891: for a hinge, the parts of the two angular velocities perpendicular to the axis
have equal magnitude) measures how hinge-like the movement was, but does not move the axes: the
ankle is no pure hinge (the subtalar joint adds inversion), and when one segment turns about a
single axis that constraint only fixes the other axis's angle from it, not its direction, so a
fit slides it around that cone to absorb the other segment's inversion. On simulated running
that left the axes 9-10 deg off and 13-15 deg apart in heading, which the hinge heading
correction then carried into a 6-9 % gain error in dorsiflexion. Signs:
the shank spends its movement tilted forward (knee ahead of the ankle) in running, squats and
lunges alike, which fixes its Z; the foot's Z follows from the two segments turning together.

A foot that turns too little for its own axis (flat on the floor, or on a slant board in a split
squat) takes the shank's, carried over through gravity: the hinge axis is one line in the world,
so it makes the same angle with gravity seen from either segment. That needs no heading, which
the two sensors do not share, but it needs the foot to rest tilted away from its standing pose.
A foot that never does may still have turned on its own now and then: a step lifts it and
pitches it about that axis (the knee-to-wall test's feet, flat but for the steps between the
sides). When it did neither, the foot's axis is unknown and the alignment says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from anklet.calibration._joint_centre import joint_centres
from anklet.errors import ValidationError


@dataclass(frozen=True, slots=True)
class AlignmentParams:
    """Tunables of the axis identification.

    Attributes
    ----------
    moving_gyr_rads
        A sample counts as movement when the shank (or, for the foot's own turns, the foot)
        turns faster than this, rad/s.
    min_moving_s
        Least movement needed to identify the flexion axis, s.
    foot_moving_fraction
        The foot's axis is identified from its own rotation only when its angular speed is at
        least this fraction of the shank's (a foot flat on the floor in a squat does not turn).
    min_foot_turning_s
        A foot that did not rest tilted long enough (below) takes the main axis of its own turns
        when it turned faster than ``moving_gyr_rads`` for at least this long, s (a step gives
        about 0.5 s).
    min_foot_tilt_deg, min_foot_tilted_s
        A foot too still for its own axis takes the shank's only when it rested (turning slower
        than ``moving_gyr_rads``) at least ``min_foot_tilt_deg`` from its standing pose for at
        least ``min_foot_tilted_s``, deg and s.
    min_co_turning_s, min_co_turning_correlation
        Which way that axis points is taken from the samples where shank and foot both turn:
        at least ``min_co_turning_s`` of them, s, whose rates about the axes correlate by at
        least this much (either sign).
    """

    moving_gyr_rads: float = 0.15
    min_moving_s: float = 2.0
    foot_moving_fraction: float = 0.3
    min_foot_turning_s: float = 0.3
    min_foot_tilt_deg: float = 10.0
    min_foot_tilted_s: float = 0.5
    min_co_turning_s: float = 0.1
    min_co_turning_correlation: float = 0.5


@dataclass(frozen=True, slots=True)
class LegAlignment:
    """Segment axes of one leg's two sensors, in their own sensor frames.

    ``shank`` and ``foot`` are (3, 3) sensor<-segment rotations: their columns are the segment's
    X (anterior), Y (superior) and Z (right) axes expressed in the sensor frame.
    ``hinge_rms_rads`` is the RMS residual of the hinge constraint; ``axis_tilt_deg`` how far the
    identified flexion axes were from horizontal before they were made so (largest of the two);
    ``foot_axis_from_motion`` says whether the foot's axis came from its own rotation (with the
    shank's, or from its own few turns); when it did not, the foot's axis is the shank's carried
    over through gravity, or, when even that was impossible, ``foot_axis_warning`` says why in
    one sentence (None: the axis is known). ``shank_to_ankle_m`` and ``foot_to_ankle_m`` are
    where the ankle's centre sits seen from each sensor, (3,) m in its sensor frame (see
    ``joint_centres``; zero when unknown).
    """

    shank: np.ndarray
    foot: np.ndarray
    hinge_rms_rads: float
    axis_tilt_deg: float
    foot_axis_from_motion: bool
    foot_axis_warning: str | None = None
    shank_to_ankle_m: np.ndarray = field(default_factory=lambda: np.zeros(3))
    foot_to_ankle_m: np.ndarray = field(default_factory=lambda: np.zeros(3))


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
    movement = shank_movement(gyr_shank, gyr_foot, params)
    if movement.sum() / rate_hz < params.min_moving_s:
        raise ValidationError(
            f"too little movement to find the ankle axis: {movement.sum() / rate_hz:.1f} s of shank "
            f"movement in the {len(gyr_shank) / rate_hz:.0f} s after standing, {params.min_moving_s:g} s needed"
        )
    w_shank, w_foot = gyr_shank[movement], gyr_foot[movement]
    axis_shank = _principal_axis(w_shank)
    foot_moves = np.median(np.linalg.norm(w_foot, axis=1)) > params.foot_moving_fraction * np.median(
        np.linalg.norm(w_shank, axis=1)
    )
    if foot_moves:
        axis_foot = _principal_axis(w_foot)
        if np.mean((w_shank @ axis_shank) * (w_foot @ axis_foot)) < 0:
            axis_foot = -axis_foot
        residual = _hinge_residual(w_shank, w_foot, axis_shank, axis_foot)
        warning = None
    else:
        axis_foot, foot_moves, warning = _still_foot_axis(
            axis_shank, vertical_foot, standing_acc, moving, rate_hz, params
        )
        residual = float(np.sqrt(np.mean(np.linalg.norm(np.cross(w_shank, axis_shank), axis=1) ** 2)))
    tilt = max(_tilt_deg(axis_shank, vertical_shank), _tilt_deg(axis_foot, vertical_foot))
    shank = _segment_axes(vertical_shank, axis_shank)
    if np.nanmean(acc_shank[valid] @ shank[:, 0]) > 0:  # up must lean back: shank tilts forward
        shank = _segment_axes(vertical_shank, -axis_shank)
        axis_foot = -axis_foot
    foot = _segment_axes(vertical_foot, axis_foot)
    to_ankle_shank, to_ankle_foot = joint_centres(moving, rate_hz, (shank[:, 2], foot[:, 2]))
    return LegAlignment(shank, foot, residual, tilt, bool(foot_moves), warning, to_ankle_shank, to_ankle_foot)


def shank_movement(gyr_shank: np.ndarray, gyr_foot: np.ndarray, params: AlignmentParams) -> np.ndarray:
    """Which rows (n,) count as the leg's movement: both sensors present and the shank turning
    faster than ``moving_gyr_rads`` (gyroscopes (n, 3) rad/s, bias removed)."""
    valid = ~(np.isnan(gyr_shank).any(axis=1) | np.isnan(gyr_foot).any(axis=1))
    return valid & (np.linalg.norm(gyr_shank, axis=1) > params.moving_gyr_rads)


def _still_foot_axis(
    axis_shank: np.ndarray,
    vertical_foot: np.ndarray,
    standing_acc: tuple[np.ndarray, np.ndarray],
    moving: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rate_hz: float,
    params: AlignmentParams,
) -> tuple[np.ndarray, bool, str | None]:
    """The flexion axis (3,), sensor frame, of a foot too still for the hinge fit; whether it
    came from the foot's own turns; and why it could not be found when it could not (one
    sentence; None when it could).

    First the shank's axis carried over through gravity. Each sensor's heading is its own, so
    the shank's axis cannot simply be turned into the foot frame; gravity is the one direction
    both see. The hinge axis is one line in the world, so acc_foot . j_foot = acc_shank . j_shank
    whenever the foot rests (a hinge moves the shank perpendicular to its axis). Standing alone
    leaves j_foot free to turn about the vertical; each pose the foot rests in tilted away from
    standing (a slant board, a heel raise) pins it, up to sign. The axis is close to horizontal in
    every rest, so the direction gravity stayed most nearly perpendicular to is a start a few
    degrees off, refined by that equation. A foot that never rested tilted long enough but turned
    on its own (a step pitches it about the axis) gives the axis as the main axis of those turns.
    Either way the sign comes from the two segments turning together, as when the foot swings
    with the leg in a step.
    """
    gyr_shank, acc_shank, gyr_foot, acc_foot = moving
    rest_shank, rest_foot = _foot_rests(standing_acc, acc_shank, gyr_foot, acc_foot, params)
    tilted_s = np.sum(_angles_from_deg(rest_foot, vertical_foot) >= params.min_foot_tilt_deg) / rate_hz
    turning = np.linalg.norm(gyr_foot, axis=1) > params.moving_gyr_rads  # a gap compares False
    from_turns = tilted_s < params.min_foot_tilted_s
    if from_turns and turning.sum() / rate_hz < params.min_foot_turning_s:
        return _any_horizontal(vertical_foot), False, (
            f"the foot rested tilted {params.min_foot_tilt_deg:g} deg or more from standing for {tilted_s:.1f} s "
            f"and turned on its own for {turning.sum() / rate_hz:.1f} s, not the {params.min_foot_tilted_s:g} s "
            f"or {params.min_foot_turning_s:g} s needed to find its flexion axis, so dorsiflexion is right "
            "only while the foot stays flat"
        )
    if from_turns:
        axis_line = _principal_axis(gyr_foot[turning])
    else:
        _, vectors = np.linalg.eigh(rest_foot.T @ rest_foot)
        axis_line = vectors[:, 0]  # the direction gravity stayed most nearly perpendicular to
    sign = _co_turning_sign(gyr_shank, gyr_foot, axis_shank, axis_line, rate_hz, params)
    if sign is None:
        return axis_line, False, (
            "the foot never turned together with the shank, so which way its flexion axis points "
            "is unknown and dorsiflexion is right only while the foot stays flat"
        )
    if from_turns:
        return sign * axis_line, True, None
    return _matching_inclination(rest_foot, rest_shank @ axis_shank, sign * axis_line), False, None


def _foot_rests(
    standing_acc: tuple[np.ndarray, np.ndarray], acc_shank: np.ndarray, gyr_foot: np.ndarray,
    acc_foot: np.ndarray, params: AlignmentParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Shank and foot accelerometer (k, 3) while the foot rests: standing and every later
    sample where the foot turns slower than ``moving_gyr_rads``; rows with a gap dropped."""
    foot_rests = np.linalg.norm(gyr_foot, axis=1) < params.moving_gyr_rads  # a gap compares False
    shank = np.vstack([standing_acc[0], acc_shank[foot_rests]])
    foot = np.vstack([standing_acc[1], acc_foot[foot_rests]])
    present = ~(np.isnan(shank).any(axis=1) | np.isnan(foot).any(axis=1))
    return shank[present], foot[present]


def _co_turning_sign(
    w_shank: np.ndarray, w_foot: np.ndarray, axis_shank: np.ndarray, axis_foot: np.ndarray,
    rate_hz: float, params: AlignmentParams,
) -> float | None:
    """+1 or -1, whichever makes the foot turn with the shank about the axes where both turn;
    None when they turn together too briefly or too inconsistently to tell."""
    turning = params.moving_gyr_rads
    both_turn = (np.linalg.norm(w_shank, axis=1) > turning) & (np.linalg.norm(w_foot, axis=1) > turning)
    if both_turn.sum() / rate_hz < params.min_co_turning_s:
        return None
    rate_shank, rate_foot = w_shank[both_turn] @ axis_shank, w_foot[both_turn] @ axis_foot
    correlation = np.mean(rate_shank * rate_foot) / np.sqrt(np.mean(rate_shank**2) * np.mean(rate_foot**2))
    if abs(correlation) < params.min_co_turning_correlation:
        return None
    return float(np.sign(correlation))


def _matching_inclination(rest_foot: np.ndarray, inclination: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Unit axis near ``start`` with rest_foot @ axis = inclination in the least-squares sense
    (one Gauss-Newton step on the sphere, enough for a correction of a few degrees)."""
    tangent = np.linalg.svd(start[None, :])[2][1:].T  # (3, 2): the plane perpendicular to start
    step, *_ = np.linalg.lstsq(rest_foot @ tangent, inclination - rest_foot @ start, rcond=None)
    return _unit(start + tangent @ step)


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


def _angles_from_deg(acc: np.ndarray, vertical: np.ndarray) -> np.ndarray:
    """Angle of each accelerometer sample (k, 3) from ``vertical``, deg."""
    return np.degrees(np.arccos(np.clip(_unit(acc) @ vertical, -1.0, 1.0)))


def _hinge_residual(w_shank: np.ndarray, w_foot: np.ndarray, axis_shank: np.ndarray, axis_foot: np.ndarray) -> float:
    """RMS of |w_shank x j1| - |w_foot x j2|, rad/s: zero for a perfect hinge (Seel et al. 2014)."""
    perpendicular_shank = np.linalg.norm(np.cross(w_shank, axis_shank), axis=1)
    perpendicular_foot = np.linalg.norm(np.cross(w_foot, axis_foot), axis=1)
    return float(np.sqrt(np.mean((perpendicular_shank - perpendicular_foot) ** 2)))
