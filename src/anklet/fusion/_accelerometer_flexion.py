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

import numpy as np
from scipy.signal import lfilter

from anklet.calibration import LegAlignment
from anklet.fusion._orientation import _FAST_RADS  # a stride's swing, not a squat's 1-2 rad/s: as for borrowing
from anklet.geometry import GRAVITY_MPS2, angular_acceleration, force_at_point

_MAX_DIFFERENCE_RAD = np.radians(10.0)  # larger is the measurement's noise (a foot strike), not the angle's error
_PRIOR_WEIGHT = 1.0
"""The recent weight (per row, 1 = both sensors feel 1 g) at which the measurement and the
integrated angle count alike. A walk's swing gathers 0.3-0.5 and steers by a third or less; a
run's 5-30 steers by 85-97 %. (bench scenarios, 2 seeds x 60 s: walking 1.00/1.11 ->
0.75/1.06 deg, easy_run 1.24/1.31 -> 1.17/1.28, fast_forefoot unchanged.)"""


class AccelerometerFlexion:
    """Streaming correction of one leg's dorsiflexion.

    Parameters
    ----------
    alignment
        The leg's calibration: segment axes and the ankle centre seen from each sensor.
    rate_hz
        Sample rate, Hz.
    gyr_bias_rads
        Shank and foot gyroscope bias, (3,) each, rad/s.
    tau_s
        Time constant of the correction, s.

    ``correct(angles, relative, shank, foot)`` takes the chunk's (n, 3) angles, the joint
    rotation they were read from (``AnkleAngles.update_relative_rotation``, (n, 3, 3)) and each
    sensor's (gyr, acc), (n, 3) each in its sensor frame, and returns the angles with the
    dorsiflexion corrected. The angular acceleration needs the next sample, so row i is corrected with what
    the rows before it showed: cutting a stream into chunks anywhere gives the same result.
    """

    def __init__(
        self,
        alignment: LegAlignment,
        rate_hz: float,
        gyr_bias_rads: tuple[np.ndarray, np.ndarray],
        tau_s: float = 0.5,
    ) -> None:
        self.alignment = alignment
        self.rate_hz = rate_hz
        self.gyr_bias_rads = gyr_bias_rads
        self._alpha = 1.0 - np.exp(-1.0 / (tau_s * rate_hz))
        self._filter_state = np.zeros((2, 1))  # weighted difference, weight
        self._sums = np.zeros(2)  # since calibration: weighted difference, weight
        self._last = np.full((2, 18), np.nan)  # the last two rows seen: gyr, acc (shank, foot), relative[:2]

    def correct(
        self,
        angles: np.ndarray,
        relative: np.ndarray,
        shank: tuple[np.ndarray, np.ndarray],
        foot: tuple[np.ndarray, np.ndarray],
    ) -> np.ndarray:
        rows = np.hstack([
            shank[0] - self.gyr_bias_rads[0], shank[1], foot[0] - self.gyr_bias_rads[1], foot[1],
            relative[:, :2].reshape(-1, 6),
        ])
        block = np.vstack([self._last, rows])
        self._last = block[-2:]
        difference, weight = self._measured_difference(block)
        corrected = angles.copy()
        corrected[:, 0] += self._steer(difference[1:-1], weight[1:-1])
        return corrected

    def _measured_difference(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row of ``block``: the accelerometers' flexion minus the integrated one (rad,
        clipped) and the row's weight (0 where it tells nothing)."""
        gyr_shank, acc_shank, gyr_foot, acc_foot, relative = block[:, :3], block[:, 3:6], block[:, 6:9], block[:, 9:12], block[:, 12:]
        shank = self._at_centre(acc_shank, gyr_shank, self.alignment.shank_to_ankle_m) @ self.alignment.shank
        foot = self._at_centre(acc_foot, gyr_foot, self.alignment.foot_to_ankle_m) @ self.alignment.foot
        # Turned into the shank's frame by the estimated joint rotation, the foot's force lies
        # behind the shank's, about the flexion axis, by the integrated angle's error.
        foot_in_shank = np.einsum("nij,nj->ni", relative.reshape(-1, 2, 3), foot)
        planar_shank = shank[:, 0] + 1j * shank[:, 1]
        planar_foot = foot_in_shank[:, 0] + 1j * foot_in_shank[:, 1]
        difference = np.clip(np.angle(planar_shank * np.conj(planar_foot)), -_MAX_DIFFERENCE_RAD, _MAX_DIFFERENCE_RAD)
        spin_squared = np.maximum(np.einsum("ij,ij->i", gyr_shank, gyr_shank), np.einsum("ij,ij->i", gyr_foot, gyr_foot))
        weight = np.abs(planar_shank) * np.abs(planar_foot) / GRAVITY_MPS2**2 * (spin_squared > _FAST_RADS**2)
        known = ~np.isnan(difference) & ~np.isnan(weight)
        return np.where(known, difference, 0.0), np.where(known, weight, 0.0)

    def _at_centre(self, acc: np.ndarray, gyr: np.ndarray, lever_m: np.ndarray) -> np.ndarray:
        return force_at_point(acc, gyr, angular_acceleration(gyr, self.rate_hz), lever_m)

    def _steer(self, difference: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """The correction for the rows after each of these: the recent weighted mean difference,
        less the constant one since calibration, shrunk towards none by ``_PRIOR_WEIGHT``."""
        if not len(weight):
            return np.empty(0)
        inputs = np.vstack([weight * difference, weight])
        filtered, self._filter_state = lfilter([self._alpha], [1.0, self._alpha - 1.0], inputs, axis=1, zi=self._filter_state)
        sums = self._sums[:, None] + np.cumsum(inputs, axis=1)
        self._sums = sums[:, -1]
        constant = np.divide(sums[0], sums[1], out=np.zeros(len(weight)), where=sums[1] > 1e-9)
        return (filtered[0] - constant * filtered[1]) / (filtered[1] + _PRIOR_WEIGHT)
