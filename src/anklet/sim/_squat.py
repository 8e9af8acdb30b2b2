"""Bodyweight squats: both feet flat and motionless, the shanks rotate about the ankles.

Each rep is a smooth descent to the bottom dorsiflexion, a pause, an ascent and a pause at
the top; a small frontal-plane oscillation of the shank ("knee wobble") grows with depth.
Truth reps carry the maximum dorsiflexion measured on the generated rotations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from anklet.geometry import SIDES
from anklet.sim._motion import FootGeometry, Motion, Thresholds, Truth, check_standing_s, side_z
from anklet.sim._motion_build import Leg, angles_of, assemble, rep_flags, rep_from_window

__all__ = ["SquatParams", "make_squat"]


@dataclass(frozen=True, slots=True)
class SquatParams:
    """Bodyweight squats.

    Attributes
    ----------
    reps
        Number of repetitions.
    tempo_s
        Descent + ascent time of one rep, s.
    down_fraction
        Share of ``tempo_s`` spent descending.
    pause_bottom_s, pause_top_s
        Pauses at the bottom and between reps, s.
    max_df_left_deg, max_df_right_deg
        Dorsiflexion the ankle reaches at full depth, deg (normal ~35-40, restricted ~20-25).
    depth
        Squat depth, 0-1: the fraction of ``max_df_*`` used at the bottom.
    rep_cv
        Rep-to-rep coefficient of variation of depth and tempo.
    knee_wobble_deg, knee_wobble_hz
        Amplitude (at full depth) and frequency of the frontal-plane shank oscillation.
    tibial_rotation_per_df
        Internal rotation of the tibia per unit of dorsiflexion (foot fixed), rad/rad.
    standing_s
        Quiet standing before the first rep, s (>= 3).
    height_m
        Body height, m.
    """

    reps: int = 10
    tempo_s: float = 3.0
    down_fraction: float = 0.5
    pause_bottom_s: float = 0.4
    pause_top_s: float = 1.0
    max_df_left_deg: float = 38.0
    max_df_right_deg: float = 38.0
    depth: float = 0.95
    rep_cv: float = 0.04
    knee_wobble_deg: float = 2.0
    knee_wobble_hz: float = 1.3
    tibial_rotation_per_df: float = 0.1
    standing_s: float = 4.0
    height_m: float = 1.75

    def __post_init__(self) -> None:
        check_standing_s(self.standing_s)
        if not 0.0 < self.depth <= 1.0:
            raise ValueError("depth must be within (0, 1]")
        if self.reps < 0 or self.tempo_s <= 0.2:
            raise ValueError("reps must be >= 0 and tempo_s > 0.2 s")

    def max_df_deg(self, side: str) -> float:
        return self.max_df_left_deg if side == "left" else self.max_df_right_deg


def make_squat(
    params: SquatParams,
    duration_s: float,
    rate_hz: float,
    rng: np.random.Generator,
    thresholds: Thresholds | None = None,
) -> Motion:
    """Simulate bodyweight squats; reps that do not end within ``duration_s`` are dropped."""
    p, th = params, thresholds or Thresholds()
    n = int(round(duration_s * rate_hz))
    t = np.arange(n) / rate_hz
    geo = FootGeometry.for_body(p.height_m)
    legs = {s: Leg(np.array([0.0, geo.ankle_height_m, side_z(s)])) for s in SIDES}
    windows = []
    cursor = p.standing_s
    for side in SIDES:
        legs[side].hold_pose(cursor, 0.0, 0.0)
    for _ in range(p.reps):
        scale = 1.0 + p.rep_cv * rng.standard_normal()
        depth = min(1.0, p.depth * (1.0 + p.rep_cv * rng.standard_normal()))
        down = p.tempo_s * p.down_fraction * scale
        up = p.tempo_s * (1.0 - p.down_fraction) * scale
        start = cursor
        at_bottom = start + down
        leave = at_bottom + p.pause_bottom_s
        end = leave + up
        for side in SIDES:
            side_depth = min(1.0, depth * (1.0 + 0.3 * p.rep_cv * rng.standard_normal()))
            bottom = math.radians(p.max_df_deg(side)) * side_depth
            lag = 0.03 * rng.standard_normal()
            leg = legs[side]
            leg.hold_pose(at_bottom + lag, 0.0, bottom)
            leg.hold_pose(leave + lag, 0.0, bottom)
            leg.hold_pose(end, 0.0, 0.0)
        windows.append((start, 0.5 * (at_bottom + leave), end))
        cursor = end + p.pause_top_s

    channels = {}
    for i, side in enumerate(SIDES):
        ch = legs[side].evaluate(t)
        frac = ch["dorsi"] / max(math.radians(p.max_df_deg(side)), 1e-6)
        phase = 2 * math.pi * p.knee_wobble_hz * t + i * 1.7 + rng.uniform(0, 2 * math.pi)
        ch["inv"] = math.radians(p.knee_wobble_deg) * np.clip(frac, 0.0, 1.0) ** 2 * np.sin(phase)
        ch["rot"] = -p.tibial_rotation_per_df * ch["dorsi"]
        channels[side] = ch
    segments = assemble(rate_hz, channels)
    angles = angles_of(segments)
    reps = [
        rep_from_window(side, angles, rate_hz, a, b, c, th.restricted_df_squat_deg)
        for a, b, c in windows
        if c < duration_s
        for side in SIDES
    ]
    truth = Truth(angles_rad=angles, reps=reps, flags=rep_flags(reps, th))
    return Motion(rate_hz=rate_hz, segments=segments, truth=truth, kind="squat", params=p)
