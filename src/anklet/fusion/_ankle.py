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

import numpy as np
from scipy.signal import lfilter

from anklet.calibration import LegAlignment
from anklet.fusion._orientation import OrientationChunk, quaternion_to_matrix
from anklet.geometry import angles_of_relative_rotation, rotation_z


class AnkleAngles:
    """Streaming ISB ankle angles of one leg.

    Parameters
    ----------
    side
        ``"left"`` or ``"right"``.
    alignment
        The leg's sensor<-segment rotations from calibration.
    rate_hz
        Sample rate of the orientations, Hz.
    heading_tau_s
        Time constant of the heading-offset filter, s.

    ``update(shank, foot)`` takes the two sensors' orientation chunks on one timeline and
    returns (n, 3) angles in rad: dorsiflexion, inversion, internal rotation (0 = the
    calibrated standing pose), NaN where either orientation is missing.
    """

    def __init__(self, side: str, alignment: LegAlignment, rate_hz: float, heading_tau_s: float = 3.0) -> None:
        self.side = side
        self.alignment = alignment
        self.rate_hz = rate_hz
        self.heading_tau_s = heading_tau_s
        self._filter_state = np.zeros(1, complex)

    def update(self, shank: OrientationChunk, foot: OrientationChunk) -> np.ndarray:
        return angles_of_relative_rotation(self.update_relative_rotation(shank, foot), self.side)

    def update_relative_rotation(self, shank: OrientationChunk, foot: OrientationChunk) -> np.ndarray:
        """Like ``update``, but the foot's orientation in the shank's segment frame,
        ``R_shank.T @ R_foot`` (n, 3, 3), heading corrected, which the angles are read from."""
        return self.relative_rotation_of_sensors(
            quaternion_to_matrix(shank.quat), quaternion_to_matrix(foot.quat), shank.restarts, foot.restarts
        )

    def relative_rotation_of_sensors(
        self, shank: np.ndarray, foot: np.ndarray, shank_restarts: np.ndarray, foot_restarts: np.ndarray
    ) -> np.ndarray:
        """``update_relative_rotation`` from the sensors' orientations as (n, 3, 3) matrices
        (for a caller that turns all its sensors' quaternions into matrices in one call, which
        costs a quarter of four calls on a live chunk) and their chunks' ``restarts``."""
        rotation_shank = shank @ self.alignment.shank
        rotation_foot = foot @ self.alignment.foot
        # (each chunk's restarts are sorted and unique already; union1d costs more than the rest)
        restarts = np.union1d(shank_restarts, foot_restarts) if len(foot_restarts) else shank_restarts
        offset = self._heading_offset(rotation_shank[:, :, 2], rotation_foot[:, :, 2], restarts)
        return np.swapaxes(rotation_shank, -1, -2) @ (rotation_z(offset) @ rotation_foot)

    def _heading_offset(self, axis_shank: np.ndarray, axis_foot: np.ndarray, restarts: np.ndarray) -> np.ndarray:
        """Rotation about earth Z taking the foot's flexion axis onto the shank's, filtered, rad.

        The filter starts from zero, so its output is a plain running mean until a few time
        constants have passed, and starts again wherever either sensor's heading restarted.
        """
        a = axis_shank[:, 0] + 1j * axis_shank[:, 1]
        b = axis_foot[:, 0] + 1j * axis_foot[:, 1]
        pairs = a * np.conj(b)  # angle: offset; magnitude: how horizontal both axes are
        pairs[np.isnan(pairs)] = 0.0  # a missing sample weighs nothing
        alpha = 1.0 - np.exp(-1.0 / (self.heading_tau_s * self.rate_hz))
        if not len(pairs):  # scipy's lfilter returns an uninitialised state for no samples
            return np.empty(0)
        if not len(restarts):  # the usual chunk: one filter run
            filtered, self._filter_state = lfilter([alpha], [1.0, alpha - 1.0], pairs, zi=self._filter_state)
            return np.angle(filtered)
        filtered = np.empty_like(pairs)
        for segment in np.split(np.arange(len(pairs)), restarts):
            if len(segment) and segment[0] in restarts:
                self._filter_state = np.zeros(1, complex)
            filtered[segment], self._filter_state = lfilter(
                [alpha], [1.0, alpha - 1.0], pairs[segment], zi=self._filter_state
            )
        return np.angle(filtered)
