"""The ankle mobility tests of the seed articles: knee-to-wall, tall kneeling, split squat
on a slant board.

Kinematically simpler than running, but every pose is consistent with the ground: a foot
is flat on the floor, flat on the board, or rolling about its ball on a fixed point; the
shank and foot share the ankle joint centre; every session starts with quiet standing and
every transition (stepping, kneeling down, standing up) is a smooth C2 curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from anklet.geometry import SIDES, kneeling_pose, tall_kneeling_gap_m, tall_kneeling_required_pf_rad
from anklet.sim._motion import (
    FootGeometry,
    Motion,
    Thresholds,
    Truth,
    check_side,
    check_standing_s,
    knee_to_wall_required_df_rad,
    side_z,
)
from anklet.sim._motion_build import Leg, angles_of, assemble, rep_flags, rep_from_window

__all__ = [
    "KneeToWallParams",
    "SplitSquatParams",
    "TallKneelingParams",
    "make_knee_to_wall",
    "make_split_squat",
    "make_tall_kneeling",
    "seed_toe_to_wall_m",
    "tall_kneeling_gap_m",
]

INCH_M = 0.0254
SEED_HEIGHT_LIMIT_M = 68 * INCH_M  # 5 ft 8 in


def seed_toe_to_wall_m(height_m: float) -> float:
    """Toe-to-wall distance of the seed article: 4.5 in under 5 ft 8 in, 5.5 in otherwise."""
    return (4.5 if height_m < SEED_HEIGHT_LIMIT_M else 5.5) * INCH_M


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


def _rot2(theta: float, x: float, y: float) -> tuple[float, float]:
    c, s = math.cos(theta), math.sin(theta)
    return x * c - y * s, x * s + y * c


def _ankle_on_ball(ball_world: np.ndarray, foot_angle: float, geo: FootGeometry) -> np.ndarray:
    """Ankle position with the ball of the foot fixed at ``ball_world`` (foot rolled)."""
    dx, dy = _rot2(foot_angle, geo.ball_x, geo.sole_y)
    return np.array([ball_world[0] - dx, ball_world[1] - dy, ball_world[2]])


def _step(leg: Leg, t0: float, t1: float, foot0: float, df0: float, pos0, foot1: float, df1: float, pos1, lift: float = 0.08):
    """A slow step: lift the foot (toes slightly down), carry it, set it down."""
    mid = 0.5 * (t0 + t1)
    pos0, pos1 = np.asarray(pos0, float), np.asarray(pos1, float)
    leg.hold_pose(t0, foot0, df0, pos0)
    leg.foot.add(mid, 0.5 * (foot0 + foot1) - math.radians(10.0), 0.0)
    leg.dorsi.add(mid, 0.5 * (df0 + df1) - math.radians(8.0), 0.0)
    for axis in range(3):
        leg.pos[axis].add(mid, 0.5 * (pos0[axis] + pos1[axis]) + (lift if axis == 1 else 0.0))
    leg.hold_pose(t1, foot1, df1, pos1)


# ---------------------------------------------------------------------------------------
# knee to wall
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KneeToWallParams:
    """Knee-to-wall (weight-bearing lunge) test at the seed's fixed toe-to-wall distance.

    Attributes
    ----------
    max_df_left_deg, max_df_right_deg
        The athlete's weight-bearing dorsiflexion limit, deg.
    attempts
        Attempts per side; each pushes the knee towards the wall and holds.
    hold_s
        Hold at the deepest point, s.
    move_s, rest_s, step_s
        Time to reach the deepest point (and back), pause between attempts, time of one
        step of the other foot, s.
    toe_to_wall_cm
        Longest toe to wall, cm; 0 = the seed rule (4.5 in under 5 ft 8 in, else 5.5 in).
    first_side
        Side tested first.
    standing_s
        Quiet standing at the start, s (>= 3).
    height_m
        Body height, m (sets segment lengths and the seed distance).
    """

    max_df_left_deg: float = 46.0
    max_df_right_deg: float = 46.0
    attempts: int = 3
    hold_s: float = 2.5
    move_s: float = 1.5
    rest_s: float = 1.0
    step_s: float = 1.2
    toe_to_wall_cm: float = 0.0
    first_side: str = "left"
    standing_s: float = 4.0
    height_m: float = 1.75

    def __post_init__(self) -> None:
        check_standing_s(self.standing_s)
        check_side(self.first_side)
        if self.attempts < 1:
            raise ValueError("attempts must be >= 1")

    def max_df_deg(self, side: str) -> float:
        return self.max_df_left_deg if side == "left" else self.max_df_right_deg


def make_knee_to_wall(
    params: KneeToWallParams,
    duration_s: float,
    rate_hz: float,
    rng: np.random.Generator,
    thresholds: Thresholds | None = None,
) -> Motion:
    """Both sides in turn: the other foot steps back, the tested knee is driven towards the
    wall ``attempts`` times (held ``hold_s``), the foot steps back in. The tested foot stays
    flat; the knee stops at the wall when the athlete could go further."""
    p, th = params, thresholds or Thresholds()
    del th
    n = int(round(duration_s * rate_hz))
    t = np.arange(n) / rate_hz
    geo = FootGeometry.for_body(p.height_m)
    wall_m = p.toe_to_wall_cm / 100.0 if p.toe_to_wall_cm > 0 else seed_toe_to_wall_m(p.height_m)
    required = knee_to_wall_required_df_rad(geo, wall_m)
    rest = {s: np.array([0.0, geo.ankle_height_m, side_z(s)]) for s in SIDES}
    legs = {s: Leg(rest[s]) for s in SIDES}
    cursor = p.standing_s
    windows: list[tuple[str, float, float, float]] = []
    assessments = []
    back_df = math.radians(8.0)
    for side in (p.first_side, _other(p.first_side)):
        other = _other(side)
        back = rest[other] + np.array([-0.45, 0.0, 0.0])
        legs[side].hold_pose(cursor, 0.0, 0.0, rest[side])
        _step(legs[other], cursor, cursor + p.step_s, 0.0, 0.0, rest[other], 0.0, back_df * 0.5, back)
        cursor += p.step_s + 0.3
        legs[side].hold_pose(cursor, 0.0, math.radians(5.0))
        limit = math.radians(p.max_df_deg(side))
        reached = []
        for k in range(p.attempts):
            effort = min(1.0, 1.0 - 0.04 * (p.attempts - 1 - k) + 0.01 * rng.standard_normal())
            target = min(limit * effort, required)
            start, top = cursor, cursor + p.move_s
            legs[side].hold_pose(top, 0.0, target)
            legs[other].hold_pose(top, 0.0, back_df)
            legs[side].hold_pose(top + p.hold_s, 0.0, target)
            legs[other].hold_pose(top + p.hold_s, 0.0, back_df)
            end = top + p.hold_s + p.move_s
            legs[side].hold_pose(end, 0.0, math.radians(5.0))
            legs[other].hold_pose(end, 0.0, back_df * 0.5)
            windows.append((side, start, top + 0.5 * p.hold_s, end))
            reached.append(target)
            cursor = end + p.rest_s
        legs[side].hold_pose(cursor, 0.0, 0.0)
        _step(legs[other], cursor, cursor + p.step_s, 0.0, back_df * 0.5, back, 0.0, 0.0, rest[other])
        cursor += p.step_s + 1.5
        passed = limit >= required
        assessments.append(
            {
                "test": "knee_to_wall",
                "side": side,
                "max_dorsiflexion_deg": math.degrees(max(reached)),
                "toe_to_wall_cm": wall_m * 100.0,
                "required_deg": math.degrees(required),
                "knee_touches_wall": passed,
                "passed": passed,
            }
        )
    segments = assemble(rate_hz, {s: legs[s].evaluate(t) for s in SIDES})
    angles = angles_of(segments)
    reps = [
        rep_from_window(side, angles, rate_hz, a, b, c, math.inf if p.max_df_deg(side) < math.degrees(required) else -math.inf)
        for side, a, b, c in windows
        if c < duration_s
    ]
    flags = []
    for a in assessments:
        last = [r for r in reps if r.side == a["side"]]
        if last and len(last) == p.attempts:
            a["max_dorsiflexion_deg"] = max(r.max_dorsiflexion_deg for r in last)
            if not a["passed"]:
                flags.append({"side": a["side"], "flag": "restricted_df", "from_t": last[-1].end_t})
    done = [a for a in assessments if len([r for r in reps if r.side == a["side"]]) == p.attempts]
    truth = Truth(angles_rad=angles, reps=reps, assessments=done, flags=flags)
    return Motion(rate_hz=rate_hz, segments=segments, truth=truth, kind="knee_to_wall", params=p)


# ---------------------------------------------------------------------------------------
# tall kneeling
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TallKneelingParams:
    """Tall-kneeling sit-back test (both sides at once).

    Attributes
    ----------
    max_pf_left_deg, max_pf_right_deg
        Plantarflexion reached when sitting back onto the heels, deg (positive).
    kneeling_pf_fraction
        Plantarflexion in tall kneeling (hips up) as a fraction of the maximum.
    kneel_s, untuck_s, sit_s, hold_s, tall_hold_s
        Durations: standing to toes-tucked kneeling, untucking the feet, sitting back,
        holding the sit-back, tall kneeling before and after, s.
    knee_height_m
        Height of the knee joint centre above the floor when kneeling, m.
    standing_s
        Quiet standing at the start, s (>= 3).
    height_m
        Body height, m.
    """

    max_pf_left_deg: float = 65.0
    max_pf_right_deg: float = 65.0
    kneeling_pf_fraction: float = 0.85
    kneel_s: float = 2.5
    untuck_s: float = 1.5
    sit_s: float = 1.5
    hold_s: float = 4.0
    tall_hold_s: float = 2.0
    knee_height_m: float = 0.05
    standing_s: float = 4.0
    height_m: float = 1.75

    def __post_init__(self) -> None:
        check_standing_s(self.standing_s)
        if not 0.0 < self.kneeling_pf_fraction <= 1.0:
            raise ValueError("kneeling_pf_fraction must be within (0, 1]")

    def max_pf_deg(self, side: str) -> float:
        return self.max_pf_left_deg if side == "left" else self.max_pf_right_deg


def make_tall_kneeling(
    params: TallKneelingParams,
    duration_s: float,
    rate_hz: float,
    rng: np.random.Generator,
    thresholds: Thresholds | None = None,
) -> Motion:
    """Stand, kneel down onto tucked toes (heels rise about the balls), untuck the feet onto
    their dorsum, kneel tall, sit back onto the heels to the maximum plantarflexion, hold,
    and stand up again by the reverse path. The right leg trails the left by 0.3 s."""
    p, th = params, thresholds or Thresholds()
    n = int(round(duration_s * rate_hz))
    t = np.arange(n) / rate_hz
    geo = FootGeometry.for_body(p.height_m)
    legs, windows, assessments, flags = {}, [], [], []
    max_gap_m = th.tall_kneeling_max_gap_cm / 100.0
    required = tall_kneeling_required_pf_rad(geo, max_gap_m, p.knee_height_m)
    timeline = {}
    for i, side in enumerate(SIDES):
        z = side_z(side)
        rest = np.array([0.0, geo.ankle_height_m, z])
        leg = Leg(rest)
        ball = np.array([geo.ball_x, 0.0, z])
        c = p.standing_s + 0.3 * i
        leg.hold_pose(c, 0.0, 0.0, rest)
        # 1. heels rise about the balls while the knees go down to the floor: toes tucked
        tuck_foot = -math.pi / 2
        tuck_pos = _ankle_on_ball(ball, tuck_foot, geo)
        tuck_shank = -math.acos((p.knee_height_m - tuck_pos[1]) / geo.shank_length_m)
        half_foot = -math.radians(40.0)
        half_pos = _ankle_on_ball(ball, half_foot, geo)
        leg.foot.add(c + 0.5 * p.kneel_s, half_foot)
        leg.dorsi.add(c + 0.5 * p.kneel_s, half_foot + math.radians(50.0), 0.0)
        for axis in range(3):
            leg.pos[axis].add(c + 0.5 * p.kneel_s, float(half_pos[axis]))
        leg.pivot(c, c + p.kneel_s, ball, geo.ball)
        c += p.kneel_s
        leg.hold_pose(c, tuck_foot, tuck_foot - tuck_shank, tuck_pos)
        c += 0.5
        leg.hold_pose(c, tuck_foot, tuck_foot - tuck_shank, tuck_pos)
        # 2. untuck: the foot flips onto its dorsum, the ankle comes down
        pf_max = math.radians(p.max_pf_deg(side))
        pf_tall = p.kneeling_pf_fraction * pf_max
        foot_k, shank_k, h_k = kneeling_pose(geo, pf_tall, p.knee_height_m)
        knee_x = tuck_pos[0] - geo.shank_length_m * math.sin(tuck_shank)
        ank_k = np.array([knee_x + geo.shank_length_m * math.sin(shank_k), h_k, z])
        mid_t = c + 0.5 * p.untuck_s
        leg.foot.add(mid_t, 0.5 * (tuck_foot + foot_k))
        leg.dorsi.add(mid_t, 0.5 * ((tuck_foot - tuck_shank) - pf_tall))
        for axis in range(3):
            leg.pos[axis].add(mid_t, 0.5 * (tuck_pos[axis] + ank_k[axis]) + (0.04 if axis == 1 else 0.0))
        c += p.untuck_s
        leg.hold_pose(c, foot_k, -pf_tall, ank_k)
        c += p.tall_hold_s
        leg.hold_pose(c, foot_k, -pf_tall, ank_k)
        # 3. sit back to the maximum plantarflexion, hold, come back up
        foot_m, shank_m, h_m = kneeling_pose(geo, pf_max, p.knee_height_m)
        ank_m = np.array([knee_x + geo.shank_length_m * math.sin(shank_m), h_m, z])
        start = c
        c += p.sit_s
        leg.hold_pose(c, foot_m, -pf_max, ank_m)
        bottom = c + 0.5 * p.hold_s
        c += p.hold_s
        leg.hold_pose(c, foot_m, -pf_max, ank_m)
        c += p.sit_s
        leg.hold_pose(c, foot_k, -pf_tall, ank_k)
        windows.append((side, start, bottom, c))
        gap = h_m - geo.ankle_front_x
        assessments.append(
            {
                "test": "tall_kneeling",
                "side": side,
                "max_plantarflexion_deg": math.degrees(pf_max),
                "ankle_gap_cm": gap * 100.0,
                "required_pf_deg": math.degrees(required),
                "passed": gap <= max_gap_m + 1e-9,
            }
        )
        timeline[side] = c
        # 4. reverse path to standing
        c += p.tall_hold_s
        leg.hold_pose(c, foot_k, -pf_tall, ank_k)
        for axis in range(3):
            leg.pos[axis].add(c + 0.5 * p.untuck_s, 0.5 * (tuck_pos[axis] + ank_k[axis]) + (0.04 if axis == 1 else 0.0))
        leg.foot.add(c + 0.5 * p.untuck_s, 0.5 * (tuck_foot + foot_k))
        leg.dorsi.add(c + 0.5 * p.untuck_s, 0.5 * ((tuck_foot - tuck_shank) - pf_tall))
        c += p.untuck_s
        leg.hold_pose(c, tuck_foot, tuck_foot - tuck_shank, tuck_pos)
        c += 0.5
        leg.hold_pose(c, tuck_foot, tuck_foot - tuck_shank, tuck_pos)
        leg.foot.add(c + 0.5 * p.kneel_s, half_foot)
        leg.dorsi.add(c + 0.5 * p.kneel_s, half_foot + math.radians(50.0), 0.0)
        for axis in range(3):
            leg.pos[axis].add(c + 0.5 * p.kneel_s, float(half_pos[axis]))
        leg.pivot(c, c + p.kneel_s, ball, geo.ball)
        c += p.kneel_s
        leg.hold_pose(c, 0.0, 0.0, rest)
        legs[side] = leg
    del rng
    segments = assemble(rate_hz, {s: legs[s].evaluate(t) for s in SIDES})
    angles = angles_of(segments)
    reps = [
        rep_from_window(side, angles, rate_hz, a, b, c, -math.inf, with_pf=True)
        for side, a, b, c in windows
        if c < duration_s
    ]
    done = {r.side for r in reps}
    assessments = [a for a in assessments if a["side"] in done]
    for a in assessments:
        a["max_plantarflexion_deg"] = next(r.max_plantarflexion_deg for r in reps if r.side == a["side"])
        if not a["passed"]:
            flags.append({"side": a["side"], "flag": "restricted_pf", "from_t": timeline[a["side"]]})
    truth = Truth(angles_rad=angles, reps=reps, assessments=assessments, flags=flags)
    return Motion(rate_hz=rate_hz, segments=segments, truth=truth, kind="tall_kneeling", params=p)


# ---------------------------------------------------------------------------------------
# split squat on a slant board
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SplitSquatParams:
    """Split squat with the front foot on a slant board (heel higher than the toes, as in
    the seed article), working the front ankle through dorsiflexion (knee forward at the
    bottom) and plantarflexion (a heel raise on the board at the top) each rep.

    Attributes
    ----------
    sets, reps_per_set
        Sets (each leg in front once per set) and reps per leg per set (seed: 2-3 x 8-10).
    rep_s
        Duration of one rep (down, up, heel raise, heel down), s.
    rest_s
        Standing rest between sets, s.
    board_incline_deg
        Slant of the board, deg (toes lower than the heel).
    stance_length_m
        Front ankle ahead of the back ankle, m.
    max_df_left_deg, max_df_right_deg
        Front-ankle dorsiflexion at the bottom of a full-depth rep, deg.
    max_pf_left_deg, max_pf_right_deg
        Front-ankle plantarflexion at the top of the heel raise, deg (positive).
    depth
        Fraction of the maximum range used, 0-1.
    rep_cv
        Rep-to-rep coefficient of variation of depth and timing.
    step_s
        Time to step onto or off the board, s.
    first_side
        Leg in front in the first set.
    standing_s
        Quiet standing at the start, s (>= 3).
    height_m
        Body height, m.
    """

    sets: int = 2
    reps_per_set: int = 8
    rep_s: float = 3.5
    rest_s: float = 15.0
    board_incline_deg: float = 18.0
    stance_length_m: float = 0.75
    max_df_left_deg: float = 38.0
    max_df_right_deg: float = 38.0
    max_pf_left_deg: float = 40.0
    max_pf_right_deg: float = 40.0
    depth: float = 0.95
    rep_cv: float = 0.04
    step_s: float = 1.5
    first_side: str = "left"
    standing_s: float = 4.0
    height_m: float = 1.75

    def __post_init__(self) -> None:
        check_standing_s(self.standing_s)
        check_side(self.first_side)
        if not 0.0 <= self.board_incline_deg < 40.0:
            raise ValueError("board_incline_deg must be within 0-40 deg")
        if self.sets < 0 or self.reps_per_set < 0:
            raise ValueError("sets and reps_per_set must be >= 0")

    def max_df_deg(self, side: str) -> float:
        return self.max_df_left_deg if side == "left" else self.max_df_right_deg

    def max_pf_deg(self, side: str) -> float:
        return self.max_pf_left_deg if side == "left" else self.max_pf_right_deg


def make_split_squat(
    params: SplitSquatParams,
    duration_s: float,
    rate_hz: float,
    rng: np.random.Generator,
    thresholds: Thresholds | None = None,
) -> Motion:
    """Sets of slant-board split squats, each leg in front once per set, standing rest
    between sets. Truth reps (front leg) carry max DF and max PF measured on the truth."""
    p, th = params, thresholds or Thresholds()
    n = int(round(duration_s * rate_hz))
    t = np.arange(n) / rate_hz
    geo = FootGeometry.for_body(p.height_m)
    rest = {s: np.array([0.0, geo.ankle_height_m, side_z(s)]) for s in SIDES}
    legs = {s: Leg(rest[s]) for s in SIDES}
    incline = math.radians(p.board_incline_deg)
    board_foot = -incline  # toes down
    shank_top = -math.radians(6.0)  # front shank at the top: knee slightly forward
    back_heel_top, back_heel_bottom = -math.radians(20.0), -math.radians(40.0)
    back_df_top, back_df_bottom = math.radians(5.0), math.radians(12.0)
    windows = []
    cursor = p.standing_s
    for set_index in range(p.sets):
        for front in (p.first_side, _other(p.first_side)):
            back = _other(front)
            lf, lb = legs[front], legs[back]
            # board: the ball of the front foot on the board's low end (1 cm thick there)
            ball_f = np.array([p.stance_length_m + geo.ball_x, 0.01, rest[front][2]])
            on_board = _ankle_on_ball(ball_f, board_foot, geo)
            ball_b = np.array([geo.ball_x, 0.0, rest[back][2]])
            lb.hold_pose(cursor, 0.0, 0.0, rest[back])
            _step(lf, cursor, cursor + p.step_s, 0.0, 0.0, rest[front], board_foot, board_foot - shank_top, on_board)
            cursor += p.step_s
            lb.hold_pose(cursor, back_heel_top, back_df_top, _ankle_on_ball(ball_b, back_heel_top, geo))
            back_roll_from = cursor - p.step_s
            cursor += 0.5
            lf.hold_pose(cursor, board_foot, board_foot - shank_top, on_board)
            lb.hold_pose(cursor, back_heel_top, back_df_top, _ankle_on_ball(ball_b, back_heel_top, geo))
            for rep in range(p.reps_per_set):
                d = min(1.0, p.depth * (1.0 + p.rep_cv * rng.standard_normal()))
                dur = p.rep_s * (1.0 + p.rep_cv * rng.standard_normal())
                df = math.radians(p.max_df_deg(front)) * d
                pf = math.radians(p.max_pf_deg(front)) * d
                t0 = cursor
                t_bottom = t0 + 0.3 * dur
                t_leave = t_bottom + 0.08 * dur
                t_top = t_leave + 0.27 * dur
                t_raise = t_top + 0.15 * dur
                t_hold = t_raise + 0.05 * dur
                t_end = t_hold + 0.15 * dur
                heel_b = back_heel_bottom * d + back_heel_top * (1 - d)
                dfb = back_df_bottom * d + back_df_top * (1 - d)
                for tt in (t_bottom, t_leave):
                    lf.hold_pose(tt, board_foot, df, on_board)
                    lb.hold_pose(tt, heel_b, dfb, _ankle_on_ball(ball_b, heel_b, geo))
                lf.hold_pose(t_top, board_foot, board_foot - shank_top, on_board)
                lb.hold_pose(t_top, back_heel_top, back_df_top, _ankle_on_ball(ball_b, back_heel_top, geo))
                raised = shank_top - pf  # foot angle with the heel raised about the ball
                for tt in (t_raise, t_hold):
                    lf.hold_pose(tt, raised, -pf, _ankle_on_ball(ball_f, raised, geo))
                lf.hold_pose(t_end, board_foot, board_foot - shank_top, on_board)
                lf.pivot(t_top, t_end, ball_f, geo.ball)
                lb.hold_pose(t_end, back_heel_top, back_df_top, _ankle_on_ball(ball_b, back_heel_top, geo))
                windows.append((front, set_index, t0, 0.5 * (t_bottom + t_leave), t_end))
                cursor = t_end + 0.2
            lf.hold_pose(cursor, board_foot, board_foot - shank_top, on_board)
            lb.hold_pose(cursor, back_heel_top, back_df_top, _ankle_on_ball(ball_b, back_heel_top, geo))
            cursor += 0.3
            lb.hold_pose(cursor, 0.0, 0.0, rest[back])
            lb.pivot(back_roll_from, cursor, ball_b, geo.ball)
            _step(lf, cursor, cursor + p.step_s, board_foot, board_foot - shank_top, on_board, 0.0, 0.0, rest[front])
            cursor += p.step_s + 1.0
            lb.hold_pose(cursor, 0.0, 0.0, rest[back])
        cursor += p.rest_s
    segments = assemble(rate_hz, {s: legs[s].evaluate(t) for s in SIDES})
    angles = angles_of(segments)
    reps = [
        rep_from_window(side, angles, rate_hz, a, b, c, th.restricted_df_lunge_deg, set_index=k, with_pf=True)
        for side, k, a, b, c in windows
        if c < duration_s
    ]
    truth = Truth(angles_rad=angles, reps=reps, flags=rep_flags(reps, th))
    return Motion(rate_hz=rate_hz, segments=segments, truth=truth, kind="split_squat", params=p)
