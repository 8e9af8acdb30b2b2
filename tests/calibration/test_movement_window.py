"""The movement window the axes are found from: 20 s after standing when every leg moves by
then (running and squats calibrate on the same rows as always), longer while a leg has not
moved yet (the knee-to-wall test does one side, then the other), at most 60 s. A leg that never
moves enough is left out with one sentence, and the other leg still calibrates."""

import numpy as np
import pytest

from anklet.calibration import CalibrationParams, calibrate, find_standing, movement_window
from anklet.errors import ValidationError
from anklet.pipeline import angles_from_table
from anklet.sim import load_scenario, simulate

RATE_HZ = 200.0
PARAMS = CalibrationParams()


def _calibrate(table):
    return calibrate(table.acc, table.gyr, RATE_HZ, PARAMS)


@pytest.fixture(scope="module")
def knee_to_wall():
    session = simulate(load_scenario("knee_to_wall"), seed=0)
    return session, session.imu_table()


@pytest.mark.parametrize("name", ["easy_run", "squats"])
def test_legs_that_move_at_once_keep_the_20_s_window(name):
    calibration = _calibrate(simulate(load_scenario(name), seed=0, duration_s=30).imu_table())
    assert calibration.window == slice(calibration.standing.stop, calibration.standing.stop + round(20 * RATE_HZ))
    assert set(calibration.legs) == {"left", "right"} and calibration.legs_left_out == {}


def test_the_window_waits_for_the_leg_tested_second(knee_to_wall):
    """The right leg only steps back (0.5 s of shank movement) until its own test: the window
    ends within its first attempt (1.5 s down, 2.5 s hold, 1.5 s up)."""
    session, table = knee_to_wall
    calibration = _calibrate(table)
    first_right = min(rep.start_t for rep in session.motion.truth.reps if rep.side == "right")
    assert first_right < calibration.window.stop / RATE_HZ < first_right + 6.0
    assert set(calibration.legs) == {"left", "right"} and calibration.legs_left_out == {}


def test_the_window_end_depends_on_the_samples_alone(knee_to_wall):
    """However far a stream has got, the end is unknown until the samples reach it, and then
    it is the end a whole file gives."""
    _, table = knee_to_wall
    standing = find_standing(table.acc, table.gyr, RATE_HZ, PARAMS.standing)
    whole = movement_window(table.gyr, standing, RATE_HZ, PARAMS)
    for stop in range(standing.stop + 1, len(table.t), 397):
        part = movement_window({name: g[:stop] for name, g in table.gyr.items()}, standing, RATE_HZ, PARAMS)
        assert part == (whole if stop >= whole.stop else None)


@pytest.fixture(scope="module")
def right_leg_still():
    """Squats for 70 s whose right leg stands still all along (its standing samples repeated)."""
    session = simulate(load_scenario("squats"), seed=0, duration_s=70)
    table = session.imu_table()
    standing = round(3.0 * RATE_HZ)
    for name in ("right_shank", "right_foot"):
        for values in (table.acc[name], table.gyr[name]):
            values[:] = np.resize(values[:standing], values.shape)
    return session, table


def test_a_leg_that_never_moves_is_left_out_after_60_s(right_leg_still):
    _, table = right_leg_still
    calibration = _calibrate(table)
    assert calibration.window.stop - calibration.window.start == round(60 * RATE_HZ)
    assert list(calibration.legs) == ["left"] and list(calibration.quality) == ["left"]
    assert calibration.legs_left_out == {
        "right": "too little movement to find the right ankle axis (0.0 s of shank movement in the 60 s after "
        "standing, 2 s needed), so the right leg has no angles"
    }
    assert calibration.to_json()["legs_left_out"] == calibration.legs_left_out


def test_the_leg_that_moves_still_gets_its_angles(right_leg_still):
    session, table = right_leg_still
    chunk, calibration = angles_from_table(table, RATE_HZ)
    assert list(chunk.angles) == ["left"] and "right" in calibration.legs_left_out
    scored = chunk.t > 5.0
    truth = np.interp(chunk.t[scored], session.motion.t, session.motion.truth.angles_rad["left"][:, 0])
    assert np.degrees(np.sqrt(np.nanmean((chunk.angles["left"][scored, 0] - truth) ** 2))) <= 2.0


def test_no_leg_moving_is_one_sentence(knee_to_wall):
    _, table = knee_to_wall
    still = round(4.0 * RATE_HZ)  # the standing period and nothing after it
    with pytest.raises(ValidationError, match=r"^too little movement to find the ankle axis: 0\.0 s of left shank "
                       r"movement and 0\.0 s of right shank movement in the 0 s after standing, 2 s needed$"):
        calibrate({n: a[:still] for n, a in table.acc.items()}, {n: g[:still] for n, g in table.gyr.items()},
                  RATE_HZ, PARAMS)
