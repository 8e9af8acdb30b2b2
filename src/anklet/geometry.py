"""Rotation and ankle-joint math shared by the simulator and the fusion stage, and the body
proportions and test poses shared by the simulator and the gait stage.

Conventions (ISB, Wu et al. 2002), SI units throughout:

* World frame (treadmill / lab): X forward (running direction), Y up, Z to the right.
  Gravity is ``GRAVITY_WORLD = (0, -9.80665, 0)`` m/s².
* Segment frames, both legs: X anterior, Y superior (the shank's long axis, knee above the
  ankle; for the foot, Y is perpendicular to the sole), Z to the right. In quiet standing
  both frames equal the world frame.
* A rotation ``R`` of shape ``(n, 3, 3)`` maps segment coordinates to world coordinates
  (``v_world = R @ v_segment``).
* Ankle angles are the joint coordinate system of Wu et al. (2002): the Cardan Z-X-Y
  decomposition of ``R_rel = R_shank.T @ R_foot = Rz(a) Rx(b) Ry(c)``. Dorsiflexion = ``a``
  (positive = toes up relative to the shank), inversion = ``b`` on the right and ``-b`` on
  the left, internal rotation = ``c`` on the right and ``-c`` on the left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

__all__ = [
    "ANTHROPOMETRY",
    "GRAVITY_MPS2",
    "GRAVITY_WORLD",
    "SENSOR_NAMES",
    "SIDES",
    "FootGeometry",
    "angles_of_relative_rotation",
    "ankle_angles",
    "ankle_relative_rotation",
    "angular_acceleration",
    "at_rest",
    "body_angular_velocity",
    "force_at_point",
    "knee_ahead_of_toe_m",
    "knee_to_wall_required_df_rad",
    "kneeling_pose",
    "lever_matrices",
    "rotation_x",
    "rotation_y",
    "rotation_z",
    "tall_kneeling_gap_m",
    "tall_kneeling_required_pf_rad",
]

GRAVITY_MPS2 = 9.80665
"""Standard gravity, m/s²."""

GRAVITY_WORLD = np.array([0.0, -GRAVITY_MPS2, 0.0])
"""Gravity vector in the world frame (Y up), m/s², shape (3,)."""

SIDES: tuple[str, str] = ("left", "right")

SENSOR_NAMES = ("left_shank", "left_foot", "right_shank", "right_foot")
"""The four sensors of DESIGN.md: a shank and a foot per side, in this order everywhere."""

Side = Literal["left", "right"]


def at_rest(acc: np.ndarray, gyr: np.ndarray, max_gyr_rads: float, max_acc_mps2: float) -> np.ndarray:
    """(n,) bool: a sensor (n, 3 m/s² and rad/s rows) hardly turns and its accelerometer reads
    gravity alone (a foot flat on the ground, a shank held still), whatever way it is strapped
    on. NaN rows are False. Shared by the gait's foot-flat and the calibration's swap check."""
    return at_rest_by_norms(np.linalg.norm(acc, axis=1), np.linalg.norm(gyr, axis=1), max_gyr_rads, max_acc_mps2)


def at_rest_by_norms(acc_norms: np.ndarray, gyr_norms: np.ndarray, max_gyr_rads: float, max_acc_mps2: float) -> np.ndarray:
    """``at_rest`` from the rows' norms, for a caller that has them already."""
    return (gyr_norms < max_gyr_rads) & (np.abs(acc_norms - GRAVITY_MPS2) < max_acc_mps2)


def _side_sign(side: str) -> float:
    if side == "right":
        return 1.0
    if side == "left":
        return -1.0
    raise ValueError(f"side must be 'left' or 'right', not {side!r}")


def _axis_rotation(angle_rad: np.ndarray | float, axis: int) -> np.ndarray:
    a = np.atleast_1d(np.asarray(angle_rad, dtype=float))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def rotation_x(angle_rad: np.ndarray | float) -> np.ndarray:
    """Right-handed rotation about X; angles of shape (n,) (or scalar) -> (n, 3, 3)."""
    return _axis_rotation(angle_rad, 0)


def rotation_y(angle_rad: np.ndarray | float) -> np.ndarray:
    """Right-handed rotation about Y; angles of shape (n,) (or scalar) -> (n, 3, 3)."""
    return _axis_rotation(angle_rad, 1)


def rotation_z(angle_rad: np.ndarray | float) -> np.ndarray:
    """Right-handed rotation about Z; angles of shape (n,) (or scalar) -> (n, 3, 3)."""
    return _axis_rotation(angle_rad, 2)


def ankle_relative_rotation(
    dorsiflexion_rad: np.ndarray | float,
    inversion_rad: np.ndarray | float,
    internal_rotation_rad: np.ndarray | float,
    side: str,
) -> np.ndarray:
    """The inverse of :func:`ankle_angles`: ``R_rel = R_shank.T @ R_foot``, shape (n, 3, 3).

    ``R_rel = Rz(dorsiflexion) Rx(±inversion) Ry(±internal_rotation)``, + on the right.
    """
    sign = _side_sign(side)
    a = np.atleast_1d(np.asarray(dorsiflexion_rad, dtype=float))
    b = sign * np.atleast_1d(np.asarray(inversion_rad, dtype=float))
    c = sign * np.atleast_1d(np.asarray(internal_rotation_rad, dtype=float))
    a, b, c = np.broadcast_arrays(a, b, c)
    ca, sa, cb, sb, cc, sc = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(c), np.sin(c)
    out = np.empty(a.shape + (3, 3))
    out[..., 0, 0] = ca * cc - sa * sb * sc
    out[..., 0, 1] = -sa * cb
    out[..., 0, 2] = ca * sc + sa * sb * cc
    out[..., 1, 0] = sa * cc + ca * sb * sc
    out[..., 1, 1] = ca * cb
    out[..., 1, 2] = sa * sc - ca * sb * cc
    out[..., 2, 0] = -cb * sc
    out[..., 2, 1] = sb
    out[..., 2, 2] = cb * cc
    return out


def ankle_angles(rotation_shank: np.ndarray, rotation_foot: np.ndarray, side: str) -> np.ndarray:
    """Ankle joint angles (ISB JCS, Wu et al. 2002) from segment orientations.

    Parameters
    ----------
    rotation_shank, rotation_foot
        World<-segment rotation matrices, shape (n, 3, 3) (or (3, 3)).
    side
        ``"left"`` or ``"right"``.

    Returns
    -------
    numpy.ndarray
        Shape (n, 3), rad: ``[dorsiflexion, inversion, internal_rotation]``; 0 when the two
        frames coincide (the calibrated quiet-standing pose).
    """
    rs = np.asarray(rotation_shank, dtype=float).reshape(-1, 3, 3)
    rf = np.asarray(rotation_foot, dtype=float).reshape(-1, 3, 3)
    return angles_of_relative_rotation(np.matmul(np.swapaxes(rs, -1, -2), rf), side)


def angles_of_relative_rotation(rel: np.ndarray, side: str | Sequence[str]) -> np.ndarray:
    """:func:`ankle_angles` from ``R_rel = R_shank.T @ R_foot`` (n, 3, 3): (n, 3) rad. Several
    legs at once: ``rel`` (k, n, 3, 3) and one side per leg -> (k, n, 3)."""
    sign = _side_sign(side) if isinstance(side, str) else np.array([_side_sign(one) for one in side])[:, None]
    # Rz(a) Rx(b) Ry(c): [0,1] = -sin a cos b, [1,1] = cos a cos b, [2,1] = sin b,
    # [2,0] = -cos b sin c, [2,2] = cos b cos c.
    dorsiflexion = np.arctan2(-rel[..., 0, 1], rel[..., 1, 1])
    b = np.arcsin(np.clip(rel[..., 2, 1], -1.0, 1.0))
    c = np.arctan2(-rel[..., 2, 0], rel[..., 2, 2])
    return np.stack([dorsiflexion, sign * b, sign * c], axis=-1)


def angular_acceleration(gyr: np.ndarray, rate_hz: float) -> np.ndarray:
    """(..., n, 3) rad/s² from angular velocities (..., n, 3) rad/s, central differences; NaN
    at both ends and beside a lost sample."""
    alpha = np.full_like(gyr, np.nan)
    alpha[..., 1:-1, :] = (gyr[..., 2:, :] - gyr[..., :-2, :]) * (rate_hz / 2.0)
    return alpha


def lever_matrices(gyr: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(n, 3, 3) matrices K with K r = alpha x r + omega x (omega x r): how much more specific
    force a point at r (m, body frame) from a rigid body's sensor feels than the sensor, from
    the angular velocity ``gyr`` (n, 3) rad/s and acceleration ``alpha`` (n, 3) rad/s²."""
    turning = _cross_matrices(gyr)
    return _cross_matrices(alpha) + turning @ turning


def force_at_point(acc: np.ndarray, gyr: np.ndarray, alpha: np.ndarray, lever_m: np.ndarray) -> np.ndarray:
    """(n, 3) specific force at the point ``lever_m`` (3,) m from a rigid body's sensor, in its
    frame: ``acc + alpha x r + omega x (omega x r)`` (``lever_matrices(gyr, alpha) @ r`` without
    a matrix per row, which small live chunks pay for). Several bodies at once: leading axes,
    ``acc``, ``gyr``, ``alpha`` (..., n, 3) and ``lever_m`` (..., 3)."""
    spin_squared = np.einsum("...j,...j->...", gyr, gyr)[..., None]
    along_lever = rows_times(gyr, lever_m[..., None])
    alpha_cross_lever = rows_times(alpha, _cross_matrices(lever_m))  # rows times [r]x: alpha x r
    return acc + alpha_cross_lever + gyr * along_lever - spin_squared * lever_m[..., None, :]


def rows_times(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``rows @ matrix`` for (..., n, 3) rows and a (..., 3, k) matrix, each row summed on its
    own (einsum's loops). BLAS, which ``@`` calls, can round a row differently with the rows
    around it, and a stream cut into chunks must give the same numbers whatever the cuts (a
    replay fuses larger chunks than live)."""
    return np.einsum("...ij,...jk->...ik", rows, matrix)


def _cross_matrices(v: np.ndarray) -> np.ndarray:
    """(n, 3) -> (n, 3, 3) with [v]x u = v x u."""
    out = np.zeros(v.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2], out[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    out[..., 1, 0], out[..., 2, 0], out[..., 2, 1] = v[..., 2], -v[..., 1], v[..., 0]
    return out


def body_angular_velocity(rotation: np.ndarray, rate_hz: float) -> np.ndarray:
    """Angular velocity in the body (segment) frame from a sampled orientation track.

    Uses the relative rotation between neighbouring samples (log map), averaged over the
    backward and forward steps (a central difference, second-order accurate); the first and
    last samples use the one-sided step.

    Parameters
    ----------
    rotation
        World<-body rotation matrices, shape (n, 3, 3), n >= 2.
    rate_hz
        Sample rate, Hz.

    Returns
    -------
    numpy.ndarray
        Shape (n, 3), rad/s, body frame (what a gyroscope fixed to the body measures).
    """
    r = np.asarray(rotation, dtype=float)
    n = r.shape[0]
    if n < 2:
        return np.zeros((n, 3))
    step = np.matmul(np.swapaxes(r[:-1], -1, -2), r[1:])  # R_i^T R_{i+1}, body frame i
    # A rotation's axis is invariant under itself, so the rotation vector of R_i^T R_{i+1}
    # has the same coordinates in body frames i and i+1.
    rotvec = Rotation.from_matrix(step).as_rotvec() * rate_hz
    out = np.empty((n, 3))
    out[0] = rotvec[0]
    out[-1] = rotvec[-1]
    out[1:-1] = 0.5 * (rotvec[:-1] + rotvec[1:])
    return out


# ---------------------------------------------------------------------------------------
# body proportions and the poses of the seed tests
# ---------------------------------------------------------------------------------------

ANTHROPOMETRY = {
    # Segment lengths as fractions of body height (Winter, Biomechanics and Motor Control
    # of Human Movement, 4th ed. 2009, fig. 4.1; approximate).
    "shank_length": 0.246,  # knee joint centre to ankle joint centre
    "foot_length": 0.152,  # heel to toe tip
    "ankle_height": 0.039,  # ankle joint centre above the floor
}


@dataclass(frozen=True, slots=True)
class FootGeometry:
    """Landmarks of the foot in the foot frame (origin at the ankle joint centre), m.

    Defaults describe a 0.26 m foot; :meth:`for_body` rescales them to a body height.
    """

    heel_x: float = -0.06
    ball_x: float = 0.14  # first metatarsal head
    toe_x: float = 0.19  # longest toe tip
    sole_y: float = -0.07  # plantar surface (= minus ankle height)
    toe_dorsum_y: float = -0.045  # upper surface of the toes
    ankle_front_x: float = 0.04  # anterior surface of the ankle (skin over the talus)
    knee_front_m: float = 0.05  # patella surface ahead of the knee joint centre
    shank_length_m: float = 0.43

    @classmethod
    def for_body(cls, height_m: float) -> FootGeometry:
        foot = ANTHROPOMETRY["foot_length"] * height_m
        k = foot / 0.26
        return cls(
            heel_x=-0.06 * k,
            ball_x=0.14 * k,
            toe_x=0.19 * k,
            sole_y=-ANTHROPOMETRY["ankle_height"] * height_m,
            toe_dorsum_y=-0.045 * k,
            ankle_front_x=0.04 * k,
            knee_front_m=0.05 * k,
            shank_length_m=ANTHROPOMETRY["shank_length"] * height_m,
        )

    @property
    def heel(self) -> np.ndarray:
        return np.array([self.heel_x, self.sole_y, 0.0])

    @property
    def ball(self) -> np.ndarray:
        return np.array([self.ball_x, self.sole_y, 0.0])

    @property
    def toe(self) -> np.ndarray:
        return np.array([self.toe_x, self.sole_y, 0.0])

    @property
    def ankle_height_m(self) -> float:
        return -self.sole_y


def knee_ahead_of_toe_m(geometry: FootGeometry, dorsiflexion_rad: float) -> float:
    """How far the front of the knee is ahead of the longest toe tip, m (negative: behind it).

    The foot is flat and the shank (length L) tilts forward by the dorsiflexion angle a, so
    the patella surface (``k`` ahead of the knee centre, perpendicular to the shank) is
    ``L sin a + k cos a`` ahead of the ankle. This is also the toe-to-wall distance at which
    the knee just touches the wall; :func:`knee_to_wall_required_df_rad` is its inverse.
    """
    big_l, k = geometry.shank_length_m, geometry.knee_front_m
    return big_l * math.sin(dorsiflexion_rad) + k * math.cos(dorsiflexion_rad) - geometry.toe_x


def knee_to_wall_required_df_rad(geometry: FootGeometry, toe_to_wall_m: float) -> float:
    """Dorsiflexion at which the front of the knee touches the wall, rad.

    Solves :func:`knee_ahead_of_toe_m` ``= toe_to_wall_m``: ``L sin a + k cos a = toe_x + d``.
    """
    big_l, k = geometry.shank_length_m, geometry.knee_front_m
    reach = geometry.toe_x + toe_to_wall_m
    r = math.hypot(big_l, k)
    return math.asin(min(1.0, reach / r)) - math.atan2(k, big_l)


def kneeling_pose(geometry: FootGeometry, pf_rad: float, knee_height_m: float) -> tuple[float, float, float]:
    """(foot angle, shank angle, ankle height) of a kneeling leg with the shin towards the
    floor and the dorsum of the foot down, at plantarflexion ``pf_rad`` (> 0); rad, rad, m.

    The ankle rests on its anterior soft tissue (height = ``geometry.ankle_front_x``) unless
    the toes, rotated by too little plantarflexion, prop it up (the "gap" of the tall-kneeling
    test).
    """
    h_rest = geometry.ankle_front_x
    h = h_rest
    shank = foot = -math.pi / 2
    for _ in range(8):  # the ankle height and the shank angle depend on each other
        shank = -math.acos(max(-1.0, min(1.0, (knee_height_m - h) / geometry.shank_length_m)))
        foot = shank - pf_rad
        toe_y = geometry.toe_x * math.sin(foot) + geometry.toe_dorsum_y * math.cos(foot)
        h = max(h_rest, -toe_y)
    return foot, shank, h


def tall_kneeling_gap_m(geometry: FootGeometry, pf_rad: float, knee_height_m: float = 0.05) -> float:
    """Gap between the front of the ankle and the floor at plantarflexion ``pf_rad``, m."""
    return kneeling_pose(geometry, pf_rad, knee_height_m)[2] - geometry.ankle_front_x


def tall_kneeling_required_pf_rad(geometry: FootGeometry, max_gap_m: float, knee_height_m: float = 0.05) -> float:
    """Least plantarflexion that leaves a gap of at most ``max_gap_m`` when kneeling, rad."""
    lo, hi = 0.0, math.radians(89.0)
    for _ in range(50):  # bisection: the gap shrinks as plantarflexion grows
        mid = 0.5 * (lo + hi)
        if tall_kneeling_gap_m(geometry, mid, knee_height_m) > max_gap_m:
            lo = mid
        else:
            hi = mid
    return hi
