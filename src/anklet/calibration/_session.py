"""Calibration of a whole session: units, quiet standing, gyroscope bias, and each leg's axes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anklet.calibration._alignment import AlignmentParams, LegAlignment, align_leg
from anklet.calibration._standing import StandingParams, check_units, find_standing
from anklet.errors import ValidationError
from anklet.geometry import SIDES


@dataclass(frozen=True, slots=True)
class CalibrationParams:
    """``window_s``: movement after standing used to find the axes, s (the same in live and
    offline use, so both give the same calibration)."""

    standing: StandingParams = field(default_factory=StandingParams)
    alignment: AlignmentParams = field(default_factory=AlignmentParams)
    window_s: float = 20.0


@dataclass(frozen=True)
class Calibration:
    """What calibration found.

    Attributes
    ----------
    standing
        Sample slice of the quiet standing period used.
    gyr_bias_rads
        Per sensor, (3,) gyroscope bias during standing, rad/s, sensor frame.
    legs
        Per side with both sensors present, the leg's sensor<-segment rotations.
    quality
        Per side, 0 (unusable) to 1: how well the hinge model fits and how horizontal the
        identified axis was (see ``leg_quality``).
    """

    rate_hz: float
    standing: slice
    gyr_bias_rads: dict[str, np.ndarray]
    legs: dict[str, LegAlignment]
    quality: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "standing_s": [self.standing.start / self.rate_hz, self.standing.stop / self.rate_hz],
            "gyr_bias_rads": {name: bias.round(6).tolist() for name, bias in self.gyr_bias_rads.items()},
            "legs": {
                side: {
                    "quality": round(self.quality[side], 3),
                    "shank_sensor_from_segment": leg.shank.round(6).tolist(),
                    "foot_sensor_from_segment": leg.foot.round(6).tolist(),
                    "hinge_rms_rads": round(leg.hinge_rms_rads, 4),
                    "axis_tilt_deg": round(leg.axis_tilt_deg, 2),
                    "foot_axis_from_motion": leg.foot_axis_from_motion,
                    "foot_axis_warning": leg.foot_axis_warning,
                }
                for side, leg in self.legs.items()
            },
        }


def calibrate(
    acc: dict[str, np.ndarray], gyr: dict[str, np.ndarray], rate_hz: float, params: CalibrationParams
) -> Calibration:
    """Calibrate from sensors on one timeline (name -> (n, 3) m/s² and rad/s, NaN rows allowed).

    Raises ValidationError with one sentence when the data cannot support calibration.
    """
    check_units(acc, gyr, rate_hz)
    standing = find_standing(acc, gyr, rate_hz, params.standing)
    bias = {name: np.nanmean(gyr[name][standing], axis=0) for name in gyr}
    window = slice(standing.stop, standing.stop + round(params.window_s * rate_hz))
    legs, quality = {}, {}
    for side in SIDES:
        shank, foot = f"{side}_shank", f"{side}_foot"
        if shank not in acc or foot not in acc:
            continue
        legs[side] = align_leg(
            (acc[shank][standing], acc[foot][standing]),
            (gyr[shank][window] - bias[shank], acc[shank][window], gyr[foot][window] - bias[foot], acc[foot][window]),
            rate_hz,
            params.alignment,
        )
        quality[side] = leg_quality(legs[side], gyr[shank][window] - bias[shank])
    if not legs:
        raise ValidationError(
            f"no leg has both a shank and a foot sensor (found {', '.join(sorted(acc))}); "
            "ankle angles need both"
        )
    return Calibration(rate_hz, standing, bias, legs, quality)


def leg_quality(leg: LegAlignment, gyr_shank: np.ndarray) -> float:
    """0-1: the hinge residual relative to the shank's angular speed, and the axis tilt.

    A perfect hinge with a horizontal axis scores 1; a residual as large as the mean angular
    speed, or an axis tilted 30 deg from horizontal, scores about 0.
    """
    mean_speed = float(np.nanmean(np.linalg.norm(gyr_shank, axis=1)))
    fit = np.clip(1.0 - leg.hinge_rms_rads / max(mean_speed, 1e-6), 0.0, 1.0)
    return float(fit * np.exp(-((leg.axis_tilt_deg / 15.0) ** 2)))
