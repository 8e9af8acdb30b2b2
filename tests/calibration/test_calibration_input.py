"""Calibration refuses data it cannot use with one sentence, and finds the axes when it can."""

import numpy as np
import pytest

from anklet.calibration import CalibrationParams, StandingParams, calibrate, check_units, find_standing
from anklet.errors import ValidationError
from anklet.geometry import GRAVITY_MPS2
from anklet.sim import load_scenario, simulate


@pytest.fixture(scope="module")
def squats():
    session = simulate(load_scenario("squats"), seed=5, duration_s=30.0)
    return session, session.imu_table()


def _calibrate(table, acc=None, gyr=None):
    return calibrate(acc or table.acc, gyr or table.gyr, 200.0, CalibrationParams())


def test_accelerometer_in_g_is_named(squats):
    _, table = squats
    acc = {name: values / GRAVITY_MPS2 if name == "left_foot" else values for name, values in table.acc.items()}
    with pytest.raises(ValidationError, match="left_foot accelerometer .* g, not m/s²"):
        _calibrate(table, acc=acc)


def test_gyroscope_in_degrees_is_named(squats):
    _, table = squats
    gyr = {name: np.degrees(values) if name == "right_shank" else values for name, values in table.gyr.items()}
    with pytest.raises(ValidationError, match="right_shank gyroscope .* deg/s, not rad/s"):
        _calibrate(table, gyr=gyr)


def test_units_wait_for_a_sensor_that_has_only_just_started(squats):
    """Live, the units are checked on the first half second held: a sensor whose stream began
    0.3 s later has no full window yet, and must not be judged (it read "nan at rest")."""
    _, table = squats
    early = slice(0, 100)  # 0.5 s at 200 Hz
    late_start = {name: values[early].copy() for name, values in table.acc.items()}
    late_start["right_foot"][:60] = np.nan
    late_gyr = {name: values[early].copy() for name, values in table.gyr.items()}
    late_gyr["right_foot"][:] = np.nan
    check_units(late_start, late_gyr, 200.0)
    in_g = dict(late_start, left_foot=late_start["left_foot"] / GRAVITY_MPS2)
    with pytest.raises(ValidationError, match="left_foot accelerometer .* g, not m/s²"):
        check_units(in_g, late_gyr, 200.0)


def test_a_recording_without_standing_is_refused(squats):
    _, table = squats
    moving = table.t > 6.0  # the squats begin after about 4 s of standing
    acc = {name: values[moving] for name, values in table.acc.items()}
    gyr = {name: values[moving] for name, values in table.gyr.items()}
    with pytest.raises(ValidationError, match="no quiet standing period"):
        _calibrate(table, acc=acc, gyr=gyr)


def test_a_leg_needs_both_sensors(squats):
    _, table = squats
    acc = {name: table.acc[name] for name in ("left_shank", "right_foot")}
    gyr = {name: table.gyr[name] for name in ("left_shank", "right_foot")}
    with pytest.raises(ValidationError, match="no leg has both a shank and a foot sensor"):
        _calibrate(table, acc=acc, gyr=gyr)


def test_squat_shank_axes_match_the_true_mounting(squats):
    session, table = squats
    calibration = _calibrate(table)
    for side, leg in calibration.legs.items():
        true = session.sensors[f"{side}_shank"].mounting.rotation_segment_sensor.T  # sensor<-segment
        cosines = np.einsum("ij,ij->j", leg.shank, true)
        assert np.degrees(np.arccos(np.clip(cosines, -1, 1))).max() < 5.0
        vertical_foot = session.sensors[f"{side}_foot"].mounting.rotation_segment_sensor.T[:, 1]
        assert np.degrees(np.arccos(leg.foot[:, 1] @ vertical_foot)) < 3.0
        assert not leg.foot_axis_from_motion  # feet stay flat in a squat


def test_standing_survives_a_burst_of_lost_samples():
    """A 150 ms BLE burst in the middle of standing must not cut it into pieces too short to
    count; a stretch that is mostly lost does not count as standing."""

    session = simulate(load_scenario("squats"), seed=0, duration_s=20)
    table, rate = session.imu_table(), session.sample_rate_hz
    acc = {name: values.copy() for name, values in table.acc.items()}
    gyr = {name: values.copy() for name, values in table.gyr.items()}
    first_stop = find_standing(acc, gyr, rate, StandingParams(min_duration_s=2.5)).stop
    for name in acc:  # lose 150 ms every 0.9 s across the standing period
        for start in np.arange(0.5, 3.5, 0.9):
            rows = slice(round(start * rate), round((start + 0.15) * rate))
            acc[name][rows] = np.nan
            gyr[name][rows] = np.nan
    standing = find_standing(acc, gyr, rate, StandingParams(min_duration_s=2.5))
    assert standing.start <= round(0.1 * rate) and abs(standing.stop - first_stop) <= 2
    for name in acc:  # now lose most of it
        acc[name][: round(4 * rate)] = np.nan
    with pytest.raises(ValidationError, match="no quiet standing period"):
        find_standing(acc, gyr, rate, StandingParams(min_duration_s=2.5, search_s=3.0))
