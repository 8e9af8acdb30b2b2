"""Sensors that look swapped, on simulated sessions with roles swapped on purpose."""

import numpy as np
import pytest

from anklet.sim import load_scenario, simulate
from anklet.calibration import StandingParams, find_standing, suspected_swaps

DURATION_S = 25


@pytest.fixture(scope="module")
def tables():
    """Each activity's IMU table (standing, then the movement), as the host holds it."""
    sessions = {
        name: simulate(load_scenario(name), seed=3, duration_s=DURATION_S)
        for name in ("easy_run", "fast_forefoot", "walking", "squats", "knee_to_wall", "tall_kneeling")
    }
    return {name: (session.imu_table(), session.scenario.kind) for name, session in sessions.items()}


def _relabelled(tables, activity: str, swaps: dict[str, str]):
    """``activity``'s ``acc``, ``gyr`` and quiet-standing ``acc`` with the sensors of each pair in
    ``swaps`` under each other's names, and its kind."""
    table, kind = tables[activity]
    names = {**swaps, **{b: a for a, b in swaps.items()}}
    acc = {names.get(n, n): a for n, a in table.acc.items()}
    gyr = {names.get(n, n): g for n, g in table.gyr.items()}
    standing = find_standing(acc, gyr, 200.0, StandingParams())
    return acc, gyr, {n: a[standing].mean(axis=0) for n, a in acc.items()}, kind


@pytest.mark.parametrize("activity", ["easy_run", "fast_forefoot", "walking", "squats", "knee_to_wall", "tall_kneeling"])
def test_sensors_where_they_belong_raise_nothing(tables, activity):
    acc, gyr, upright, kind = _relabelled(tables, activity, {})
    assert suspected_swaps(acc, gyr, 200.0, upright, kind) == []
    assert suspected_swaps(acc, gyr, 200.0, upright) == []  # the activity not known


@pytest.mark.parametrize("activity", ["easy_run", "fast_forefoot", "walking", "squats"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_shank_swapped_with_its_foot_is_named(tables, activity, side):
    acc, gyr, upright, kind = _relabelled(tables, activity, {f"{side}_shank": f"{side}_foot"})
    (finding,) = suspected_swaps(acc, gyr, 200.0, upright, kind)
    assert finding.startswith(f"{side}_shank and {side}_foot look swapped")
    assert "\n" not in finding


@pytest.mark.parametrize("activity", ["easy_run", "fast_forefoot", "walking"])
@pytest.mark.parametrize("pair", [("left_foot", "right_foot"), ("left_shank", "right_shank")])
def test_sensors_crossed_between_the_legs_are_named_in_gait(tables, activity, pair):
    acc, gyr, upright, kind = _relabelled(tables, activity, dict([pair]))
    (finding,) = suspected_swaps(acc, gyr, 200.0, upright, kind)
    assert finding.startswith("left_foot and right_foot (or left_shank and right_shank) look swapped")


def test_a_crossing_outside_gait_is_not_guessed(tables):
    acc, gyr, upright, kind = _relabelled(tables, "squats", {"left_foot": "right_foot"})
    assert suspected_swaps(acc, gyr, 200.0, upright, kind) == []


def test_kneeling_asks_no_shank_or_foot_question(tables):
    acc, gyr, upright, kind = _relabelled(tables, "tall_kneeling", {"left_shank": "left_foot"})
    assert suspected_swaps(acc, gyr, 200.0, upright, kind) == []


def test_a_shank_resting_on_the_floor_is_not_upright(tables):
    """Kneeling with the activity not known: the shanks lie still on the floor, but not upright
    as in standing, so they are not taken for feet. Taking their kneeling pose for upright
    shows what the upright test prevents."""
    acc, gyr, upright, _ = _relabelled(tables, "tall_kneeling", {})
    assert suspected_swaps(acc, gyr, 200.0, upright, None) == []
    kneeling = {n: np.nanmedian(a[len(a) // 2 :], axis=0) for n, a in acc.items()}
    assert len(suspected_swaps(acc, gyr, 200.0, {**upright, "left_shank": kneeling["left_shank"]}, None)) == 1


def test_too_little_data_says_nothing(tables):
    acc, gyr, upright, _ = _relabelled(tables, "easy_run", {"left_shank": "left_foot"})
    short = slice(0, 200 * 4)
    assert suspected_swaps({n: a[short] for n, a in acc.items()}, {n: g[short] for n, g in gyr.items()}, 200.0, upright) == []


def test_roles_not_present_are_skipped(tables):
    acc, gyr, upright, _ = _relabelled(tables, "walking", {"right_shank": "right_foot"})
    only_right = ["right_shank", "right_foot"]
    assert len(suspected_swaps({n: acc[n] for n in only_right}, {n: gyr[n] for n in only_right}, 200.0, upright)) == 1
    assert suspected_swaps({"left_foot": acc["left_foot"]}, {"left_foot": gyr["left_foot"]}, 200.0, upright) == []
