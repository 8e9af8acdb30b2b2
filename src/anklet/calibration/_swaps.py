"""Sensors that look swapped: a check on the calibration's movement window, before anyone
trusts the angles. The alignment finds each sensor's rotation to the segment it is told it is
on, whatever that segment really is, so it cannot notice a sensor on the wrong segment; this
check can, and ``calibrate`` refuses the session when it finds one.

Two rules, both independent of how a sensor is strapped on (they use magnitudes, and angles
to the sensor's own reading in quiet standing):

* Shank or foot: of one leg's two sensors, the foot's holds still more often. Through stance
  the foot lies flat while the shank rotates over it, and through a squat or a lunge the foot
  stays planted while the shank tilts. "Still": |gyr| below 0.2 rad/s, |acc| within 0.2 g of
  gravity, and gravity within 45 deg of where the sensor read it in quiet standing (upright as
  then: a shank resting on the floor while kneeling is not "still", nor a foot pointed down
  behind the athlete). A shank still at least 5 % of the time more often than its foot is
  called swapped with it.
* Left or right: in gait a leg's shank and foot move together, the other leg half a stride
  apart. When the legs move in turn (the two shanks' |gyr| correlate below 0.6, and the two
  feet's) and each shank's |gyr| follows the other leg's foot better than its own (by 0.2 in
  summed correlation), the feet (or the shanks) are called crossed between the legs. Asked
  only when the first rule found nothing: a shank/foot swap upsets the correlations too.

The shank/foot rule is not asked while kneeling (the shank rests on the floor, the foot moves;
the upright test above keeps it quiet there too when the activity is not known), the
left/right rule only in running and walking. What no magnitude can tell: both sensors of
the left leg moved together to the right leg (the legs look alike), a left/right crossing in
a squat or a guided test, or a shank swapped with the other leg's foot. Each finding is one
sentence; none means nothing looked wrong.
"""

from __future__ import annotations

import numpy as np

from anklet.geometry import GRAVITY_MPS2, at_rest

GAIT = ("running", "walking")
"""Activities the left/right rule is asked in."""
SHANK_ON_THE_FLOOR = ("tall_kneeling",)
"""Activities the shank/foot rule is not asked in."""
STILL_GYR_RADS = 0.2
STILL_ACC_G = 0.2
UPRIGHT_WITHIN_DEG = 45.0
"""A still sensor counts only with gravity this close to its quiet-standing direction, deg."""
STILLNESS_MARGIN = 0.05
"""Difference of still-time fractions (0-1) that calls a shank/foot pair swapped."""
CROSSING_MARGIN = 0.2
"""Summed correlation by which the crossed pairing must beat the configured one."""
ALTERNATING_BELOW = 0.6
"""The left/right rule needs gait: the two shanks' (and feet's) |gyr| correlate less than this (fast running: 0.35, squats: 0.95)."""
MIN_PRESENT_S = 5.0
"""Less movement than this per sensor (with its partner present) and the check says nothing, s."""


def suspected_swaps(
    acc: dict[str, np.ndarray],
    gyr: dict[str, np.ndarray],
    rate_hz: float,
    upright_acc: dict[str, np.ndarray],
    activity: str | None = None,
) -> list[str]:
    """Findings, one sentence each, about sensors that look swapped.

    ``acc`` and ``gyr`` map role names (``left_shank``, ...) to (n, 3) samples on one timeline
    (m/s², rad/s, NaN rows where missing) of movement; roles not present are skipped.
    ``upright_acc`` maps them to each sensor's (3,) mean accelerometer reading in quiet
    standing, m/s², sensor frame. ``activity`` (as ``anklet.gait.ACTIVITIES`` names it) says which rules hold; None
    (not known) asks the shank/foot rule only.
    """
    findings = []
    for side in ("left", "right"):
        shank, foot = f"{side}_shank", f"{side}_foot"
        if activity in SHANK_ON_THE_FLOOR:
            break  # kneeling, the shank rests and the foot moves: the first rule does not hold
        if shank in gyr and foot in gyr and _enough(gyr, rate_hz, shank, foot):
            shank_still = _still_fraction(acc[shank], gyr[shank], upright_acc[shank], gyr[foot])
            foot_still = _still_fraction(acc[foot], gyr[foot], upright_acc[foot], gyr[shank])
            if shank_still > foot_still + STILLNESS_MARGIN:
                findings.append(
                    f"{shank} and {foot} look swapped: the {shank} sensor holds still {100 * shank_still:.0f} % of the "
                    f"time and the {foot} sensor {100 * foot_still:.0f} %, and a foot holds still more than its shank"
                )
    roles = ("left_shank", "left_foot", "right_shank", "right_foot")
    if activity in GAIT and all(role in gyr for role in roles) and _enough(gyr, rate_hz, *roles):
        magnitude = {role: np.linalg.norm(gyr[role], axis=1) for role in roles}
        in_turn = max(_correlation(magnitude, "left_shank", "right_shank"), _correlation(magnitude, "left_foot", "right_foot"))
        if findings or in_turn > ALTERNATING_BELOW:
            return findings  # not gait (both legs move together in a squat), or already explained
        own = _correlation(magnitude, "left_shank", "left_foot") + _correlation(magnitude, "right_shank", "right_foot")
        crossed = _correlation(magnitude, "left_shank", "right_foot") + _correlation(magnitude, "right_shank", "left_foot")
        if crossed > own + CROSSING_MARGIN:
            findings.append(
                "left_foot and right_foot (or left_shank and right_shank) look swapped: each shank moves with the "
                f"other leg's foot (correlation {crossed / 2:.2f}) rather than its own ({own / 2:.2f})"
            )
    return findings


def _enough(gyr: dict[str, np.ndarray], rate_hz: float, *names: str) -> bool:
    present = np.logical_and.reduce([~np.isnan(gyr[name][:, 0]) for name in names])
    return np.count_nonzero(present) >= MIN_PRESENT_S * rate_hz


def _still_fraction(acc: np.ndarray, gyr: np.ndarray, upright_acc: np.ndarray, partner_gyr: np.ndarray) -> float:
    """Fraction of the rows where this sensor and its partner are both present and it is still,
    upright as in quiet standing."""
    present = ~np.isnan(gyr[:, 0]) & ~np.isnan(acc[:, 0]) & ~np.isnan(partner_gyr[:, 0])
    acc = acc[present]
    still = at_rest(acc, gyr[present], STILL_GYR_RADS, STILL_ACC_G * GRAVITY_MPS2)
    cos_to_upright = acc @ upright_acc / (np.linalg.norm(acc, axis=1) * np.linalg.norm(upright_acc))
    return float(np.mean(still & (cos_to_upright > np.cos(np.radians(UPRIGHT_WITHIN_DEG)))))


def _correlation(magnitude: dict[str, np.ndarray], a: str, b: str) -> float:
    """Pearson correlation of two |gyr| series over the rows both have (0 if either is flat)."""
    x, y = magnitude[a], magnitude[b]
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[both] - x[both].mean(), y[both] - y[both].mean()
    scale = np.sqrt(np.sum(x * x) * np.sum(y * y))
    return 0.0 if scale == 0 else float(np.sum(x * y) / scale)
