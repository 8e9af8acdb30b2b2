"""Orientation of one sensor with VQF (Laidig & Seel 2023), 6-axis: no magnetometer, because
treadmill motors and gym steel disturb the magnetic field. Inclination is drift-free; heading
drifts slowly and is put right later by the ankle's hinge constraint."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation
from vqf import VQF


class SensorOrientation:
    """Streaming 6D orientation of one sensor.

    Parameters
    ----------
    rate_hz
        Sample rate of the gyroscope and accelerometer, Hz.
    gyr_bias_rads
        Initial gyroscope bias (3,), rad/s, e.g. from quiet standing; VQF keeps it up to date
        with its rest and motion bias estimation.

    ``update`` takes (n, 3) gyr (rad/s) and acc (m/s²) in the sensor frame, NaN rows for
    missing samples, and returns (n, 4) quaternions [w, x, y, z], sensor -> earth (Z up,
    arbitrary heading), NaN where samples were missing. The filter bridges a gap by linear
    interpolation of the samples on either side (within a chunk; across chunks it holds the
    last sample), so a long gap costs accuracy until the accelerometer pulls the inclination
    back (time constant about 3 s).
    """

    def __init__(self, rate_hz: float, gyr_bias_rads: np.ndarray | None = None) -> None:
        self.rate_hz = rate_hz
        self.gyr_bias_rads = np.zeros(3) if gyr_bias_rads is None else np.asarray(gyr_bias_rads, float)
        self._filter: VQF | None = None
        self._last_sample: np.ndarray | None = None

    def reset(self) -> None:
        self._filter = None
        self._last_sample = None

    def update(self, gyr: np.ndarray, acc: np.ndarray) -> np.ndarray:
        samples = np.hstack([gyr, acc])
        present = ~np.isnan(samples).any(axis=1)
        if not present.any() and self._last_sample is None:
            return np.full((len(samples), 4), np.nan)
        if self._filter is None:
            self._filter = VQF(1.0 / self.rate_hz)
            self._filter.setBiasEstimate(self.gyr_bias_rads, -1.0)
        filled = _bridge_gaps(samples, present, self._last_sample)
        self._last_sample = filled[-1]
        quaternions = self._filter.updateBatch(
            np.ascontiguousarray(filled[:, :3]), np.ascontiguousarray(filled[:, 3:])
        )["quat6D"]
        quaternions[~present] = np.nan
        return quaternions


def _bridge_gaps(samples: np.ndarray, present: np.ndarray, before: np.ndarray | None) -> np.ndarray:
    """Missing rows of (n, 6) ``samples`` linearly interpolated; ``before`` is the sample that
    preceded the chunk (held at the chunk's start if the chunk opens inside a gap)."""
    if present.all():
        return samples
    index = np.arange(len(samples))
    known_index, known = index[present], samples[present]
    if before is not None:
        known_index, known = np.concatenate(([-1], known_index)), np.vstack([before, known])
    return np.column_stack([np.interp(index, known_index, known[:, k]) for k in range(6)])


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """(n, 4) [w, x, y, z] unit quaternions (VQF's order) -> (n, 3, 3) rotation matrices;
    NaN rows stay NaN."""
    matrices = np.full((len(q), 3, 3), np.nan)
    present = ~np.isnan(q).any(axis=1)
    if present.any():
        matrices[present] = Rotation.from_quat(q[present], scalar_first=True).as_matrix()
    return matrices
