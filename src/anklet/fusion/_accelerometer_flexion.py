"""Dorsiflexion from the two accelerometers of a leg, as a slow correction of the integrated angle.

Each sensor's orientation integrates its gyroscope, and what a lost burst of samples leaves
there fades only with VQF's accelerometer time constant (1.5 s), one sensor at a time. The
ankle's centre offers a direct measurement instead (Seel, Raisch & Schauer 2014, "IMU-based
joint angle measurement for gait analysis", Sensors 14:6891): moved to that centre (the lever
arms from calibration), the two specific forces are one vector seen from the shank and from
the foot, so the angle between them about the flexion axis is the joint's flexion, with no
integration and nothing to drift. Sample by sample it is noisy (foot strikes, flight with next
to no force), so it only steers the integrated angle: the difference of the two is low-pass
filtered, each row weighted by how much force both sensors feel, and added.

Two limits shape it. Calibration takes the vertical from standing, accelerometer bias and all,
and at a foot strike's many g that bias no longer matters: the measurement then sits a constant
fraction of a degree to two off the integrated angle's zero. That constant is the weighted mean
difference since calibration, and is taken out. And in slow movement (squats, lunges) the
lever arms are too poorly known for the measurement to beat the integrated angle, which is
good to a few tenths of a degree there: only rows where the leg turns fast steer. Walking's
swing turns fast too, but with little force, and the integrated angle is already good to a
degree there: the correction is weighed against a prior, so little evidence steers little.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.signal import lfilter

from anklet.calibration import LegAlignment
from anklet.fusion._orientation import _FAST_RADS  # a stride's swing, not a squat's 1-2 rad/s: as for borrowing
from anklet.geometry import GRAVITY_MPS2, angular_acceleration, force_at_point, rows_times

_MAX_DIFFERENCE_RAD = np.radians(10.0)  # larger is the measurement's noise (a foot strike), not the angle's error
_PRIOR_WEIGHT = 1.0
"""The recent weight (per row, 1 = both sensors feel 1 g) at which the measurement and the
integrated angle count alike. A walk's swing gathers 0.3-0.5 and steers by a third or less; a
run's 5-30 steers by 85-97 %. (bench scenarios, 2 seeds x 60 s: walking 1.00/1.11 ->
0.75/1.06 deg, easy_run 1.24/1.31 -> 1.17/1.28, fast_forefoot unchanged.)"""


class AccelerometerFlexion:
    """Streaming correction of the dorsiflexion of one leg or both, the legs stacked (as in
    ``AnkleAngles``: a live chunk's array operations cost their calls).

    Parameters
    ----------
    legs
        Each side's calibration: segment axes and the ankle centre seen from each sensor.
    rate_hz
        Sample rate, Hz.
    gyr_bias_rads
        Each side's shank and foot gyroscope bias, (3,) each, rad/s.
    tau_s
        Time constant of the correction, s.

    ``correct(dorsiflexion, relative, imu)`` takes the legs' (k, n) dorsiflexion, the joint
    rotations it was read from (``AnkleAngles.relative_rotations``, (k, n, 3, 3)) and each
    leg's shank and foot readings, (k, 2, n, 6): gyr then acc, in the sensor frame; it returns
    the dorsiflexion corrected (k, n). The angular acceleration needs the next sample, so row i
    is corrected with what the rows before it showed: cutting a stream into chunks anywhere
    gives the same result.
    """

    def __init__(
        self,
        legs: Mapping[str, LegAlignment],
        rate_hz: float,
        gyr_bias_rads: Mapping[str, tuple[np.ndarray, np.ndarray]],
        tau_s: float = 0.5,
    ) -> None:
        self.rate_hz = rate_hz
        self._axes = np.stack([(leg.shank, leg.foot) for leg in legs.values()])  # (k, 2, 3, 3)
        self._to_ankle_m = np.stack([(leg.shank_to_ankle_m, leg.foot_to_ankle_m) for leg in legs.values()])  # (k, 2, 3)
        self._gyr_bias_rads = np.stack([gyr_bias_rads[side] for side in legs])[:, :, None, :]  # (k, 2, 1, 3)
        self._alpha = 1.0 - np.exp(-1.0 / (tau_s * rate_hz))
        k = len(legs)
        self._filter_state = np.zeros((k, 2, 1))  # weighted difference, weight
        self._sums = np.zeros((k, 2))  # since calibration: weighted difference, weight
        self._last_imu = np.full((k, 2, 2, 6), np.nan)  # the last two rows seen
        self._last_relative = np.full((k, 2, 2, 3), np.nan)

    def correct(self, dorsiflexion: np.ndarray, relative: np.ndarray, imu: np.ndarray) -> np.ndarray:
        imu = np.concatenate([self._last_imu, imu], axis=2)
        relative = np.concatenate([self._last_relative, relative[..., :2, :]], axis=1)
        self._last_imu, self._last_relative = imu[:, :, -2:], relative[:, -2:]
        difference, weight = self._measured_difference(imu, relative)
        return dorsiflexion + self._steer(difference[:, 1:-1], weight[:, 1:-1])

    def _measured_difference(self, imu: np.ndarray, relative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per leg and row: the accelerometers' flexion minus the integrated one (rad,
        clipped) and the row's weight (0 where it tells nothing); (k, m) each."""
        gyr = imu[..., :3] - self._gyr_bias_rads
        at_centre = force_at_point(imu[..., 3:], gyr, angular_acceleration(gyr, self.rate_hz), self._to_ankle_m)
        shank, foot = np.moveaxis(rows_times(at_centre, self._axes), 1, 0)  # each (k, m, 3), segment frames
        # Turned into the shank's frame by the estimated joint rotation, the foot's force lies
        # behind the shank's, about the flexion axis, by the integrated angle's error.
        foot_in_shank = np.einsum("...ij,...j->...i", relative, foot)
        # the angle from the foot's planar force to the shank's, in real arithmetic: numpy's
        # complex product rounds with its SIMD lanes, so a row's result would hang on the chunking
        shank_x, shank_y, foot_x, foot_y = shank[..., 0], shank[..., 1], foot_in_shank[..., 0], foot_in_shank[..., 1]
        difference = np.clip(np.arctan2(shank_y * foot_x - shank_x * foot_y, shank_x * foot_x + shank_y * foot_y),
                             -_MAX_DIFFERENCE_RAD, _MAX_DIFFERENCE_RAD)
        spin_squared = np.einsum("...j,...j->...", gyr, gyr).max(axis=1)
        weight = np.hypot(shank_x, shank_y) * np.hypot(foot_x, foot_y) / GRAVITY_MPS2**2 * (spin_squared > _FAST_RADS**2)
        known = ~np.isnan(difference) & ~np.isnan(weight)
        return np.where(known, difference, 0.0), np.where(known, weight, 0.0)

    def _steer(self, difference: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """The correction for the rows after each of these: the recent weighted mean difference,
        less the constant one since calibration, shrunk towards none by ``_PRIOR_WEIGHT``."""
        if not weight.shape[1]:
            return np.empty(weight.shape)
        inputs = np.stack([weight * difference, weight], axis=1)  # (k, 2, m)
        filtered, self._filter_state = lfilter(
            [self._alpha], [1.0, self._alpha - 1.0], inputs, axis=-1, zi=self._filter_state
        )
        # the running sums carried in first: added in the same order however the rows are chunked
        sums = np.cumsum(np.concatenate([self._sums[..., None], inputs], axis=-1), axis=-1)[..., 1:]
        self._sums = sums[..., -1]
        constant = np.divide(sums[:, 0], sums[:, 1], out=np.zeros(weight.shape), where=sums[:, 1] > 1e-9)
        return (filtered[:, 0] - constant * filtered[:, 1]) / (filtered[:, 1] + _PRIOR_WEIGHT)
