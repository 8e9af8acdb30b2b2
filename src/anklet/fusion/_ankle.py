"""Ankle joint angles of one leg from its two sensors' orientations.

Each sensor's 6D orientation has its own, slowly drifting heading. The ankle is close to a
hinge, so its flexion axis seen from the shank and seen from the foot must point the same way
in a common earth frame; the angle between the two axes' horizontal projections is the
heading offset between the sensors' earth frames (the idea of Laidig et al. 2017, "Exploiting
kinematic constraints to compensate magnetic disturbances", IEEE EMBC). It is low-pass
filtered (it changes slowly; the foot's few degrees of inversion and rotation average out) and
applied to the foot, so the angles do not drift however long the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.signal import lfilter

from anklet.calibration import LegAlignment
from anklet.fusion._orientation import OrientationChunk, quaternion_to_matrix
from anklet.geometry import angles_of_relative_rotation, rotation_z, rows_times


class AnkleAngles:
    """Streaming ISB ankle angles of one leg or both, the legs stacked: on a live chunk of a
    few rows every array operation costs its call, not its arithmetic, so both legs share
    each call.

    Parameters
    ----------
    legs
        Each side's sensor<-segment rotations from calibration (``{"left": LegAlignment, ...}``).
    rate_hz
        Sample rate of the orientations, Hz.
    heading_tau_s
        Time constant of the heading-offset filter, s.

    ``update(shank, foot)`` takes each side's two sensors' orientation chunks on one timeline
    and returns each side's (n, 3) angles in rad: dorsiflexion, inversion, internal rotation
    (0 = the calibrated standing pose), NaN where either orientation is missing.
    """

    def __init__(self, legs: Mapping[str, LegAlignment], rate_hz: float, heading_tau_s: float = 3.0) -> None:
        self.sides = tuple(legs)
        self.rate_hz = rate_hz
        self.heading_tau_s = heading_tau_s
        self._shank_axes = np.stack([leg.shank for leg in legs.values()])[:, None]  # (k, 1, 3, 3)
        self._foot_axes = np.stack([leg.foot for leg in legs.values()])[:, None]
        self._filter_state = np.zeros((len(legs), 1), complex)

    def update(self, shank: Mapping[str, OrientationChunk], foot: Mapping[str, OrientationChunk]) -> dict[str, np.ndarray]:
        relative = self.relative_rotations(
            np.stack([quaternion_to_matrix(shank[side].quat) for side in self.sides]),
            np.stack([quaternion_to_matrix(foot[side].quat) for side in self.sides]),
            [shank[side].restarts for side in self.sides],
            [foot[side].restarts for side in self.sides],
        )
        return dict(zip(self.sides, angles_of_relative_rotation(relative, self.sides), strict=True))

    def relative_rotations(
        self,
        shank: np.ndarray,
        foot: np.ndarray,
        shank_restarts: Sequence[np.ndarray],
        foot_restarts: Sequence[np.ndarray],
    ) -> np.ndarray:
        """Each leg's foot orientation in its shank's segment frame, ``R_shank.T @ R_foot``
        (k, n, 3, 3), heading corrected, which the angles are read from, from the sensors'
        orientations as (k, n, 3, 3) matrices (legs in ``sides`` order) and each sensor's
        chunk's ``restarts``."""
        rotation_shank = rows_times(shank, self._shank_axes)
        rotation_foot = rows_times(foot, self._foot_axes)
        # (each chunk's restarts are sorted and unique already; union1d costs more than the rest)
        restarts = [np.union1d(of_shank, of_foot) if len(of_foot) else of_shank
                    for of_shank, of_foot in zip(shank_restarts, foot_restarts, strict=True)]
        offset = self._heading_offset(rotation_shank[..., 2], rotation_foot[..., 2], restarts)
        return np.swapaxes(rotation_shank, -1, -2) @ (rotation_z(offset) @ rotation_foot)

    def _heading_offset(self, axis_shank: np.ndarray, axis_foot: np.ndarray, restarts: list[np.ndarray]) -> np.ndarray:
        """Per leg, the rotation about earth Z taking the foot's flexion axis onto the shank's,
        filtered, rad (k, n).

        The filter starts from zero, so its output is a plain running mean until a few time
        constants have passed, and starts again wherever either sensor's heading restarted.
        """
        # the shank's horizontal axis times the foot's conjugate (angle: offset; magnitude: how
        # horizontal both axes are), in real arithmetic: numpy's complex product rounds with its
        # SIMD lanes, so a row's result would hang on how the stream was cut into chunks
        shank_x, shank_y, foot_x, foot_y = axis_shank[..., 0], axis_shank[..., 1], axis_foot[..., 0], axis_foot[..., 1]
        pairs = np.empty(shank_x.shape, complex)
        pairs.real, pairs.imag = shank_x * foot_x + shank_y * foot_y, shank_y * foot_x - shank_x * foot_y
        pairs[np.isnan(pairs)] = 0.0  # a missing sample weighs nothing
        alpha = 1.0 - np.exp(-1.0 / (self.heading_tau_s * self.rate_hz))
        if not pairs.shape[1]:  # scipy's lfilter returns an uninitialised state for no samples
            return np.empty(pairs.shape)
        if not any(len(leg_restarts) for leg_restarts in restarts):  # the usual chunk: one filter run
            filtered, self._filter_state = lfilter([alpha], [1.0, alpha - 1.0], pairs, axis=1, zi=self._filter_state)
            return np.angle(filtered)
        filtered = np.empty_like(pairs)
        for leg, leg_restarts in enumerate(restarts):
            for segment in np.split(np.arange(pairs.shape[1]), leg_restarts):
                if len(segment) and segment[0] in leg_restarts:
                    self._filter_state[leg] = 0.0
                filtered[leg, segment], self._filter_state[leg] = lfilter(
                    [alpha], [1.0, alpha - 1.0], pairs[leg, segment], zi=self._filter_state[leg]
                )
        return np.angle(filtered)
