"""Overground walking motion model: physical consistency, the normative walking figures it is
built from, gait initiation, stops, turns, and the side-of-the-shoe mounting."""

import math

import numpy as np
import pytest

from anklet.geometry import FootGeometry, body_angular_velocity
from anklet.sim import load_scenario, simulate
from anklet.sim._imu import shoe_side_mounting
from anklet.sim._walking import WalkingParams, cadence_for_walking_speed, make_walking

RATE = 1000.0
GEO = FootGeometry.for_body(1.75)


@pytest.fixture(scope="module", params=[1.0, 1.8])
def walk(request):
    return request.param, make_walking(WalkingParams(speed_mps=request.param), 30.0, RATE, np.random.default_rng(1))


@pytest.fixture(scope="module")
def hallway():
    """Straights of 6 m, each ending in a 180 deg turn of six steps and a stop of 1.5 s."""
    params = WalkingParams(speed_mps=1.3, straight_m=6.0, turn_deg=180.0, turn_steps=6, stop_s=1.5)
    return make_walking(params, 45.0, RATE, np.random.default_rng(2))


def _times(motion, side, event, after=0.0):
    return np.array([e.t for e in motion.truth.events if e.side == side and e.event == event and e.t > after])


def _rows(times):
    return np.round(np.asarray(times) * RATE).astype(int)


def test_shank_and_foot_share_the_ankle_centre(walk):
    _, m = walk
    for side in ("left", "right"):
        np.testing.assert_array_equal(m.segments[f"{side}_shank"].position_m, m.segments[f"{side}_foot"].position_m)


def test_cadence_speed_and_double_support_follow_the_walking_speed(walk):
    speed, m = walk
    strides = [s for s in m.truth.strides if s.ic_t > 8.0]
    stride_s = np.median([s.end_t - s.ic_t for s in strides])
    assert 120.0 / stride_s == pytest.approx(cadence_for_walking_speed(speed), rel=0.02)
    stance = np.median([s.contact_time_s for s in strides]) / stride_s
    assert 0.57 < stance < 0.63  # Perry & Burnfield: about 60 % at 1.4 m/s, less when faster
    ics = _times(m, "left", "IC", after=8.0)
    ankle_x = m.segments["left_foot"].position_m[_rows(ics), 0]
    assert (ankle_x[-1] - ankle_x[0]) / (ics[-1] - ics[0]) == pytest.approx(speed, rel=0.03)
    # double support: each foot leaves only after the other has struck
    for side, other in (("left", "right"), ("right", "left")):
        for to in _times(m, side, "TO", after=8.0)[:-1]:
            last_other_ic = _times(m, other, "IC")[_times(m, other, "IC") < to].max()
            last_own_ic = _times(m, side, "IC")[_times(m, side, "IC") < to].max()
            assert last_own_ic < last_other_ic < to


def test_the_foot_rests_on_the_floor_in_mid_stance(walk):
    _, m = walk
    for side in ("left", "right"):
        foot = m.segments[f"{side}_foot"]
        window = (_rows(_times(m, side, "MS", after=8.0))[:, None] + np.arange(-20, 21)[None, :]).ravel()
        velocity = np.gradient(foot.position_m, 1 / RATE, axis=0)
        assert np.abs(velocity[window]).max() < 1e-3
        assert np.linalg.norm(body_angular_velocity(foot.rotation, RATE)[window], axis=1).max() < 1e-3


def test_heel_and_ball_stay_on_or_above_the_floor_and_the_toe_clears_it_from_mid_swing(walk):
    _, m = walk
    for side in ("left", "right"):
        foot = m.segments[f"{side}_foot"]
        height = {name: foot.position_m[:, 1] + (foot.rotation @ point)[:, 1] for name, point in
                  (("heel", GEO.heel), ("ball", GEO.ball), ("toe", GEO.toe))}
        assert min(height["heel"].min(), height["ball"].min()) > -1e-4
        tos, ics = _times(m, side, "TO", after=8.0), _times(m, side, "IC", after=8.0)
        for to in tos[:-1]:
            ic = ics[ics > to][0]
            late_swing = slice(int((to + 0.5 * (ic - to)) * RATE), int(ic * RATE))
            assert height["toe"][late_swing].min() > 0.005  # Winter 1992: 1.3 cm at mid-swing


def test_heel_strike_and_ankle_angles_follow_the_normative_walking_curves(walk):
    speed, m = walk
    for side in ("left", "right"):
        foot = m.segments[f"{side}_foot"]
        ics = _rows(_times(m, side, "IC", after=8.0))
        heel = foot.position_m + foot.rotation @ GEO.heel
        heel_velocity = np.gradient(heel, 1 / RATE, axis=0)[ics]
        assert np.median(heel_velocity[:, 0]) == pytest.approx(0.87 * speed / 1.4, rel=0.05)  # Winter 1992
        assert np.abs(heel_velocity[:, 1]).max() < 0.1  # "negligible vertically"
        pitch = np.degrees(np.arctan2(foot.rotation[ics, 1, 0], foot.rotation[ics, 0, 0]))
        assert 12.0 < np.median(pitch) < 28.0  # the foot strikes heel first, toes up
        dorsi = np.degrees(m.truth.angles_rad[side][8000:, 0])
        assert 8.0 < dorsi.max() < 12.0  # peak dorsiflexion in terminal stance (Winter: about 10)
        assert -26.0 < dorsi.min() < -16.0  # peak plantarflexion just after toe-off (about -20)
        to_deg = [s.ankle_angle_at_to_deg for s in m.truth.strides if s.side == side]
        assert -19.0 < np.median(to_deg) < -11.0
        swing_rate = np.linalg.norm(body_angular_velocity(foot.rotation, RATE), axis=1)
        assert 6.0 < swing_rate.max() < 12.0  # foot turning in mid-swing, rad/s


def test_stops_stand_both_feet_still_and_walks_start_again_from_standing(hallway):
    m = hallway
    events = {side: {kind: _times(m, side, kind) for kind in ("IC", "TO")} for side in ("left", "right")}
    first_ic = min(events[s]["IC"][0] for s in ("left", "right"))
    last_ic = max(events[s]["IC"][-1] for s in ("left", "right"))
    # a stop: no foot leaves the floor for more than a second while the walk goes on around it
    all_events = np.sort(np.concatenate([events[s][k] for s in events for k in ("IC", "TO")]))
    inside = all_events[(all_events > first_ic) & (all_events < last_ic)]
    pauses = np.flatnonzero(np.diff(inside) > 1.2)
    assert len(pauses) >= 2
    for pause in pauses:
        still_from, still_to = inside[pause] + 0.6, inside[pause + 1] - 0.35  # heel-off precedes TO
        rows = slice(int(still_from * RATE), int(still_to * RATE))
        for side in ("left", "right"):
            foot = m.segments[f"{side}_foot"]
            assert np.linalg.norm(body_angular_velocity(foot.rotation, RATE)[rows], axis=1).max() < 1e-3
            assert np.abs(np.degrees(m.truth.angles_rad[side][rows])).max() < 0.01  # quiet standing pose
    # no truth stride spans a stop
    assert max(s.end_t - s.ic_t for s in m.truth.strides) < 1.6


def test_turns_change_the_heading_in_swing_only(hallway):
    m = hallway
    for side in ("left", "right"):
        rotation = m.segments[f"{side}_foot"].rotation
        heading = np.unwrap(np.arctan2(-rotation[:, 2, 0], rotation[:, 0, 0]))  # foot X projected on the floor
        assert np.degrees(np.abs(heading).max()) == pytest.approx(180.0, abs=1.0)
        for ms in _rows(_times(m, side, "MS")):
            np.testing.assert_allclose(heading[ms - 50 : ms + 50], heading[ms], atol=1e-9)
    # the walker comes back: the turn takes the path round by half a circle
    x = m.segments["left_foot"].position_m[:, 0]
    assert x.max() > 5.0 and x[-1] < x.max() - 3.0


def test_a_seed_fixes_the_walk():
    params = WalkingParams(straight_m=5.0, turn_deg=90.0, stop_s=1.0)
    a, b = (make_walking(params, 15.0, 200.0, np.random.default_rng(5)) for _ in range(2))
    np.testing.assert_array_equal(a.segments["left_foot"].position_m, b.segments["left_foot"].position_m)
    assert a.truth.events == b.truth.events


def test_invalid_walking_parameters_are_rejected():
    for bad in ({"speed_mps": 4.0}, {"standing_s": 1.0}, {"turn_steps": 1}, {"stop_s": -1.0}, {"first_side": "up"}):
        with pytest.raises(ValueError):
            WalkingParams(**bad)


def test_the_side_of_the_shoe_mounting_faces_outward_beside_the_foot():
    rng = np.random.default_rng(3)
    for side, outward in (("left", -1.0), ("right", 1.0)):
        for _ in range(20):
            mounting = shoe_side_mounting(side, rng)
            assert 0.05 <= outward * mounting.offset_m[2] <= 0.07
            assert -0.05 <= mounting.offset_m[1] <= -0.02
            # some chip axis points outward within the case's tilt (its face normal, any assignment)
            lateral = np.abs(mounting.rotation_segment_sensor[2])
            assert lateral.max() > math.cos(math.radians(20.0))


def test_the_hallway_scenario_puts_the_foot_sensors_on_the_side_of_the_shoe():
    session = simulate(load_scenario("walking_hallway"), seed=1, duration_s=8.0)
    for side, outward in (("left", -1.0), ("right", 1.0)):
        assert outward * session.sensors[f"{side}_foot"].mounting.offset_m[2] >= 0.05
        assert abs(session.sensors[f"{side}_shank"].mounting.offset_m[1]) >= 0.10  # the shank's stay random
    assert {e.event for e in session.motion.truth.events} == {"IC", "TO", "MS"}
