"""Squat and mobility-test motion models: feet on the ground, smoothness, rep truth."""

import math

import numpy as np
import pytest

from anklet.geometry import ankle_angles, body_angular_velocity
from anklet.sim._mobility import (
    KneeToWallParams,
    SplitSquatParams,
    TallKneelingParams,
    make_knee_to_wall,
    make_split_squat,
    make_tall_kneeling,
    seed_toe_to_wall_m,
    tall_kneeling_gap_m,
)
from anklet.sim._motion import FootGeometry, knee_to_wall_required_df_rad
from anklet.sim._squat import SquatParams, make_squat

RATE = 200.0
GEO = FootGeometry.for_body(1.75)


def _make(kind, seed=0, **kw):
    f, cls, duration = {
        "squat": (make_squat, SquatParams, 50.0),
        "knee_to_wall": (make_knee_to_wall, KneeToWallParams, 55.0),
        "tall_kneeling": (make_tall_kneeling, TallKneelingParams, 35.0),
        "split_squat": (make_split_squat, SplitSquatParams, 170.0),
    }[kind]
    return f(cls(**kw), duration, RATE, np.random.default_rng(seed))


KINDS = ["squat", "knee_to_wall", "tall_kneeling", "split_squat"]


@pytest.fixture(scope="module", params=KINDS)
def motion(request):
    return _make(request.param)


def test_starts_with_quiet_standing_and_shares_the_ankle_centre(motion):
    n = int(3.0 * RATE)
    for side in ("left", "right"):
        shank, foot = motion.segments[f"{side}_shank"], motion.segments[f"{side}_foot"]
        np.testing.assert_array_equal(shank.position_m, foot.position_m)
        for seg in (shank, foot):
            np.testing.assert_allclose(seg.rotation[:n], np.broadcast_to(np.eye(3), (n, 3, 3)), atol=1e-12)
            np.testing.assert_allclose(seg.position_m[:n] - seg.position_m[0], 0.0, atol=1e-12)
        np.testing.assert_allclose(motion.truth.angles_rad[side][:n], 0.0, atol=1e-12)


def test_smooth_and_plausible(motion):
    for name, seg in motion.segments.items():
        assert np.isfinite(seg.position_m).all() and np.isfinite(seg.rotation).all()
        v = np.gradient(seg.position_m, 1 / RATE, axis=0)
        a = np.gradient(v, 1 / RATE, axis=0)
        w = body_angular_velocity(seg.rotation, RATE)
        assert np.linalg.norm(v, axis=1).max() < 1.5, name
        assert np.linalg.norm(a, axis=1).max() < 2.0 * 9.81, name
        assert np.linalg.norm(w, axis=1).max() < 6.0, name


def test_feet_never_go_through_the_floor(motion):
    for side in ("left", "right"):
        foot = motion.segments[f"{side}_foot"]
        for point in (GEO.heel, GEO.ball):
            assert (foot.position_m[:, 1] + (foot.rotation @ point)[:, 1]).min() > -1e-3


def test_truth_reps_are_measured_on_the_rotations(motion):
    for rep in motion.truth.reps:
        i0, i1 = round(rep.start_t * RATE), round(rep.end_t * RATE) + 1
        seg = motion.segments
        a = ankle_angles(seg[f"{rep.side}_shank"].rotation[i0:i1], seg[f"{rep.side}_foot"].rotation[i0:i1], rep.side)
        assert rep.max_dorsiflexion_deg == pytest.approx(np.degrees(a[:, 0].max()))
        assert rep.start_t < rep.bottom_t < rep.end_t


def test_squat_feet_do_not_move_and_reps_reach_the_limits():
    m = _make("squat", reps=6, max_df_left_deg=38.0, max_df_right_deg=22.0, depth=1.0)
    for side in ("left", "right"):
        foot = m.segments[f"{side}_foot"]
        np.testing.assert_array_equal(foot.position_m, np.broadcast_to(foot.position_m[0], foot.position_m.shape))
        np.testing.assert_array_equal(foot.rotation, np.broadcast_to(np.eye(3), foot.rotation.shape))
    left = [r for r in m.truth.reps if r.side == "left"]
    right = [r for r in m.truth.reps if r.side == "right"]
    assert len(left) == len(right) == 6
    assert all(33.0 < r.max_dorsiflexion_deg <= 38.5 and not r.restricted_df for r in left)
    assert all(18.0 < r.max_dorsiflexion_deg <= 22.5 and r.restricted_df for r in right)
    flags = {(f["side"], f["flag"]) for f in m.truth.flags}
    assert flags == {("right", "restricted_df"), ("right", "asymmetry")}


def test_split_squat_set_structure_and_ranges():
    params = SplitSquatParams(sets=3, reps_per_set=9, rest_s=5.0, max_pf_right_deg=25.0)
    m = make_split_squat(params, 260.0, RATE, np.random.default_rng(0))
    reps = m.truth.reps
    assert len(reps) == 3 * 2 * 9
    for side in ("left", "right"):
        mine = [r for r in reps if r.side == side]
        assert [r.set_index for r in mine] == [k for k in range(3) for _ in range(9)]
        assert all(r.max_dorsiflexion_deg > 30 for r in mine)
    pf = {s: np.median([r.max_plantarflexion_deg for r in reps if r.side == s]) for s in ("left", "right")}
    assert 35 < pf["left"] < 41 and 21 < pf["right"] < 26
    # the front foot is on the board (toes below heel) during the reps
    rep = next(r for r in reps if r.side == "left")
    foot = m.segments["left_foot"]
    i = round(rep.bottom_t * RATE)
    assert np.degrees(np.arctan2(foot.rotation[i, 1, 0], foot.rotation[i, 0, 0])) == pytest.approx(-18.0, abs=0.1)
    assert not m.truth.flags


def test_split_squat_duration_truncates_reps():
    m = make_split_squat(SplitSquatParams(), 40.0, RATE, np.random.default_rng(0))
    assert 0 < len(m.truth.reps) < 16
    assert all(r.end_t < 40.0 for r in m.truth.reps)


def test_knee_to_wall_rule_and_assessment():
    assert seed_toe_to_wall_m(1.70) == pytest.approx(4.5 * 0.0254)
    assert seed_toe_to_wall_m(1.80) == pytest.approx(5.5 * 0.0254)
    required = math.degrees(knee_to_wall_required_df_rad(GEO, seed_toe_to_wall_m(1.75)))
    assert 35.0 < required < 50.0
    # the front of the knee touches the wall at the required angle
    a = math.radians(required)
    knee_front = GEO.shank_length_m * math.sin(a) + GEO.knee_front_m * math.cos(a)
    assert knee_front == pytest.approx(GEO.toe_x + seed_toe_to_wall_m(1.75))
    m = _make("knee_to_wall", max_df_left_deg=50.0, max_df_right_deg=35.0)
    by_side = {a["side"]: a for a in m.truth.assessments}
    assert by_side["left"]["passed"] and not by_side["right"]["passed"]
    assert by_side["left"]["max_dorsiflexion_deg"] == pytest.approx(required, abs=0.05)  # stopped by the wall
    assert by_side["right"]["max_dorsiflexion_deg"] == pytest.approx(35.0, abs=0.5)
    assert len([r for r in m.truth.reps if r.side == "left"]) == 3
    assert {(f["side"], f["flag"]) for f in m.truth.flags} == {("right", "restricted_df")}
    # the tested foot stays flat and still
    reps = [r for r in m.truth.reps if r.side == "left"]
    foot = m.segments["left_foot"]
    i0, i1 = round(reps[0].start_t * RATE), round(reps[-1].end_t * RATE)
    np.testing.assert_allclose(foot.rotation[i0:i1], np.broadcast_to(np.eye(3), (i1 - i0, 3, 3)), atol=1e-12)


def test_tall_kneeling_pf_truth_and_gap():
    assert tall_kneeling_gap_m(GEO, math.radians(45.0)) > tall_kneeling_gap_m(GEO, math.radians(60.0)) >= 0.0
    m = _make("tall_kneeling", max_pf_left_deg=66.0, max_pf_right_deg=45.0)
    reps = {r.side: r for r in m.truth.reps}
    assert reps["left"].max_plantarflexion_deg == pytest.approx(66.0, abs=0.1)
    assert reps["right"].max_plantarflexion_deg == pytest.approx(45.0, abs=0.1)
    by_side = {a["side"]: a for a in m.truth.assessments}
    assert by_side["left"]["passed"] and not by_side["right"]["passed"]
    assert by_side["right"]["ankle_gap_cm"] > 2.0
    assert {(f["side"], f["flag"]) for f in m.truth.flags} == {("right", "restricted_pf")}
    # kneeling: the shank lies (nearly) horizontal, knee ahead of the ankle
    i = round(reps["left"].bottom_t * RATE)
    shank_axis = m.segments["left_shank"].rotation[i] @ [0.0, 1.0, 0.0]
    assert shank_axis[0] > 0.97


@pytest.mark.parametrize("kind", KINDS)
def test_deterministic_for_the_same_seed(kind):
    a, b = _make(kind, seed=4), _make(kind, seed=4)
    for k in a.segments:
        np.testing.assert_array_equal(a.segments[k].rotation, b.segments[k].rotation)
    assert a.truth.reps == b.truth.reps
