"""Simulated taps: a scenario's ``[[taps]]`` jolt one sensor's accelerometer along its case's face
normal, and TapIdentifier, fed the simulated notifications, names the sensors tapped in turn."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from anklet.errors import ValidationError
from anklet.geometry import GRAVITY_MPS2
from anklet.sim import load_scenario, simulate
from anklet.sim._imu import random_mounting, shoe_side_mounting
from anklet.sim._tap import parse_taps
from anklet.transport import TapIdentifier

SENSORS = ("left_shank", "left_foot", "right_shank", "right_foot")
SERIAL_OF = {"left_shank": "AK000007", "left_foot": "AK000003", "right_shank": "AK000011", "right_foot": "AK000005"}


def test_a_tap_jolts_only_its_sensors_accelerometer_into_the_limb():
    scenario = load_scenario("tap_roles")
    tapped = simulate(scenario, seed=2)
    untouched = simulate(dataclasses.replace(scenario, taps=()), seed=2)
    for name in SENSORS:
        with_taps, without = tapped.sensors[name].samples, untouched.sensors[name].samples
        np.testing.assert_array_equal(with_taps.gyr, without.gyr)
        jolt = with_taps.acc - without.acc
        times = [tap.t_s for tap in scenario.taps if tap.sensor == name]
        during = np.zeros(len(jolt), dtype=bool)
        for t_s in times:
            during |= (with_taps.t > t_s - 0.003) & (with_taps.t < t_s + 0.153)  # the cubic reaches 2 ms
        assert np.all(jolt[~during] == 0.0), name  # the others' taps and the quiet in between
        for t_s in times:
            near = (with_taps.t >= t_s) & (with_taps.t < t_s + 0.15)
            peak = jolt[near][np.argmax(np.linalg.norm(jolt[near], axis=1))]
            assert 4.0 * GRAVITY_MPS2 < np.linalg.norm(peak) < 6.5 * GRAVITY_MPS2, (name, t_s)
            normal = tapped.sensors[name].mounting.face_normal_sensor()
            assert abs(peak @ normal) / np.linalg.norm(peak) > 0.95  # along the face normal
            above_3g = np.linalg.norm(with_taps.acc[near], axis=1) > 3 * GRAVITY_MPS2
            assert 0 < above_3g.sum() <= 4, (name, t_s)  # at most 20 ms above 3 g at 200 Hz


def test_the_case_face_looks_away_from_the_limb():
    rng = np.random.default_rng(0)
    for _ in range(50):
        shank = random_mounting("shank", rng)
        outward = shank.offset_m * [1.0, 0.0, 1.0]
        assert shank.face_normal @ outward / np.linalg.norm(outward) > np.cos(np.radians(6.0))
        assert random_mounting("foot", rng).face_normal[1] > np.cos(np.radians(29.0))  # on the laces: up
        for side, outward_z in (("left", -1.0), ("right", 1.0)):  # the foot frame's Z points right
            assert outward_z * shoe_side_mounting(side, rng).face_normal[2] > np.cos(np.radians(19.0))
    for mounting in (shank, random_mounting("foot", rng)):
        np.testing.assert_allclose(np.linalg.norm(mounting.face_normal_sensor()), 1.0)
        np.testing.assert_allclose(mounting.rotation_segment_sensor @ mounting.face_normal_sensor(), mounting.face_normal)


@pytest.mark.parametrize("seed", range(3))
def test_tap_identifier_names_the_tapped_sensors_in_turn(seed):
    session = simulate(load_scenario("tap_roles"), seed=seed)
    identifier = TapIdentifier()
    found = []
    for notification in session.notifications():
        if notification.channel == "data":
            serial = identifier.update(SERIAL_OF[notification.sensor], notification.payload, notification.host_time_s)
            if serial is not None:
                found.append((notification.host_time_s, serial))
    expected = [(tap.t_s, SERIAL_OF[tap.sensor]) for tap in session.scenario.taps]
    assert [serial for _, serial in found] == [serial for _, serial in expected]
    for (decided_s, _), (tap_s, _) in zip(found, expected, strict=True):
        assert tap_s + 0.3 <= decided_s <= tap_s + 0.45


def test_a_scenario_cut_before_a_tap_leaves_it_out():
    session = simulate(load_scenario("tap_roles"), seed=0, duration_s=5.0)
    magnitude = np.linalg.norm(session.sensors["left_foot"].samples.acc, axis=1)
    assert magnitude.max() < 1.5 * GRAVITY_MPS2  # its tap at 6 s never came


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        ([{"t_s": 2.0, "sensor": "left_knee"}], "[[taps]] entry 1 taps 'left_knee', which is not among the sensors"),
        ([{"t_s": 2.0, "sensor": "left_foot"}, {"t_s": 30.0, "sensor": "left_foot"}],
         "[[taps]] entry 2 at 30 s is outside the session (0 to 11.85 s)"),
        ([{"t_s": -1.0, "sensor": "left_foot"}], "[[taps]] entry 1 at -1 s is outside the session"),
        ([{"t_s": 2.0}], "[[taps]] entry 1 must give t_s and sensor"),
        ([{"t_s": 2.0, "sensor": "left_foot", "force_n": 3}], "[[taps]] entry 1 must give t_s and sensor"),
        ([{"t_s": "2", "sensor": "left_foot"}], "[[taps]] entry 1: t_s, peak_g and contact_s must be numbers"),
        ([{"t_s": 2.0, "sensor": "left_foot", "peak_g": 0.5}], "[[taps]] entry 1: peak_g must be above 1"),
        ({"t_s": 2.0, "sensor": "left_foot"}, "taps must be a list of [[taps]] entries"),
    ],
)
def test_a_bad_tap_entry_is_refused_in_one_sentence(entries, says):
    with pytest.raises(ValidationError) as refused:
        parse_taps(entries, SENSORS, 12.0)
    assert str(refused.value).startswith(says)
    assert "\n" not in str(refused.value)


def test_a_scenario_file_with_a_bad_tap_is_refused(tmp_path):
    path = tmp_path / "taps.toml"
    path.write_text('[scenario]\nkind = "squat"\nduration_s = 8\nsensors = ["left_foot"]\n\n'
                    '[[taps]]\nt_s = 2.0\nsensor = "right_foot"\n')
    with pytest.raises(ValidationError, match="not among the sensors left_foot"):
        load_scenario(path)


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=True), st.text(max_size=12))


@given(st.one_of(_values, st.lists(st.one_of(_values, st.dictionaries(
    st.sampled_from(["t_s", "sensor", "peak_g", "contact_s", "x"]), st.one_of(_values, st.sampled_from(SENSORS)))))))
def test_parse_taps_refuses_anything_odd_with_a_validation_error(entries):
    try:
        taps = parse_taps(entries, SENSORS, 12.0)
    except ValidationError:
        return
    assert all(0.0 <= tap.t_s <= 12.0 and tap.sensor in SENSORS for tap in taps)
