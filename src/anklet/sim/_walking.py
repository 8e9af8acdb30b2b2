"""Overground walking: shank and foot trajectories of both legs, with gait-event truth.

Model (details and sources in ``docs/simulator-motion.md``):

* Steps alternate feet along a path on the floor. Each stance has a double support at both
  ends: a foot strikes while the other is still down, and leaves after the other has struck.
* Stance is ground-constrained, with the three rockers of Perry & Burnfield (2010): the foot
  rolls about the heel from heel strike (IC) to foot-flat, lies still on the floor, then rolls
  about the ball from heel-off to toe-off (TO). The heel arrives nearly level with the floor
  and moving forward (Winter 1992: negligible vertical, 0.87 m/s horizontal heel-contact
  velocity), and the shoe's heel stops it over ``impact_arrest_s``.
* The ankle's sagittal angle follows keypoints read off the normative walking curves of
  Winter (2009) and Perry & Burnfield (2010): neutral at heel strike, plantarflexion in the
  loading response, peak dorsiflexion in terminal stance, plantarflexion at toe-off and just
  after, neutral from mid-swing on. The shank in swing follows keypoints derived from the same
  normative hip and knee curves (shank = thigh inclination - knee flexion); the foot in swing is
  shank + ankle, as in the running model.
* Walks start and end in quiet standing: gait initiation ramps the first two steps up, and a
  stop brings the trailing foot beside the other before both stand still. A path may turn: the
  feet change heading in swing, step by step.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from anklet.geometry import SIDES, ankle_relative_rotation, rotation_y, rotation_z
from anklet.sim._motion import (
    Event,
    FootGeometry,
    Motion,
    SegmentTrajectory,
    Stride,
    Truth,
    check_side,
    check_standing_s,
    side_z,
    truth_angles,
)
from anklet.sim._motion_spline import Knots

__all__ = ["WalkingParams", "cadence_for_walking_speed", "make_walking", "stance_fraction_for_walking_speed"]

NATURAL_SPEED_MPS = 1.4
"""Speed of Winter's (1992) heel-contact velocity; it is scaled with speed from there."""

_FOOT_FLAT = 0.22
"""Foot-flat begins this far into stance: about 13 % of the gait cycle, at the end of the
loading response (0-10 % of the cycle in Perry & Burnfield 2010; approximate)."""
_HEEL_OFF = 0.52
"""Heel-off, fraction of stance: about 31 % of the cycle, where Perry & Burnfield begin
terminal stance."""
_PEAK_DF = 0.75
"""Peak dorsiflexion, fraction of stance: about 45 % of the cycle (Winter 2009)."""
_INITIATION = (0.6, 0.85)
"""Step length and swing amplitude of the first two steps from standing, fractions of steady."""
_TURN_STEP = 0.75
"""Step length in a turn, fraction of a straight step."""
_STILL_AFTER_S = 0.3
"""Both feet are still this long after the stopping foot's foot-flat, s."""
# Shank inclination in swing (deg, + = ankle ahead of the knee) at 25 and 75 % of swing, and
# whether it turns there: thigh inclination minus knee flexion from Winter's (2009) normative
# curves at about 70 and 90 % of the cycle (hip ~15 and 30 deg, knee ~60 and 20 deg),
# approximate. The first is the knee's peak flexion in swing.
_SWING_SHANK_DEG = ((0.25, -45.0, True), (0.75, 12.0, False))
_SWING_AT = (0.25, 0.5, 0.75)
"""Instants of swing at which the ankle's height is set so that the foot clears the floor."""


@dataclass(frozen=True, slots=True)
class WalkingParams:
    """Overground walking. Units are in the names; angles in degrees (file-facing).

    Attributes
    ----------
    speed_mps
        Steady walking speed, m/s (about 1.0-1.8).
    cadence_spm
        Steady cadence, steps per minute; 0 derives it from speed
        (:func:`cadence_for_walking_speed`).
    stance_fraction
        Stance share of the gait cycle; 0 derives it from speed
        (:func:`stance_fraction_for_walking_speed`). Each double support is
        ``2 * stance_fraction - 1`` of a step.
    to_angle_left_deg, to_angle_right_deg
        Mean ankle angle at toe-off, deg (negative = plantarflexion; normal about -15).
    to_angle_sd_deg
        Stride-to-stride SD of the TO angle, deg.
    peak_df_deg
        Peak dorsiflexion in terminal stance, deg (~10).
    loading_pf_deg
        Plantarflexion in the loading response, at foot-flat, deg (~5-10).
    swing_pf_extra_deg
        Further plantarflexion just after TO, deg (the curve's peak, ~-20 deg).
    foot_strike_deg
        Foot angle to the floor at heel strike at 1.4 m/s, deg (+ = toes up); +5 deg per
        0.4 m/s faster.
    eversion_peak_deg
        Peak stance eversion, deg; the tibia rotates internally with it (coupling 0.5).
    stride_cv
        Coefficient of variation of step time.
    heel_contact_velocity_mps
        Forward heel velocity at heel strike at 1.4 m/s, m/s (Winter 1992: 0.87); scaled with
        speed.
    heel_drop_velocity_mps
        Downward heel velocity at heel strike, m/s (Winter 1992: negligible).
    impact_arrest_s
        Time the shoe's heel takes to stop the heel, s.
    toe_clearance_m
        Toe-tip height over the floor at mid-swing, m (Winter 1992: 1.29 cm).
    straight_m
        Length of each straight of the path, m; at its end the walker turns and/or stops (0: one
        endless straight).
    turn_deg
        Heading change at the end of each straight, deg (alternately left and right).
    turn_steps
        Steps the turn takes.
    stop_s
        Quiet standing at the end of each straight (after the turn), s; 0 walks on.
    standing_s
        Quiet standing (calibration pose) before the first step, s (>= 3).
    height_m
        Body height, m; sets shank and foot dimensions (Winter 2009 proportions).
    first_side
        Foot that steps first.
    """

    speed_mps: float = 1.4
    cadence_spm: float = 0.0
    stance_fraction: float = 0.0
    to_angle_left_deg: float = -15.0
    to_angle_right_deg: float = -15.0
    to_angle_sd_deg: float = 1.5
    peak_df_deg: float = 10.0
    loading_pf_deg: float = 6.0
    swing_pf_extra_deg: float = 4.0
    foot_strike_deg: float = 20.0
    eversion_peak_deg: float = 4.0
    stride_cv: float = 0.02
    heel_contact_velocity_mps: float = 0.87
    heel_drop_velocity_mps: float = 0.05
    impact_arrest_s: float = 0.02
    toe_clearance_m: float = 0.013
    straight_m: float = 0.0
    turn_deg: float = 0.0
    turn_steps: int = 6
    stop_s: float = 0.0
    standing_s: float = 4.0
    height_m: float = 1.75
    first_side: str = "right"

    def __post_init__(self) -> None:
        check_standing_s(self.standing_s)
        if not 0.5 <= self.speed_mps <= 2.5:
            raise ValueError("speed_mps must be within 0.5-2.5 m/s for walking")
        if self.cadence_spm and not 60.0 <= self.cadence_spm <= 160.0:
            raise ValueError("cadence_spm must be within 60-160 steps/min (or 0: from speed)")
        if self.stance_fraction and not 0.52 <= self.stance_fraction <= 0.7:
            raise ValueError("stance_fraction must be within 0.52-0.7 (or 0: from speed)")
        if self.straight_m < 0 or self.stop_s < 0 or self.turn_steps < 2:
            raise ValueError("straight_m and stop_s must not be negative, turn_steps at least 2")
        check_side(self.first_side)

    def to_angle_deg(self, side: str) -> float:
        return self.to_angle_left_deg if side == "left" else self.to_angle_right_deg


def cadence_for_walking_speed(speed_mps: float) -> float:
    """Typical adult cadence, steps/min: about 102 at 1.0 m/s, 115 at 1.4 m/s, 128 at 1.8 m/s
    (approximate linear fit; step length grows with speed as well)."""
    return 70.0 + 32.0 * speed_mps


def stance_fraction_for_walking_speed(speed_mps: float) -> float:
    """Stance share of the gait cycle: 60 % at 1.4 m/s (Perry & Burnfield 2010), shorter when
    faster (about 62 % at 1.0 m/s, 58 % at 1.8 m/s; approximate)."""
    return float(np.clip(0.60 - 0.05 * (speed_mps - NATURAL_SPEED_MPS), 0.55, 0.65))


@dataclass
class _Stance:
    """One foot on the floor: from heel strike (None: the session's first standing) to toe-off
    (None: still down at the end)."""

    side: str
    ic: float | None
    ff: float
    heading: float  # rad about world Y, + turns left
    flat_xz: np.ndarray  # ankle's (x, z) with the foot flat, m
    strike: float  # swing amplitude of the step that landed here (1 = steady)
    ho: float | None = None
    to: float | None = None
    push: float = 1.0  # amplitude of the step leaving
    still: tuple[float, float] | None = None  # both feet standing quietly over this span
    # per-stance angles, rad (set once the plan is known)
    foot_ic: float = 0.0
    dfoot_ic: float = 0.0
    foot_to: float = 0.0
    dfoot_to: float = 0.0
    to_angle: float = 0.0
    heel_v: tuple[float, float] = (0.0, 0.0)  # (forward, up) velocity at heel strike, m/s


def _plan(p: WalkingParams, duration_s: float, rng: np.random.Generator) -> dict[str, list[_Stance]]:
    """Every stance of both feet: times, footprints, headings and step amplitudes."""
    cadence = p.cadence_spm or cadence_for_walking_speed(p.speed_mps)
    step_s = 60.0 / cadence
    fraction = p.stance_fraction or stance_fraction_for_walking_speed(p.speed_mps)
    double_s = (2.0 * fraction - 1.0) * step_s
    stance_s = step_s + double_s
    push_s = (1.0 - _HEEL_OFF) * stance_s
    step_m = p.speed_mps * step_s
    step_cv = p.stride_cv * math.sqrt(2.0)
    ends = p.straight_m > 0 and (p.turn_deg != 0 or p.stop_s > 0)
    straight_steps = max(2, round(p.straight_m / step_m))

    stances = {s: [_Stance(s, None, -math.inf, 0.0, np.array([0.0, side_z(s)]), 1.0)] for s in SIDES}
    for s in SIDES:
        stances[s][0].still = (0.0, p.standing_s)
    position, heading = np.zeros(2), 0.0  # the walker's path point between the feet (x, z)
    t_end = duration_s + 2.0
    side, start_t, turn_sign = p.first_side, p.standing_s, 1.0
    while True:
        # One straight (from standing, or walking on out of a turn), its turn, its stop.
        first = [(f * step_m, 0.0, f) for f in _INITIATION] if start_t is not None else []
        straight = (step_m, 0.0, 1.0)
        steps = itertools.chain(
            first, itertools.repeat(straight, straight_steps - len(first)) if ends else itertools.repeat(straight)
        )
        if ends and p.turn_deg:
            turn = math.radians(p.turn_deg) * turn_sign / p.turn_steps
            steps = itertools.chain(steps, [(_TURN_STEP * step_m, turn, 1.0)] * p.turn_steps)
            turn_sign = -turn_sign
        stops = ends and p.stop_s > 0
        if stops:  # a shorter step, then the trailing foot comes beside the other
            steps = itertools.chain(steps, [(_INITIATION[1] * step_m, 0.0, _INITIATION[1]), (0.0, 0.0, 0.5)])
        for k, (length_m, turn_rad, amplitude) in enumerate(steps):
            leaving = stances[side][-1]
            if start_t is not None and k == 0:
                leaving.ho, leaving.to = start_t, start_t + _INITIATION[0] * push_s
            else:
                landed = stances[_other(side)][-1]
                leaving.to = landed.ic + double_s
                leaving.ho = max(leaving.to - push_s, leaving.ff + 0.05)
                if leaving.still is not None:
                    leaving.ho = max(leaving.ho, leaving.still[1] + 0.05)
            leaving.push = amplitude
            this_step_s = step_s * (1.0 + step_cv * rng.standard_normal()) / (0.9 + 0.1 * amplitude)
            ic = leaving.to + this_step_s - double_s
            heading += turn_rad
            direction = heading - 0.5 * turn_rad
            position = position + length_m * np.array([math.cos(direction), -math.sin(direction)])
            lateral = side_z(side) * np.array([math.sin(heading), math.cos(heading)])
            stances[side].append(_Stance(side, ic, ic + _FOOT_FLAT * stance_s, heading, position + lateral, amplitude))
            side = _other(side)
            if ic > t_end:
                return stances
        start_t = None
        if stops:  # both feet stand still, then the one that did not step last leads off
            still_from = stances[_other(side)][-1].ff + _STILL_AFTER_S
            start_t = still_from + p.stop_s
            for s in SIDES:
                stances[s][-1].still = (still_from, start_t)


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


def make_walking(params: WalkingParams, duration_s: float, rate_hz: float, rng: np.random.Generator) -> Motion:
    """Simulate overground walking of ``duration_s`` s sampled at ``rate_hz`` Hz.

    Deterministic for a given ``rng`` state. See :class:`WalkingParams`. The truth has events
    and strides but no flags: ``restricted_pf`` is a running criterion (a walker's normal
    toe-off angle, about -15 deg, sits at the running threshold).
    """
    p = params
    n = int(round(duration_s * rate_hz))
    t = np.arange(n) / rate_hz
    geo = FootGeometry.for_body(p.height_m)
    heel, ball = geo.heel[:2], geo.ball[:2]
    landmarks = (geo.heel[:2], geo.ball[:2], geo.toe[:2])
    deg = math.radians
    speed_scale = p.speed_mps / NATURAL_SPEED_MPS

    def snap(x: float) -> float:
        return round(x * rate_hz) / rate_hz

    stances = _plan(p, duration_s, rng)
    for st in stances.values():
        for stn in st:
            if stn.ic is not None:
                stn.ic, stn.ff = snap(stn.ic), max(stn.ff, snap(stn.ic) + 0.05)
                stn.foot_ic = deg(p.foot_strike_deg + 12.5 * (p.speed_mps - NATURAL_SPEED_MPS)) * stn.strike
                stn.dfoot_ic = -0.3 * stn.foot_ic / (stn.ff - stn.ic)
                stn.heel_v = (p.heel_contact_velocity_mps * speed_scale * stn.strike, -p.heel_drop_velocity_mps)
            if stn.to is not None:
                stn.to = snap(stn.to)
                stn.to_angle = deg(p.to_angle_deg(stn.side) + p.to_angle_sd_deg * rng.standard_normal()) * (0.6 + 0.4 * stn.push)
                shank_to = -deg(38.0 + 10.0 * (p.speed_mps - NATURAL_SPEED_MPS)) * stn.push
                stn.foot_to = shank_to + stn.to_angle
                stn.dfoot_to = stn.foot_to / (stn.to - stn.ho)

    segments = {}
    for s in SIDES:
        st = stances[s]
        pairs = [(a, b) for a, b in zip(st[:-1], st[1:]) if a.to is not None]
        k_df, k_inv, k_foot, k_shank, k_heading = Knots(), Knots(), Knots(), Knots(), Knots()
        for kk in (k_df, k_inv, k_foot, k_shank, k_heading):
            kk.add(0.0, 0.0, 0.0, 0.0)
        ev = deg(p.eversion_peak_deg)
        for stn in st:
            if stn.ic is not None:
                k_df.add(stn.ic, 0.0)
                k_df.add(stn.ff, -deg(p.loading_pf_deg) * stn.strike, 0.0)
                k_inv.add(stn.ic, deg(2.0) * stn.strike)
                k_foot.add(stn.ic, stn.foot_ic, stn.dfoot_ic, 0.0)
                k_foot.add(stn.ff, 0.0, 0.0, 0.0)
            if stn.still is not None:
                for kk in (k_df, k_inv):
                    kk.add(stn.still[0], 0.0, 0.0, 0.0)
                    kk.add(stn.still[1], 0.0, 0.0, 0.0)
            k_heading.add(stn.ic if stn.ic is not None else 0.0, stn.heading, 0.0, 0.0)
            if stn.to is None:
                continue
            k_heading.add(stn.to, stn.heading, 0.0, 0.0)
            if stn.still is None:
                k_df.add(stn.ic + _PEAK_DF * (stn.to - stn.ic), deg(p.peak_df_deg) * stn.push, 0.0)
                k_inv.add(stn.ic + 0.4 * (stn.to - stn.ic), -ev, 0.0)
            elif stn.ho - stn.still[1] > 0.2:
                k_df.add(stn.ho, 0.6 * deg(p.peak_df_deg) * stn.push)
            k_foot.add(stn.ho, 0.0, 0.0, 0.0)
            k_foot.add(stn.to, stn.foot_to, stn.dfoot_to, 0.0)
            k_df.add(stn.to, stn.to_angle)
            k_inv.add(stn.to, deg(1.0))
        for a, b in pairs:
            swing = b.ic - a.to
            k_df.add(a.to + 0.1 * swing, a.to_angle - deg(p.swing_pf_extra_deg) * b.strike, 0.0)
            k_df.add(a.to + 0.5 * swing, 0.0)
            k_inv.add(a.to + 0.5 * swing, deg(2.0) * b.strike, 0.0)
        df_t, df_y, df_dy, df_ddy = k_df.arrays()

        def df_at(tt: float) -> tuple[float, float, float]:
            i = int(np.argmin(np.abs(df_t - tt)))
            return df_y[i], df_dy[i], df_ddy[i]

        for a, b in pairs:
            swing = b.ic - a.to
            a0, da0, dda0 = df_at(a.to)
            a1, da1, dda1 = df_at(b.ic)
            k_shank.add(a.to, a.foot_to - a0, a.dfoot_to - da0, -dda0)
            for at, shank_deg, turns in _SWING_SHANK_DEG:
                shank = deg(shank_deg) * b.strike * (1.0 + 0.25 * (speed_scale - 1.0))
                k_shank.add(a.to + at * swing, shank, 0.0 if turns else np.nan)
            k_shank.add(b.ic, b.foot_ic - a1, b.dfoot_ic - da1, -dda1)

        dorsi, inv = k_df.evaluate(t), k_inv.evaluate(t)
        heading = k_heading.evaluate(t)
        starts = np.array([-math.inf if x.ic is None else x.ic for x in st])
        tos = np.array([math.inf if x.to is None else x.to for x in st])
        idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(st) - 1)
        in_stance = t <= tos[idx] + 1e-12
        foot_angle = np.where(in_stance, k_foot.evaluate(t), k_shank.evaluate(t) + dorsi)

        # ---- ankle in stance: rolling about the heel, flat, rolling about the ball --------
        on_heel = t < np.array([x.ff for x in st])[idx]
        cu = np.where(on_heel, heel[0], ball[0])
        cy = np.where(on_heel, heel[1], ball[1])
        cf, sf = np.cos(foot_angle), np.sin(foot_angle)
        along = cu - (cu * cf - cy * sf)
        up = -(cu * sf + cy * cf)
        # the shoe's heel stops the heel: its offset from rest fades smoothly to zero
        since_ic = t - np.nan_to_num(starts[idx], neginf=-1e9)
        u = np.clip(since_ic / p.impact_arrest_s, 0.0, 1.0)
        fade = np.where(since_ic < p.impact_arrest_s, p.impact_arrest_s * (0.5 - u + u**3 - 0.5 * u**4), 0.0)
        heel_v = np.array([x.heel_v for x in st])[idx]
        along -= heel_v[:, 0] * fade
        up -= heel_v[:, 1] * fade
        stance_heading = np.array([x.heading for x in st])[idx]
        flat = np.array([x.flat_xz for x in st])[idx]
        pos = np.empty((n, 3))
        pos[:, 0] = flat[:, 0] + along * np.cos(stance_heading)
        pos[:, 1] = up
        pos[:, 2] = flat[:, 1] - along * np.sin(stance_heading)

        # ---- ankle in swing: from the toe-off state to the heel-strike state --------------
        k_pos = [Knots(), Knots(), Knots()]
        swing_times = np.array([a.to + f * (b.ic - a.to) for a, b in pairs for f in _SWING_AT])
        swing_foot = (k_shank.evaluate(swing_times) + k_df.evaluate(swing_times)).reshape(-1, len(_SWING_AT))
        for (a, b), feet in zip(pairs, swing_foot, strict=True):
            _add_swing(k_pos, a, b, feet, landmarks, p)
        swing = np.column_stack([k.evaluate(t) for k in k_pos]) if pairs else pos
        pos = np.where(in_stance[:, None], pos, swing)

        r_foot = rotation_y(heading) @ rotation_z(foot_angle)
        r_rel = ankle_relative_rotation(dorsi, inv, 0.5 * inv, s)
        segments[f"{s}_shank"] = SegmentTrajectory(rate_hz, pos, r_foot @ np.swapaxes(r_rel, -1, -2))
        segments[f"{s}_foot"] = SegmentTrajectory(rate_hz, pos.copy(), r_foot)
    angles = truth_angles(segments)
    truth = _walking_truth(stances, angles, rate_hz, duration_s)
    return Motion(rate_hz=rate_hz, segments=segments, truth=truth, kind="walking", params=p)


def _add_swing(k_pos: list[Knots], a: _Stance, b: _Stance, feet: np.ndarray, landmarks, p: WalkingParams) -> None:
    """Keypoints of the ankle's swing from stance ``a`` (toe-off, rolling about the ball) to
    stance ``b`` (heel strike): position, velocity and acceleration match stance at both ends.
    Across the floor one quintic joins them (a single smooth surge forward); upwards the ankle
    also passes heights at which the foot clears the floor (the toe by ``toe_clearance_m`` at
    mid-swing)."""
    heel, ball, _ = landmarks
    # toe-off: rolling about the ball, which rests on the floor
    pos0 = np.array([ball[0], 0.0]) - _rz2(a.foot_to, ball)
    vel0 = -a.dfoot_to * _drz2(a.foot_to, ball)
    acc0 = a.dfoot_to**2 * _rz2(a.foot_to, ball)
    # heel strike: the heel arrives at heel_v, half an arrest's travel from its rest
    v = np.array(b.heel_v)
    pos1 = np.array([heel[0], 0.0]) - 0.5 * p.impact_arrest_s * v - _rz2(b.foot_ic, heel)
    vel1 = v - b.dfoot_ic * _drz2(b.foot_ic, heel)
    acc1 = b.dfoot_ic**2 * _rz2(b.foot_ic, heel)
    ends = []
    for stn, (q, dq, ddq) in ((a, (pos0, vel0, acc0)), (b, (pos1, vel1, acc1))):
        c, s = math.cos(stn.heading), math.sin(stn.heading)
        ends.append((
            np.array([stn.flat_xz[0] + q[0] * c, q[1], stn.flat_xz[1] - q[0] * s]),
            np.array([dq[0] * c, dq[1], -dq[0] * s]),
            np.array([ddq[0] * c, ddq[1], -ddq[0] * s]),
        ))
    (x0, v0, a0), (x1, v1, a1) = ends
    swing = b.ic - a.to
    # In initial swing the toes are still unbending from push-off (they are not a segment here,
    # so the rigid toe tip is left out); from mid-swing on the whole foot clears the floor.
    clearances = ((0.02, landmarks[:2]), (p.toe_clearance_m, landmarks), (0.03, landmarks))
    for axis in range(3):
        k_pos[axis].add(a.to, x0[axis], v0[axis], a0[axis])
    for at, foot, (clearance, points) in zip(_SWING_AT, feet, clearances, strict=True):
        lowest = min(float(_rz2(foot, c)[1]) for c in points)
        k_pos[1].add(a.to + at * swing, clearance - lowest)
    for axis in range(3):
        k_pos[axis].add(b.ic, x1[axis], v1[axis], a1[axis])


def _rz2(theta: float, c: np.ndarray) -> np.ndarray:
    ct, st = math.cos(theta), math.sin(theta)
    return np.array([c[0] * ct - c[1] * st, c[0] * st + c[1] * ct])


def _drz2(theta: float, c: np.ndarray) -> np.ndarray:
    ct, st = math.cos(theta), math.sin(theta)
    return np.array([-c[0] * st - c[1] * ct, c[0] * ct - c[1] * st])


def _walking_truth(stances: dict[str, list[_Stance]], angles: dict[str, np.ndarray], rate_hz: float, duration_s: float) -> Truth:
    """IC and TO of every step, MS in the middle of each foot-flat, and a stride from each heel
    strike to the next one of that foot when no quiet standing lies between them."""
    n = angles["left"].shape[0]
    events: list[Event] = []
    strides: list[Stride] = []
    for s in SIDES:
        st = stances[s]
        for x in st:
            if x.to is not None and x.to < duration_s:
                events.append(Event(x.to, s, "TO"))
            if x.ic is not None and x.ic < duration_s:
                events.append(Event(x.ic, s, "IC"))
                ms = round(0.5 * (x.ff + x.ho) * rate_hz) / rate_hz if x.ho is not None else math.inf
                if ms < duration_s:
                    events.append(Event(ms, s, "MS"))
        for a, b in zip(st[:-1], st[1:]):
            if a.ic is None or a.still is not None or b.ic >= duration_s:
                continue
            i_to = min(int(round(a.to * rate_hz)), n - 1)
            to_deg = math.degrees(angles[s][i_to, 0])
            strides.append(Stride(s, a.ic, a.to, b.ic, a.to - a.ic, to_deg, restricted_pf=False))
    events.sort(key=lambda e: (e.t, e.side, e.event))
    strides.sort(key=lambda x: x.ic_t)
    return Truth(angles_rad=angles, events=events, strides=strides)
