"""Calibration refuses sensors that look swapped, in one sentence that says what to do, and
asks only the rules that hold for the activity it is told."""

import pytest

from anklet.calibration import CalibrationParams, calibrate
from anklet.errors import ValidationError
from anklet.sim import load_scenario, simulate

SWAP_ADVICE = "; swap the two sensors' names in the session config (or the CSV's column names) and start again"


@pytest.fixture(scope="module")
def run():
    return simulate(load_scenario("easy_run"), seed=1, duration_s=30.0).imu_table()


def _calibrate(table, swaps: dict[str, str], activity: str | None):
    names = {**swaps, **{b: a for a, b in swaps.items()}}
    return calibrate(
        {names.get(n, n): a for n, a in table.acc.items()},
        {names.get(n, n): g for n, g in table.gyr.items()},
        200.0,
        CalibrationParams(activity=activity),
    )


@pytest.mark.parametrize("activity", [None, "running"])
def test_sensors_where_they_belong_calibrate(run, activity):
    assert set(_calibrate(run, {}, activity).legs) == {"left", "right"}


@pytest.mark.parametrize("activity", [None, "running"])
def test_a_shank_swapped_with_its_foot_is_refused(run, activity):
    with pytest.raises(ValidationError) as refusal:
        _calibrate(run, {"right_shank": "right_foot"}, activity)
    sentence = str(refusal.value)
    assert sentence.startswith("right_shank and right_foot look swapped: the right_shank sensor holds still ")
    assert sentence.endswith(SWAP_ADVICE) and "\n" not in sentence


def test_feet_crossed_between_the_legs_are_refused_when_running(run):
    with pytest.raises(ValidationError, match=r"^left_foot and right_foot \(or left_shank and right_shank\) look swapped: "
                       r"each shank moves with the other leg's foot .*; swap the two sensors' names"):
        _calibrate(run, {"left_foot": "right_foot"}, "running")


def test_a_crossing_is_not_asked_when_the_activity_is_not_known(run):
    """Left/right is asked only in gait: a squat moves both legs together."""
    assert set(_calibrate(run, {"left_foot": "right_foot"}, None).legs) == {"left", "right"}
