"""Rotation and ankle-joint math shared by the simulator and the fusion stage.

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

from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

__all__ = [
    "GRAVITY_MPS2",
    "GRAVITY_WORLD",
    "SENSOR_NAMES",
    "SIDES",
    "ankle_angles",
    "ankle_relative_rotation",
    "body_angular_velocity",
    "rotation_x",
    "rotation_y",
    "rotation_z",
]

GRAVITY_MPS2 = 9.80665
"""Standard gravity, m/s²."""

GRAVITY_WORLD = np.array([0.0, -GRAVITY_MPS2, 0.0])
"""Gravity vector in the world frame (Y up), m/s², shape (3,)."""

SIDES: tuple[str, str] = ("left", "right")

SENSOR_NAMES = ("left_shank", "left_foot", "right_shank", "right_foot")
"""The four sensors of DESIGN.md: a shank and a foot per side, in this order everywhere."""

Side = Literal["left", "right"]


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
    sign = _side_sign(side)
    rs = np.asarray(rotation_shank, dtype=float).reshape(-1, 3, 3)
    rf = np.asarray(rotation_foot, dtype=float).reshape(-1, 3, 3)
    rel = np.matmul(np.swapaxes(rs, -1, -2), rf)
    # Rz(a) Rx(b) Ry(c): [0,1] = -sin a cos b, [1,1] = cos a cos b, [2,1] = sin b,
    # [2,0] = -cos b sin c, [2,2] = cos b cos c.
    dorsiflexion = np.arctan2(-rel[:, 0, 1], rel[:, 1, 1])
    b = np.arcsin(np.clip(rel[:, 2, 1], -1.0, 1.0))
    c = np.arctan2(-rel[:, 2, 0], rel[:, 2, 2])
    return np.column_stack([dorsiflexion, sign * b, sign * c])


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
