"""Treadmill running: shank and foot trajectories of both legs, with gait-event truth.

Model (details and sources in ``docs/simulator-motion.md``):

* The belt speed ramps smoothly from 0 to ``speed_mps`` after ``standing_s`` of quiet
  standing, over ``ramp_strides`` strides; cadence, swing amplitudes and impact scale with
  the ramp.
* Stance (initial contact IC to toe-off TO) is ground-constrained: the foot rolls about a
  contact point that rides the belt (heel for rearfoot and midfoot strikes, ball for
  forefoot strikes), lies flat and motionless relative to the belt (foot-flat), then rolls
  about the ball until TO. At IC the contact point arrives with a downward velocity
  ``impact_velocity_mps`` and is arrested over ``impact_arrest_s``.
* Three angle curves per leg are piecewise quintic Hermite curves through keypoints per
  stride: the foot's sagittal angle in stance (ground contact), the ankle angles over the
  whole stride (normative running curve, Novacheck 1998), and the shank's sagittal angle
  in swing. The foot rotation is the foot angle about world Z; the shank rotation follows
  from the foot and the ankle (``R_shank = R_foot R_rel^T``), so the JCS angles are exact.
* Swing: the ankle joint centre follows a quintic Hermite path matching position, velocity
  and acceleration at TO and at the next IC, through a mid-swing height and a late-swing
  forward reach (foot retraction before landing).
* A damped soft-tissue oscillation of the shank (sagittal, ``soft_tissue_hz``) follows
  each impact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from anklet.geometry import SIDES, ankle_relative_rotation, rotation_z
from anklet.sim._motion import (
    Event,
    FootGeometry,
    Motion,
    SegmentTrajectory,
    Stride,
    Thresholds,
    Truth,
    check_side,
    check_standing_s,
    side_z,
    truth_angles,
)
from anklet.sim._motion_spline import Knots

__all__ = ["RunningParams", "contact_time_for_speed", "make_running"]

STRIKES = ("rearfoot", "midfoot", "forefoot")

# Keypoints per strike pattern: foot angle at IC (deg, + = toes up; Altman & Davis 2012
# foot-strike angle), ankle dorsiflexion at IC (deg), foot-flat and heel-off as fractions
# of the contact time.
_STRIKE = {
    "rearfoot": {"foot_ic": 12.0, "ankle_ic": 3.0, "ff": 0.18, "ho": 0.58, "pivot": "heel"},
    "midfoot": {"foot_ic": 0.0, "ankle_ic": 0.0, "ff": 0.03, "ho": 0.58, "pivot": "heel"},
    "forefoot": {"foot_ic": -8.0, "ankle_ic": -8.0, "ff": 0.22, "ho": 0.60, "pivot": "ball"},
}


@dataclass(frozen=True, slots=True)
class RunningParams:
    """Treadmill running. Units are in the names; angles in degrees (file-facing).

    Attributes
    ----------
    speed_mps
        Steady belt speed, m/s (2.5-5.5).
    cadence_spm
        Steady cadence, steps per minute (both feet counted; ~165-185).
    contact_time_s
        Ground contact time, s; 0 derives it from speed (:func:`contact_time_for_speed`).
    strike
        ``rearfoot``, ``midfoot`` or ``forefoot``.
    to_angle_left_deg, to_angle_right_deg
        Mean ankle angle at toe-off, deg (negative = plantarflexion; normal ~ -20,
        restricted ~ -8).
    to_angle_sd_deg
        Stride-to-stride SD of the TO angle, deg.
    fatigue_drift_left_deg_per_h, fatigue_drift_right_deg_per_h
        Linear drift of the TO angle towards less plantarflexion (positive = less), deg/h
        of running.
    stride_cv
        Coefficient of variation of stride time (and contact time).
    peak_df_deg
        Peak stance dorsiflexion, deg (~15-25).
    swing_pf_extra_deg
        Further plantarflexion after TO to the swing peak, deg.
    eversion_peak_deg
        Peak stance eversion, deg; the tibia rotates internally with it (coupling 0.5).
    standing_s
        Quiet standing (calibration pose) before the belt starts, s (>= 3).
    ramp_strides
        Belt acceleration time, in steady strides.
    impact_velocity_mps
        Downward velocity of the contact point at IC, m/s (~0.5-1).
    impact_arrest_s
        Time to arrest it, s (~0.01-0.02).
    soft_tissue_hz, soft_tissue_amplitude_deg, soft_tissue_decay_s
        Damped sagittal oscillation of the shank after each impact.
    height_m
        Body height, m; sets shank and foot dimensions (Winter 2009 proportions).
    first_side
        Foot that leaves the ground first.
    """

    speed_mps: float = 3.5
    cadence_spm: float = 172.0
    contact_time_s: float = 0.0
    strike: str = "rearfoot"
    to_angle_left_deg: float = -20.0
    to_angle_right_deg: float = -20.0
    to_angle_sd_deg: float = 1.5
    fatigue_drift_left_deg_per_h: float = 0.0
    fatigue_drift_right_deg_per_h: float = 0.0
    stride_cv: float = 0.02
    peak_df_deg: float = 20.0
    swing_pf_extra_deg: float = 7.0
    eversion_peak_deg: float = 6.0
    standing_s: float = 4.0
    ramp_strides: float = 2.5
    impact_velocity_mps: float = 0.8
    impact_arrest_s: float = 0.012
    soft_tissue_hz: float = 20.0
    soft_tissue_amplitude_deg: float = 0.4
    soft_tissue_decay_s: float = 0.025
    height_m: float = 1.75
    first_side: str = "right"

    def __post_init__(self) -> None:
        if self.strike not in STRIKES:
            raise ValueError(f"strike must be one of {STRIKES}, not {self.strike!r}")
        check_standing_s(self.standing_s)
        if not 0.5 <= self.speed_mps <= 8.0:
            raise ValueError("speed_mps must be within 0.5-8 m/s")
        if not 120.0 <= self.cadence_spm <= 240.0:
            raise ValueError("cadence_spm must be within 120-240 steps/min")
        check_side(self.first_side)

    def to_angle_deg(self, side: str) -> float:
        return self.to_angle_left_deg if side == "left" else self.to_angle_right_deg

    def drift_deg_per_h(self, side: str) -> float:
        return self.fatigue_drift_left_deg_per_h if side == "left" else self.fatigue_drift_right_deg_per_h


def contact_time_for_speed(speed_mps: float) -> float:
    """Typical ground contact time of a recreational runner, s (approximate linear fit:
    ~0.26 s at 2.5 m/s, ~0.21 s at 4.5 m/s, ~0.18 s at 5.5 m/s)."""
    return float(np.clip(0.32 - 0.025 * speed_mps, 0.15, 0.32))


class _Belt:
    """Belt speed ramp v(t) = V * smoothstep5((t - t0) / T) and its integral S(t).

    Methods take arrays or Python floats (the per-stride keypoint loop uses floats)."""

    def __init__(self, speed: float, t0: float, ramp_s: float) -> None:
        self.v, self.t0, self.ramp = speed, t0, ramp_s

    def _s(self, t):
        if isinstance(t, float):
            return min(max((t - self.t0) / self.ramp, 0.0), 1.0)
        return np.clip((np.asarray(t, dtype=float) - self.t0) / self.ramp, 0.0, 1.0)

    def speed(self, t):
        s = self._s(t)
        return self.v * s**3 * (10 - 15 * s + 6 * s * s)

    def accel(self, t):
        s = self._s(t)
        return self.v / self.ramp * 30 * s * s * (1 - s) ** 2

    def distance(self, t):
        s = self._s(t)
        ramp_part = self.v * self.ramp * (2.5 * s**4 - 3 * s**5 + s**6)
        if isinstance(t, float):
            return ramp_part + max(t - self.t0 - self.ramp, 0.0) * self.v
        return ramp_part + np.maximum(np.asarray(t, dtype=float) - self.t0 - self.ramp, 0.0) * self.v


def _rz2(theta: float, c: np.ndarray) -> np.ndarray:
    ct, st = math.cos(theta), math.sin(theta)
    return np.array([c[0] * ct - c[1] * st, c[0] * st + c[1] * ct])


def _drz2(theta: float, c: np.ndarray) -> np.ndarray:
    ct, st = math.cos(theta), math.sin(theta)
    return np.array([-c[0] * st - c[1] * ct, c[0] * ct - c[1] * st])


@dataclass
class _Stance:
    ic: float  # -inf for the standing stance before the first step
    ff: float
    ho: float
    to: float
    ms: float
    s_ref: float  # belt distance at which the flat ankle is at x = 0
    pivot: str
    foot_ic: float = 0.0  # rad
    dfoot_ic: float = 0.0  # rad/s
    foot_to: float = 0.0
    dfoot_to: float = 0.0
    impact_v: float = 0.0
    to_angle: float = 0.0  # rad, ankle DF at TO


def make_running(
    params: RunningParams,
    duration_s: float,
    rate_hz: float,
    rng: np.random.Generator,
    thresholds: Thresholds | None = None,
) -> Motion:
    """Simulate a treadmill run of ``duration_s`` s sampled at ``rate_hz`` Hz.

    Deterministic for a given ``rng`` state. See :class:`RunningParams`; ``thresholds``
    (default :class:`Thresholds`) decide the truth's ``restricted_pf`` and flags.
    """
    p = params
    n = int(round(duration_s * rate_hz))
    t = np.arange(n) / rate_hz
    geo = FootGeometry.for_body(p.height_m)
    pivots = {"heel": geo.heel[:2], "ball": geo.ball[:2]}
    h_a = geo.ankle_height_m
    strike = _STRIKE[p.strike]

    stride_s = 120.0 / p.cadence_spm
    belt = _Belt(p.speed_mps, p.standing_s, max(p.ramp_strides, 0.5) * stride_s)
    tc_steady = p.contact_time_s if p.contact_time_s > 0 else contact_time_for_speed(p.speed_mps)

    def snap(x: float) -> float:
        return round(x * rate_hz) / rate_hz

    # ---- landing schedule (alternating feet) --------------------------------------------
    step_cv = p.stride_cv * math.sqrt(2.0)
    other = "left" if p.first_side == "right" else "right"
    t_first_to = p.standing_s + 0.5
    stances: dict[str, list[_Stance]] = {s: [] for s in SIDES}
    landings: list[tuple[str, float]] = []

    def ramp_factor(tt: float) -> float:
        return float(belt.speed(tt)) / p.speed_mps

    def step_time(tt: float) -> float:
        r = ramp_factor(tt)
        cad = p.cadence_spm * (0.8 + 0.2 * r)
        return 60.0 / cad

    def contact_time(tt: float) -> float:
        r = ramp_factor(tt)
        v = max(float(belt.speed(tt)), 0.5)
        base = tc_steady if r > 0.999 else (
            contact_time_for_speed(v) * (1 - r) + tc_steady * r
        )
        return base

    # first landing: the first foot swings from t_first_to
    t_step0 = step_time(t_first_to)
    sw0 = max(2 * t_step0 - contact_time(t_first_to), 0.3)
    ic = t_first_to + sw0
    side = p.first_side
    t_end = duration_s + 2.0
    while ic < t_end or len(landings) < 2:  # each foot's first landing shapes its standing stance
        landings.append((side, ic))
        ic = ic + step_time(ic) * (1.0 + step_cv * rng.standard_normal())
        side = "left" if side == "right" else "right"

    # standing stances (no IC), ending with the first swing of each foot
    run_start = p.standing_s
    for s in SIDES:
        first_ic = next(tt for ss, tt in landings if ss == s)
        tc0 = contact_time(first_ic)
        sw = max(2 * step_time(first_ic) - tc0, 0.3)
        to = snap(first_ic - sw) if s == p.first_side else snap(max(first_ic - sw, t_first_to + 0.05))
        push = 0.42 * tc0
        stances[s].append(
            _Stance(ic=-1e9, ff=-1e9, ho=to - push, to=to, ms=0.0, s_ref=0.0, pivot="ball")
        )
    del other

    for s, ic_raw in landings:
        ic = snap(ic_raw)
        tc = contact_time(ic) * (1.0 + p.stride_cv * rng.standard_normal())
        to = snap(ic + tc)
        ff = ic + strike["ff"] * (to - ic)
        ho = ic + strike["ho"] * (to - ic)
        ms = snap(0.5 * (ff + ho))
        stances[s].append(
            _Stance(ic=ic, ff=ff, ho=ho, to=to, ms=ms, s_ref=float(belt.distance(ms)), pivot=strike["pivot"])
        )

    # ---- per-stride angle parameters ----------------------------------------------------
    deg = math.radians
    out_pos: dict[str, np.ndarray] = {}
    out_rot_foot: dict[str, np.ndarray] = {}
    out_rot_shank: dict[str, np.ndarray] = {}
    for s in SIDES:
        st = stances[s]
        for k, stn in enumerate(st):
            tt = max(stn.to, run_start)
            r = ramp_factor(stn.ic if stn.ic > 0 else tt)
            v = float(belt.speed(stn.to))
            hours = max(stn.to - run_start, 0.0) / 3600.0
            to_deg = p.to_angle_deg(s) + p.drift_deg_per_h(s) * hours + p.to_angle_sd_deg * rng.standard_normal()
            stn.to_angle = deg(to_deg)
            shank_to = -deg(24.0 + 3.0 * v)
            stn.foot_to = shank_to + stn.to_angle
            stn.dfoot_to = 1.3 * stn.foot_to / (stn.to - stn.ho)
            if stn.ic > 0:
                stn.foot_ic = deg(strike["foot_ic"])
                t_roll = max(stn.ff - stn.ic, 1e-3)
                stn.dfoot_ic = -0.8 * stn.foot_ic / t_roll
                stn.impact_v = p.impact_velocity_mps * (0.3 + 0.7 * ramp_factor(stn.ic))
            del r

        # ankle dorsiflexion, inversion; foot angle in stance; shank angle in swing
        k_df, k_inv, k_foot, k_shank = Knots(), Knots(), Knots(), Knots()
        for kk in (k_df, k_inv, k_foot, k_shank):
            kk.add(0.0, 0.0, 0.0, 0.0)
            kk.add(run_start, 0.0, 0.0, 0.0)
        ev = deg(p.eversion_peak_deg)
        for k, stn in enumerate(st):
            tc = stn.to - max(stn.ic, run_start)
            r = ramp_factor(stn.to)
            peak_df = deg(strike["ankle_ic"] + (p.peak_df_deg - strike["ankle_ic"]) * (0.6 + 0.4 * r))
            peak_df += deg(1.0) * rng.standard_normal()
            if stn.ic > 0:
                k_df.add(stn.ic, deg(strike["ankle_ic"]))
                if p.strike == "rearfoot":
                    k_df.add(stn.ff, deg(strike["ankle_ic"] - 1.0))
                k_df.add(stn.ic + 0.42 * tc, peak_df, 0.0)
                k_inv.add(stn.ic, deg(2.0))
                k_inv.add(stn.ic + 0.4 * tc, -ev * (0.5 + 0.5 * r), 0.0)
                k_foot.add(stn.ic, stn.foot_ic, stn.dfoot_ic, 0.0)
                k_foot.add(stn.ff, 0.0, 0.0, 0.0)
            else:
                t_pk = stn.ho - 0.1 * tc_steady
                if t_pk > run_start + 0.1:
                    k_df.add(t_pk, 0.6 * peak_df, 0.0)
                    k_inv.add(t_pk, -0.5 * ev, 0.0)
            k_foot.add(stn.ho, 0.0, 0.0, 0.0)
            k_foot.add(stn.to, stn.foot_to, stn.dfoot_to, 0.0)
            k_df.add(stn.to, stn.to_angle)
            k_inv.add(stn.to, deg(1.0))
            if k + 1 < len(st):
                nxt = st[k + 1]
                sw = nxt.ic - stn.to
                k_df.add(stn.to + 0.15 * sw, stn.to_angle - deg(p.swing_pf_extra_deg) * (0.5 + 0.5 * r), 0.0)
                k_df.add(stn.to + 0.6 * sw, deg(4.0), 0.0)
                k_inv.add(stn.to + 0.5 * sw, deg(2.0), 0.0)
        df_t, df_y, df_dy, df_ddy = k_df.arrays()

        def df_at(tt: float) -> tuple[float, float, float]:
            i = int(np.argmin(np.abs(df_t - tt)))
            return df_y[i], df_dy[i], df_ddy[i]

        for k, stn in enumerate(st):
            if k + 1 >= len(st):
                break
            nxt = st[k + 1]
            sw = nxt.ic - stn.to
            v = float(belt.speed(stn.to))
            a0, da0, dda0 = df_at(stn.to)
            a1, da1, dda1 = df_at(nxt.ic)
            k_shank.add(stn.to, stn.foot_to - a0, stn.dfoot_to - da0, -dda0)
            k_shank.add(stn.to + 0.38 * sw, -deg(40.0 + 8.0 * v), 0.0)
            k_shank.add(stn.to + 0.8 * sw, deg(4.0 + 3.0 * v), 0.0)
            k_shank.add(nxt.ic, nxt.foot_ic - a1, nxt.dfoot_ic - da1, -dda1)

        dorsi = k_df.evaluate(t)
        inv = k_inv.evaluate(t)
        foot_stance = k_foot.evaluate(t)
        shank_swing = k_shank.evaluate(t)

        # stance / swing masks
        ics = np.array([x.ic for x in st])
        tos = np.array([x.to for x in st])
        idx = np.clip(np.searchsorted(ics, t, side="right") - 1, 0, len(st) - 1)
        in_stance = t <= tos[idx] + 1e-12
        foot_angle = np.where(in_stance, foot_stance, shank_swing + dorsi)

        # ---- ankle position in stance (ground constrained) ------------------------------
        z = side_z(s)
        s_ref = np.array([x.s_ref for x in st])
        belt_x = belt.distance(t)
        ffs = np.array([x.ff for x in st])
        use_strike_pivot = t < ffs[idx]
        strike_pivot = pivots[strike["pivot"]]
        ball = pivots["ball"]
        cx = np.where(use_strike_pivot, strike_pivot[0], ball[0])
        cy = np.where(use_strike_pivot, strike_pivot[1], ball[1])
        cf, sf = np.cos(foot_angle), np.sin(foot_angle)
        stance_x = -(belt_x - s_ref[idx]) + cx - (cx * cf - cy * sf)
        stance_y = h_a + cy - (cx * sf + cy * cf)
        # impact arrest of the contact point
        dt_ic = t - ics[idx]
        arrest = p.impact_arrest_s
        imp_v = np.array([x.impact_v for x in st])[idx]
        u = np.clip(dt_ic / arrest, 0.0, 1.0)
        arrest_y = np.where(dt_ic < arrest, imp_v * arrest * (0.5 - u + u**3 - 0.5 * u**4), 0.0)
        stance_y = stance_y + arrest_y

        # ---- swing path of the ankle ------------------------------------------------
        k_x, k_y = Knots(), Knots()
        k_x.add(0.0, 0.0, 0.0, 0.0)
        k_y.add(0.0, h_a, 0.0, 0.0)
        for k, stn in enumerate(st):
            if k + 1 >= len(st):
                break
            nxt = st[k + 1]
            # state at TO (ball pivot, no arrest)
            vb, ab = float(belt.speed(stn.to)), float(belt.accel(stn.to))
            pos0 = np.array([-(float(belt.distance(stn.to)) - stn.s_ref), h_a]) + ball - _rz2(stn.foot_to, ball)
            vel0 = np.array([-vb, 0.0]) - stn.dfoot_to * _drz2(stn.foot_to, ball)
            acc0 = np.array([-ab, 0.0]) + stn.dfoot_to**2 * _rz2(stn.foot_to, ball)
            # state at the next IC (strike pivot, arrest starting)
            c = strike_pivot
            vb1, ab1 = float(belt.speed(nxt.ic)), float(belt.accel(nxt.ic))
            pos1 = (
                np.array([-(float(belt.distance(nxt.ic)) - nxt.s_ref), h_a + 0.5 * nxt.impact_v * arrest])
                + c
                - _rz2(nxt.foot_ic, c)
            )
            vel1 = np.array([-vb1, -nxt.impact_v]) - nxt.dfoot_ic * _drz2(nxt.foot_ic, c)
            acc1 = np.array([-ab1, 0.0]) + nxt.dfoot_ic**2 * _rz2(nxt.foot_ic, c)
            sw = nxt.ic - stn.to
            v = float(belt.speed(stn.to))
            t_mid = stn.to + 0.4 * sw
            t_reach = nxt.ic - 0.12 * sw
            x_reach = pos1[0] + 0.5 * vb1 * 0.12 * sw
            y_peak = h_a + 0.08 + 0.05 * v
            k_x.add(stn.to, pos0[0], vel0[0], acc0[0])
            k_y.add(stn.to, pos0[1], vel0[1], acc0[1])
            k_x.add(t_mid, pos0[0] + 0.55 * (x_reach - pos0[0]))
            k_y.add(t_mid, max(y_peak, pos0[1] + 0.05), 0.0)
            k_x.add(t_reach, x_reach, 0.0)
            k_y.add(t_reach, pos1[1] + 0.03)
            k_x.add(nxt.ic, pos1[0], vel1[0], acc1[0])
            k_y.add(nxt.ic, pos1[1], vel1[1], acc1[1])
        swing_x = k_x.evaluate(t)
        swing_y = k_y.evaluate(t)

        pos = np.empty((n, 3))
        pos[:, 0] = np.where(in_stance, stance_x, swing_x)
        pos[:, 1] = np.where(in_stance, stance_y, swing_y)
        pos[:, 2] = z

        # ---- rotations -----------------------------------------------------------------
        r_foot = rotation_z(foot_angle)
        r_rel = ankle_relative_rotation(dorsi, inv, 0.5 * inv, s)
        # soft-tissue oscillation of the shank after each impact (sagittal, about the ankle)
        osc = np.zeros(n)
        if p.soft_tissue_amplitude_deg > 0:
            valid = ics[idx] > 0
            amp = deg(p.soft_tissue_amplitude_deg) * imp_v / max(p.impact_velocity_mps, 1e-9)
            tau = p.soft_tissue_decay_s
            w = 2 * math.pi * p.soft_tissue_hz
            dtp = np.maximum(dt_ic, 0.0)
            osc = np.where(
                valid & (dt_ic < 10 * tau),
                amp * np.exp(-dtp / tau) * np.sin(w * dtp) * (1.0 - np.exp(-dtp / 0.002)),
                0.0,
            )
        r_shank = r_foot @ np.swapaxes(r_rel, -1, -2)
        if p.soft_tissue_amplitude_deg > 0:
            r_shank = r_shank @ rotation_z(osc)
        out_pos[s], out_rot_foot[s], out_rot_shank[s] = pos, r_foot, r_shank

    segments = {}
    for s in SIDES:
        segments[f"{s}_shank"] = SegmentTrajectory(rate_hz, out_pos[s], out_rot_shank[s])
        segments[f"{s}_foot"] = SegmentTrajectory(rate_hz, out_pos[s].copy(), out_rot_foot[s])
    angles = truth_angles(segments)
    truth = _running_truth(p, thresholds or Thresholds(), stances, angles, rate_hz, duration_s, run_start + belt.ramp)
    return Motion(rate_hz=rate_hz, segments=segments, truth=truth, kind="running", params=p)


def _running_truth(p, th, stances, angles, rate_hz, duration_s, steady_from_t) -> Truth:
    n = angles["left"].shape[0]
    events: list[Event] = []
    strides: list[Stride] = []
    for s in SIDES:
        real = [x for x in stances[s] if x.ic > 0]
        for x in stances[s]:
            if x.to < duration_s:
                events.append(Event(x.to, s, "TO"))
            if x.ic > 0 and x.ic < duration_s:
                events.append(Event(x.ic, s, "IC"))
                if x.ms < duration_s:
                    events.append(Event(x.ms, s, "MS"))
        for a, b in zip(real[:-1], real[1:]):
            if b.ic >= duration_s:
                break
            i_to = min(int(round(a.to * rate_hz)), n - 1)
            to_deg = math.degrees(angles[s][i_to, 0])
            strides.append(
                Stride(
                    side=s,
                    ic_t=a.ic,
                    to_t=a.to,
                    end_t=b.ic,
                    contact_time_s=a.to - a.ic,
                    ankle_angle_at_to_deg=to_deg,
                    restricted_pf=to_deg > th.restricted_pf_to_deg,
                )
            )
    events.sort(key=lambda e: (e.t, e.side, e.event))
    strides.sort(key=lambda x: x.ic_t)
    flags = running_flags(strides, th, steady_from_t)
    return Truth(angles_rad=angles, events=events, strides=strides, flags=flags)


def running_flags(strides: list[Stride], th: Thresholds, steady_from_t: float = 0.0) -> list[dict]:
    """Flags over steady strides: ``restricted_pf`` when, in a window of
    ``th.flag_window_strides`` strides of one side, at least ``th.flag_fraction`` are
    restricted (``from_t`` = TO of the stride completing the first such window);
    ``asymmetry`` when the windowed medians of the two sides' TO angles differ by more
    than ``th.asymmetry_deg`` (reported on the less plantarflexed side)."""
    flags: list[dict] = []
    w = th.flag_window_strides
    per_side = {s: [x for x in strides if x.side == s and x.ic_t >= steady_from_t] for s in SIDES}
    for s in SIDES:
        rs = per_side[s]
        if len(rs) < w:
            continue
        restricted = np.array([x.restricted_pf for x in rs], dtype=float)
        frac = np.convolve(restricted, np.ones(w) / w, mode="valid")
        hit = np.nonzero(frac >= th.flag_fraction - 1e-12)[0]
        if hit.size:
            last = rs[hit[0] + w - 1]
            flags.append({"side": s, "flag": "restricted_pf", "from_t": last.to_t})
    left, right = per_side["left"], per_side["right"]
    m = min(len(left), len(right))
    for i in range(w - 1, m):
        ml = float(np.median([x.ankle_angle_at_to_deg for x in left[i - w + 1 : i + 1]]))
        mr = float(np.median([x.ankle_angle_at_to_deg for x in right[i - w + 1 : i + 1]]))
        if abs(ml - mr) > th.asymmetry_deg:
            side = "left" if ml > mr else "right"
            flags.append({"side": side, "flag": "asymmetry", "from_t": max(left[i].to_t, right[i].to_t)})
            break
    return flags
