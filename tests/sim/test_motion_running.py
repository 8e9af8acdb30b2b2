"""Treadmill running motion model: physical consistency and ground truth."""

import math

import numpy as np
import pytest

from anklet.geometry import ankle_angles, body_angular_velocity
from anklet.sim._motion import FootGeometry
from anklet.sim._running import RunningParams, contact_time_for_speed, make_running

RATE = 1000.0
DURATION = 45.0


def _run(seed=0, **kw):
    return make_running(RunningParams(**kw), DURATION, RATE, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def run():
    return _run(to_angle_left_deg=-8.0, to_angle_right_deg=-20.0)


@pytest.fixture(scope="module", params=["rearfoot", "midfoot", "forefoot"])
def run_strike(request):
    return _run(seed=3, strike=request.param, speed_mps=4.5, cadence_spm=180.0)


def _steady(strides, t0=12.0):
    return [s for s in strides if s.ic_t > t0]


def test_shank_and_foot_share_the_ankle_centre(run):
    for side in ("left", "right"):
        np.testing.assert_array_equal(
            run.segments[f"{side}_shank"].position_m, run.segments[f"{side}_foot"].position_m
        )


def test_foot_rests_on_the_belt_in_mid_stance(run_strike):
    m = run_strike
    speed = 4.5
    for side in ("left", "right"):
        foot = m.segments[f"{side}_foot"]
        v = np.gradient(foot.position_m, 1 / RATE, axis=0)
        w = body_angular_velocity(foot.rotation, RATE)
        ms = [e.t for e in m.truth.events if e.side == side and e.event == "MS" and e.t > 12.0]
        assert len(ms) > 20
        idx = np.array([int(round(t * RATE)) for t in ms])
        window = (idx[:, None] + np.arange(-10, 11)[None, :]).ravel()
        assert np.abs(v[window, 0] + speed).max() < 0.02
        assert np.abs(v[window, 1:]).max() < 0.02
        assert np.linalg.norm(w[window], axis=1).max() < 0.1


def test_contact_points_stay_on_or_above_the_floor(run_strike):
    geo = FootGeometry.for_body(1.75)
    for side in ("left", "right"):
        foot = run_strike.segments[f"{side}_foot"]
        for point in (geo.heel, geo.ball):
            y = foot.position_m[:, 1] + (foot.rotation @ point)[:, 1]
            assert y.min() > -1e-3


def test_truth_to_angles_match_parameter_and_rotations(run):
    strides = _steady(run.truth.strides)
    for side, target in (("left", -8.0), ("right", -20.0)):
        mine = [s for s in strides if s.side == side]
        to = np.array([s.ankle_angle_at_to_deg for s in mine])
        assert abs(to.mean() - target) < 1.0
        assert np.all(np.abs(to - target) < 4 * 1.5 + 0.5)
        assert 0.8 < to.std() < 2.2
        shank = run.segments[f"{side}_shank"].rotation
        foot = run.segments[f"{side}_foot"].rotation
        idx = np.array([int(round(s.to_t * RATE)) for s in mine])
        np.testing.assert_allclose(to, np.degrees(ankle_angles(shank[idx], foot[idx], side)[:, 0]), atol=1e-9)
        assert np.all([s.restricted_pf == (s.ankle_angle_at_to_deg > -15.0) for s in mine])


def test_restricted_side_is_flagged(run):
    kinds = {(f["side"], f["flag"]) for f in run.truth.flags}
    assert ("left", "restricted_pf") in kinds
    assert ("right", "restricted_pf") not in kinds
    assert ("left", "asymmetry") in kinds


def test_trajectories_are_continuous(run_strike):
    for name, seg in run_strike.segments.items():
        assert np.isfinite(seg.position_m).all() and np.isfinite(seg.rotation).all()
        step = np.linalg.norm(np.diff(seg.position_m, axis=0), axis=1) * RATE
        assert step.max() < 7.0, name  # m/s
        v = np.gradient(seg.position_m, 1 / RATE, axis=0)
        dv = np.linalg.norm(np.diff(v, axis=0), axis=1) * RATE
        assert dv.max() < 30 * 9.81, name  # no velocity jumps: < 30 g
        w = body_angular_velocity(seg.rotation, RATE)
        assert np.abs(w).max() < 25.0, name
        np.testing.assert_allclose(seg.rotation @ np.swapaxes(seg.rotation, 1, 2), np.broadcast_to(np.eye(3), seg.rotation.shape), atol=1e-9)


def test_standing_period_is_the_calibration_pose(run):
    n = int(3.0 * RATE)
    for side in ("left", "right"):
        for seg in ("shank", "foot"):
            tr = run.segments[f"{side}_{seg}"]
            np.testing.assert_allclose(tr.rotation[:n], np.broadcast_to(np.eye(3), (n, 3, 3)), atol=1e-12)
            np.testing.assert_allclose(tr.position_m[:n], tr.position_m[0][None, :].repeat(n, 0), atol=1e-12)
            z = tr.position_m[0, 2]
            assert z == pytest.approx(-0.09 if side == "left" else 0.09)
        np.testing.assert_allclose(run.truth.angles_rad[side][:n], 0.0, atol=1e-12)
    assert min(e.t for e in run.truth.events) > 4.0


@pytest.mark.parametrize("speed", [3.0, 4.5])
def test_foot_swing_angular_velocity_and_ankle_range_are_in_published_ranges(speed):
    m = _run(seed=5, speed_mps=speed, cadence_spm=170 + 5 * (speed - 3))
    strides = _steady(m.truth.strides)
    foot = m.segments["right_foot"]
    w = body_angular_velocity(foot.rotation, RATE)[:, 2]
    dorsi = np.degrees(m.truth.angles_rad["right"][:, 0])
    peaks, df_max, rom = [], [], []
    for s in (s for s in strides if s.side == "right"):
        i0, i1, i2 = (int(round(x * RATE)) for x in (s.ic_t, s.to_t, s.end_t))
        peaks.append(w[i1:i2].max())
        df_max.append(dorsi[i0:i1].max())
        rom.append(dorsi[i0:i2].max() - dorsi[i0:i2].min())
    # Falbriard et al. 2018 / brief: ~12-20 rad/s at 3-5 m/s
    assert 11.0 < np.median(peaks) < 20.0
    # Novacheck 1998: stance peak dorsiflexion ~15-25 deg; sagittal ROM ~ 35-50 deg
    assert 15.0 < np.median(df_max) < 27.0
    assert 35.0 < np.median(rom) < 55.0


def test_cadence_and_contact_time(run_strike):
    strides = _steady(run_strike.truth.strides)
    stride_s = np.array([s.end_t - s.ic_t for s in strides])
    cadence = 120.0 / stride_s.mean()
    assert cadence == pytest.approx(180.0, rel=0.02)
    ct = np.array([s.contact_time_s for s in strides])
    assert 0.17 < ct.mean() < 0.25
    assert ct.mean() == pytest.approx(contact_time_for_speed(4.5), abs=0.01)


def test_contact_time_falls_with_speed():
    assert 0.2 < contact_time_for_speed(3.0) < 0.3
    assert contact_time_for_speed(5.5) < contact_time_for_speed(4.0) < contact_time_for_speed(2.5)


def test_tibial_impact_acceleration_in_published_range():
    m = _run(seed=2, speed_mps=4.5)
    shank = m.segments["right_shank"]
    point = shank.position_m + shank.rotation @ np.array([0.0, 0.12, 0.0])
    a = np.gradient(np.gradient(point, 1 / RATE, axis=0), 1 / RATE, axis=0)
    axial = np.einsum("nji,nj->ni", shank.rotation, a)[:, 1]
    peaks = [
        np.abs(axial[int(s.ic_t * RATE) : int(s.ic_t * RATE) + 60]).max() / 9.80665
        for s in _steady(m.truth.strides)
        if s.side == "right"
    ]
    # Lafortune 1991 / Mercer et al. 2003: ~5-12 g peak tibial acceleration in running
    assert 4.0 < np.median(peaks) < 12.0


def test_deterministic_for_the_same_seed():
    a = make_running(RunningParams(), 12.0, 200.0, np.random.default_rng(7))
    b = make_running(RunningParams(), 12.0, 200.0, np.random.default_rng(7))
    c = make_running(RunningParams(), 12.0, 200.0, np.random.default_rng(8))
    for k in a.segments:
        np.testing.assert_array_equal(a.segments[k].rotation, b.segments[k].rotation)
        np.testing.assert_array_equal(a.segments[k].position_m, b.segments[k].position_m)
    assert a.truth.strides == b.truth.strides
    assert not np.array_equal(a.segments["left_foot"].position_m, c.segments["left_foot"].position_m)


def test_fatigue_drift_reduces_plantarflexion_at_to():
    m = make_running(
        RunningParams(fatigue_drift_right_deg_per_h=360.0, to_angle_sd_deg=0.5), 60.0, 200.0, np.random.default_rng(1)
    )
    right = [s for s in _steady(m.truth.strides) if s.side == "right"]
    early = np.mean([s.ankle_angle_at_to_deg for s in right[:10]])
    late = np.mean([s.ankle_angle_at_to_deg for s in right[-10:]])
    assert late - early == pytest.approx(360.0 * (right[-5].to_t - right[5].to_t) / 3600.0, abs=1.0)


def test_invalid_parameters_are_rejected():
    with pytest.raises(ValueError):
        RunningParams(strike="heel")
    with pytest.raises(ValueError):
        RunningParams(standing_s=1.0)
    assert math.isfinite(RunningParams().speed_mps)
