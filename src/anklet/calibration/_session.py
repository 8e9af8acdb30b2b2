"""Calibration of a whole session: units, quiet standing, gyroscope bias, and each leg's axes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anklet.calibration._alignment import AlignmentParams, LegAlignment, align_leg, shank_movement
from anklet.calibration._standing import StandingParams, check_units, find_standing, standing_gyr_bias
from anklet.calibration._swaps import suspected_swaps
from anklet.errors import ValidationError
from anklet.geometry import SIDES


@dataclass(frozen=True, slots=True)
class CalibrationParams:
    """How much movement after standing is used to find the axes, and what the athlete does.

    ``window_s``: at least this long, s. When a leg's shank has not moved for
    ``alignment.min_moving_s`` by then (the knee-to-wall test does one side, then the other),
    the window grows until every leg's has, up to ``max_window_s``, s; a leg that still has
    not moved enough is left out. The window's end depends on the samples alone, so live and
    offline calibrate on the same rows.

    ``activity``: what the athlete does in the window (``anklet.gait.ACTIVITIES``), which says
    which of ``suspected_swaps``' rules hold; None (not known) asks the shank/foot rule only.
    """

    standing: StandingParams = field(default_factory=StandingParams)
    alignment: AlignmentParams = field(default_factory=AlignmentParams)
    window_s: float = 20.0
    max_window_s: float = 60.0
    activity: str | None = None


@dataclass(frozen=True)
class Calibration:
    """What calibration found.

    Attributes
    ----------
    standing
        Sample slice of the quiet standing period used.
    window
        Sample slice of the movement the axes were found from (see ``CalibrationParams``).
    gyr_bias_rads
        Per sensor, (3,) gyroscope bias during standing, rad/s, sensor frame.
    legs
        Per side with both sensors present and enough movement, the leg's sensor<-segment
        rotations.
    quality
        Per side in ``legs``, 0 (unusable) to 1: how well the hinge model fits and how
        horizontal the identified axis was (see ``leg_quality``).
    legs_left_out
        Per side with both sensors present but too little movement to find its axes, why, in
        one sentence: that side has no angles.
    """

    rate_hz: float
    standing: slice
    window: slice
    gyr_bias_rads: dict[str, np.ndarray]
    legs: dict[str, LegAlignment]
    quality: dict[str, float]
    legs_left_out: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "standing_s": [self.standing.start / self.rate_hz, self.standing.stop / self.rate_hz],
            "movement_window_s": [self.window.start / self.rate_hz, self.window.stop / self.rate_hz],
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
                    "shank_sensor_to_ankle_m": leg.shank_to_ankle_m.round(4).tolist(),
                    "foot_sensor_to_ankle_m": leg.foot_to_ankle_m.round(4).tolist(),
                }
                for side, leg in self.legs.items()
            },
            "legs_left_out": self.legs_left_out,
        }


def calibrate(
    acc: dict[str, np.ndarray], gyr: dict[str, np.ndarray], rate_hz: float, params: CalibrationParams
) -> Calibration:
    """Calibrate from sensors on one timeline (name -> (n, 3) m/s² and rad/s, NaN rows allowed).

    Data that ends before the movement window does is used to its end. Raises ValidationError
    with one sentence when the data cannot support calibration of any leg, or when sensors look
    swapped (``suspected_swaps`` on the movement window, for ``params.activity``).
    """
    check_units(acc, gyr, rate_hz)
    standing = find_standing(acc, gyr, rate_hz, params.standing)
    bias = standing_gyr_bias(gyr, standing)
    window = movement_window(gyr, standing, rate_hz, params) or slice(standing.stop, len(next(iter(gyr.values()))))
    sides = [side for side in SIDES if f"{side}_shank" in acc and f"{side}_foot" in acc]
    if not sides:
        raise ValidationError(
            f"no leg has both a shank and a foot sensor (found {', '.join(sorted(acc))}); "
            "ankle angles need both"
        )
    def turned_s(name: str, partner: str) -> float:
        """How long ``name`` turned on its own (``shank_movement``) in the window, s."""
        return shank_movement(gyr[name][window] - bias[name], gyr[partner][window] - bias[partner],
                              params.alignment).sum() / rate_hz

    moved_s = {side: turned_s(f"{side}_shank", f"{side}_foot") for side in sides}
    # before the movement check: a squat's foot named as its shank reads as too little movement
    asked = [side for side in sides
             if max(moved_s[side], turned_s(f"{side}_foot", f"{side}_shank")) >= params.alignment.min_moving_s]
    _refuse_swaps(acc, gyr, rate_hz, standing, window, asked, params)
    needed = f"in the {(window.stop - window.start) / rate_hz:.0f} s after standing, {params.alignment.min_moving_s:g} s needed"
    still = [side for side in sides if moved_s[side] < params.alignment.min_moving_s]
    if len(still) == len(sides):
        moved = " and ".join(f"{moved_s[side]:.1f} s of {side} shank movement" for side in still)
        raise ValidationError(f"too little movement to find the ankle axis: {moved} {needed}")
    left_out = {
        side: f"too little movement to find the {side} ankle axis ({moved_s[side]:.1f} s of shank movement "
        f"{needed}), so the {side} leg has no angles"
        for side in still
    }
    legs, quality = {}, {}
    for side in sides:
        if side in left_out:
            continue
        shank, foot = f"{side}_shank", f"{side}_foot"
        legs[side] = align_leg(
            (acc[shank][standing], acc[foot][standing]),
            (gyr[shank][window] - bias[shank], acc[shank][window], gyr[foot][window] - bias[foot], acc[foot][window]),
            rate_hz,
            params.alignment,
        )
        quality[side] = leg_quality(legs[side], gyr[shank][window] - bias[shank])
    return Calibration(rate_hz, standing, window, bias, legs, quality, left_out)


def _refuse_swaps(
    acc: dict[str, np.ndarray],
    gyr: dict[str, np.ndarray],
    rate_hz: float,
    standing: slice,
    window: slice,
    sides: list[str],
    params: CalibrationParams,
) -> None:
    """ValidationError with the first finding of ``suspected_swaps`` on the movement ``window``
    and what to do about it: the angles of a swapped pair would be confidently wrong. ``sides``
    are the legs asked about: one neither of whose sensors turned for
    ``alignment.min_moving_s`` tells no shank from foot (both just stand)."""
    asked = [f"{side}_{segment}" for side in sides for segment in ("shank", "foot")]
    findings = suspected_swaps(
        {name: acc[name][window] for name in asked},
        {name: gyr[name][window] for name in asked},
        rate_hz,
        {name: np.nanmean(acc[name][standing], axis=0) for name in asked},
        params.activity,
    )
    if findings:
        raise ValidationError(
            f"{findings[0]}; swap the two sensors' names in the session config (or the CSV's column names) "
            "and start again"
        )


def movement_window(
    gyr: dict[str, np.ndarray], standing: slice, rate_hz: float, params: CalibrationParams
) -> slice | None:
    """The rows after ``standing`` the axes are found from: ``window_s``, longer until every leg's
    shank has moved ``alignment.min_moving_s``, at most ``max_window_s``; None while ``gyr``
    (name -> (n, 3) rad/s on one timeline) ends before that end is known.

    The end depends on the samples up to it alone, so a stream and a file agree on it.
    """
    n = len(next(iter(gyr.values())))
    shortest = standing.stop + round(params.window_s * rate_hz)
    longest = standing.stop + round(params.max_window_s * rate_hz)
    bias = standing_gyr_bias(gyr, standing)
    moved_enough = [shortest]
    for side in SIDES:
        shank, foot = f"{side}_shank", f"{side}_foot"
        if shank not in gyr or foot not in gyr:
            continue
        after = slice(standing.stop, longest)
        movement = shank_movement(gyr[shank][after] - bias[shank], gyr[foot][after] - bias[foot], params.alignment)
        reached = np.flatnonzero(np.cumsum(movement) / rate_hz >= params.alignment.min_moving_s)
        moved_enough.append(standing.stop + int(reached[0]) + 1 if len(reached) else longest)
    stop = min(max(moved_enough), longest)
    return slice(standing.stop, stop) if stop <= n else None


def leg_quality(leg: LegAlignment, gyr_shank: np.ndarray) -> float:
    """0-1: the hinge residual relative to the shank's angular speed, and the axis tilt.

    A perfect hinge with a horizontal axis scores 1; a residual as large as the mean angular
    speed, or an axis tilted 30 deg from horizontal, scores about 0.
    """
    mean_speed = float(np.nanmean(np.linalg.norm(gyr_shank, axis=1)))
    fit = np.clip(1.0 - leg.hinge_rms_rads / max(mean_speed, 1e-6), 0.0, 1.0)
    return float(fit * np.exp(-((leg.axis_tilt_deg / 15.0) ** 2)))
