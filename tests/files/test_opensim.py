"""OpenSim's .mot and OpenSense's quaternion .sto, written by anklet.files and read back by a
strict reader that follows OpenSim's parsing rules (tests/opensim_reader.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from anklet.files import MOT_COORDINATES, opensim_coordinates, write_mot, write_orientations_sto
from opensim_reader import OpenSimFormatError, read_opensim

_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
_cell = st.one_of(_finite, st.just(math.nan))


def _times(n: int) -> np.ndarray:
    return np.arange(n) / 200.0 + 1.5


def test_mot_header_is_storage_version_1_in_degrees(tmp_path):
    t = _times(3)
    rows = write_mot(tmp_path / "a.mot", t, {"ankle_angle_r": np.array([1.0, 2.0, 3.0])})
    assert rows == 3
    lines = (tmp_path / "a.mot").read_text().splitlines()
    assert lines[:7] == [
        "anklet_ankle_angles", "version=1", "nRows=3", "nColumns=2", "inDegrees=yes", "endheader",
        "time\tankle_angle_r",
    ]
    assert lines[7] == "1.500000\t1.0000"


def test_mot_leaves_out_rows_with_a_missing_value_as_opensims_version_1_reader_needs(tmp_path):
    t = _times(4)
    write_mot(tmp_path / "a.mot", t, {"ankle_angle_r": np.array([1.0, np.nan, 3.0, 4.0]),
                                      "ankle_angle_l": np.array([5.0, 6.0, np.nan, 8.0])})
    table = read_opensim(tmp_path / "a.mot")
    assert table.time.tolist() == [t[0], t[3]]
    assert table.values[:, :, 0].tolist() == [[1.0, 5.0], [4.0, 8.0]]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30).flatmap(lambda n: arrays(float, (n, 2), elements=_cell)))
def test_mot_round_trips_through_the_strict_reader(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("mot") / "a.mot"
    t = _times(len(values))
    rows = write_mot(path, t, {"ankle_angle_r": values[:, 0], "subtalar_angle_r": values[:, 1]})
    table = read_opensim(path)
    kept = np.isfinite(values).all(axis=1)
    assert rows == kept.sum() == len(table.time)
    assert table.labels == ["ankle_angle_r", "subtalar_angle_r"]
    np.testing.assert_allclose(table.time, t[kept], atol=5e-7)
    np.testing.assert_allclose(table.values[:, :, 0], values[kept], atol=5e-5, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30).flatmap(lambda n: arrays(float, (n, 2, 4), elements=_cell)))
def test_sto_round_trips_through_the_strict_reader(tmp_path_factory, quats):
    path = tmp_path_factory.mktemp("sto") / "a.sto"
    t = _times(len(quats))
    rows = write_orientations_sto(path, t, {"tibia_r_imu": quats[:, 0], "calcn_r_imu": quats[:, 1]}, 200.0)
    known = np.flatnonzero(np.isfinite(quats).all(axis=(1, 2)))
    if not len(known):
        assert rows == 0
        return
    first = known[0]
    table = read_opensim(path)
    assert rows == len(quats) - first == len(table.time)
    assert table.metadata == {"DataRate": "200.000000", "DataType": "Quaternion", "version": "3",
                              "OpenSimVersion": "4.5"}
    assert table.labels == ["tibia_r_imu", "calcn_r_imu"]
    np.testing.assert_allclose(table.time, t[first:], atol=5e-7)
    # a NaN component is written and read as NaN, every other as the number
    np.testing.assert_allclose(table.values, quats[first:], atol=5e-9, rtol=1e-12, equal_nan=True)


def test_sto_starts_at_the_first_row_where_every_orientation_is_known(tmp_path):
    quats = np.tile([1.0, 0.0, 0.0, 0.0], (4, 1))
    late = quats.copy()
    late[:2] = np.nan
    late[3] = np.nan
    write_orientations_sto(tmp_path / "a.sto", _times(4), {"tibia_l_imu": quats, "calcn_l_imu": late}, 200.0)
    text = (tmp_path / "a.sto").read_text()
    assert "\tnan,nan,nan,nan\n" in text
    table = read_opensim(tmp_path / "a.sto")
    assert table.time.tolist() == _times(4)[2:].tolist()
    assert np.isnan(table.values[1, 1]).all() and (table.values[0] == [1, 0, 0, 0]).all()


def test_opensim_coordinates_are_degrees_of_dorsiflexion_and_inversion_right_leg_first():
    angles = {"left": np.radians([[10.0, -5.0, 3.0]]), "right": np.radians([[-20.0, 4.0, 1.0]])}
    columns = opensim_coordinates(angles)
    assert list(columns) == [*MOT_COORDINATES["right"], *MOT_COORDINATES["left"]]
    assert {name: round(float(value[0]), 6) for name, value in columns.items()} == {
        "ankle_angle_r": -20.0, "subtalar_angle_r": 4.0, "ankle_angle_l": 10.0, "subtalar_angle_l": -5.0,
    }
    assert list(opensim_coordinates({"left": angles["left"]})) == ["ankle_angle_l", "subtalar_angle_l"]


@pytest.mark.parametrize("text, complaint", [
    ("DataType=Quaternion\nversion=3\ntime\ta_imu\n0\t1,0,0,0\n", "endheader"),
    ("version=3\nendheader\ntime\ta\n0.5\t1\n0.5\t2\n", "strictly increasing"),
    ("version=3\nendheader\ntime\ta\n0\t1\t2\n", "cells"),
    ("DataType=Quaternion\nversion=3\nendheader\ntime\ta_imu\n0\t1,0,0\n", "component"),
    ("name\nversion=1\nnRows=2\nnColumns=2\ninDegrees=yes\nendheader\ntime\ta\n0\t1\n", "nRows"),
    ("name\nversion=1\nnRows=1\nnColumns=2\ninDegrees=yes\nendheader\ntime\ta\n0\tnan\n", "NaN"),
    ("version=3\nendheader\ntime\ta\n0\t1x\n", "not a number"),
    ("version=3\n0 1 2\nendheader\ntime\ta\n0\t1\n", "data before endheader"),
])
def test_the_strict_reader_refuses_what_opensim_would(tmp_path, text, complaint):
    """The reader is only worth its round trips if it fails files OpenSim fails."""
    (tmp_path / "bad.sto").write_text(text)
    with pytest.raises(OpenSimFormatError, match=complaint):
        read_opensim(tmp_path / "bad.sto")
