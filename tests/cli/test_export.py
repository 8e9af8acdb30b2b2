"""``anklet export INPUT --format csv|mot|sto --out DIR``: the same analysis as ``anklet
analyze``, written for other tools; OpenSim's files checked with a strict reader of OpenSim's
rules (tests/opensim_reader.py); bad input is one sentence and exit 1."""

from __future__ import annotations

import numpy as np
import pytest

from anklet.cli import main
from anklet.files import read_imu_csv
from anklet.fusion import quaternion_to_matrix
from anklet.geometry import angles_of_relative_rotation
from anklet.pipeline import table_on_grid
from opensim_reader import read_opensim


@pytest.fixture(scope="module")
def analyzed(run_csv, tmp_path_factory):
    """``anklet analyze`` of the run, to compare the exports with."""
    out = tmp_path_factory.mktemp("analyzed")
    assert main(["analyze", str(run_csv), "--out", str(out)]) == 0
    return out


def _angles(path):
    return np.genfromtxt(path, delimiter=",", names=True)


def test_csv_writes_the_gridded_samples_and_the_results_of_analyze(run_csv, analyzed, tmp_path, capsys):
    assert main(["export", str(run_csv), "--format", "csv", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"exported {run_csv} as csv: imu.csv, angles.csv") and "\n" not in out
    for name in ("angles.csv", "events.csv", "strides.csv"):
        assert (tmp_path / name).read_bytes() == (analyzed / name).read_bytes(), name
    assert not (tmp_path / "reps.csv").exists()  # a run has no reps
    exported, source = read_imu_csv(tmp_path / "imu.csv"), table_on_grid(read_imu_csv(run_csv))[0]
    assert exported.sensors == source.sensors
    np.testing.assert_allclose(exported.t, source.t, atol=1e-6)
    for name in source.sensors:
        np.testing.assert_allclose(exported.gyr[name], source.gyr[name], rtol=1e-5, atol=1e-9)


def test_csv_of_squats_has_their_reps(squats_csv, tmp_path, capsys):
    assert main(["export", str(squats_csv), "--format", "csv", "--out", str(tmp_path)]) == 0
    reps = np.genfromtxt(tmp_path / "reps.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert len(reps) >= 8 and f"reps.csv ({len(reps)} reps)" in capsys.readouterr().out


def test_mot_holds_the_ankle_angles_of_angles_csv(run_csv, analyzed, tmp_path):
    assert main(["export", str(run_csv), "--format", "mot", "--out", str(tmp_path)]) == 0
    mot = read_opensim(tmp_path / "ankle_angles.mot")
    assert mot.metadata["inDegrees"] == "yes"
    assert mot.labels == ["ankle_angle_r", "subtalar_angle_r", "ankle_angle_l", "subtalar_angle_l"]
    angles = _angles(analyzed / "angles.csv")
    rows = np.searchsorted(angles["t"], mot.time)
    assert len(mot.time) > 0.95 * len(angles)
    np.testing.assert_allclose(angles["t"][rows], mot.time, atol=1e-6)
    for index, column in enumerate(("right_dorsiflexion_deg", "right_inversion_deg",
                                    "left_dorsiflexion_deg", "left_inversion_deg")):
        np.testing.assert_allclose(mot.values[:, index, 0], angles[column][rows], atol=1.5e-4)


def test_sto_orientations_are_unit_start_standing_and_reproduce_the_ankle_angles(run_csv, analyzed, tmp_path):
    assert main(["export", str(run_csv), "--format", "sto", "--out", str(tmp_path)]) == 0
    sto = read_opensim(tmp_path / "orientations.sto")
    assert sto.metadata["DataType"] == "Quaternion" and float(sto.metadata["DataRate"]) == 200
    assert sto.labels == ["tibia_r_imu", "calcn_r_imu", "tibia_l_imu", "calcn_l_imu"]
    known = np.isfinite(sto.values).all(axis=2)
    assert known.mean() > 0.95
    np.testing.assert_allclose(np.linalg.norm(sto.values[known], axis=1), 1.0, atol=1e-7)
    # the first row is quiet standing, which the IMU placer registers the model on: every
    # segment upright and facing forward (OpenSim's ground: X forward, Y up)
    np.testing.assert_allclose(quaternion_to_matrix(sto.values[0]), np.tile(np.eye(3), (4, 1, 1)), atol=0.1)
    angles = _angles(analyzed / "angles.csv")
    rows = np.searchsorted(angles["t"], sto.time)
    for side, shank, foot in (("right", 0, 1), ("left", 2, 3)):
        relative = np.swapaxes(quaternion_to_matrix(sto.values[:, shank]), -1, -2) @ quaternion_to_matrix(
            sto.values[:, foot])
        dorsiflexion = np.degrees(angles_of_relative_rotation(relative, side)[:, 0])
        expected = angles[f"{side}_dorsiflexion_deg"][rows]
        both = np.isfinite(dorsiflexion) & np.isfinite(expected)
        np.testing.assert_allclose(dorsiflexion[both], expected[both], atol=1e-3)
        # OpenSim's ankle_angle is dorsiflexion positive: toes up, the foot's forward axis
        # seen from the shank points up
        toes_up = (relative[:, 1, 0] > np.sin(np.radians(10)))[both]
        assert toes_up.any() and (expected[both][toes_up] > 5).all()


def test_a_recording_exports_as_its_csv_would(run_recording, tmp_path):
    assert main(["export", str(run_recording), "--format", "sto", "--out", str(tmp_path)]) == 0
    sto = read_opensim(tmp_path / "orientations.sto")
    assert sto.labels == ["tibia_r_imu", "calcn_r_imu", "tibia_l_imu", "calcn_l_imu"] and sto.time[-1] > 19
    assert np.isfinite(sto.values).all(axis=2).mean() > 0.9


@pytest.mark.parametrize("make, expected", [
    (lambda d: d / "nope.csv", "nope.csv does not exist"),
    (lambda d: (d / "foreign.sto").write_text("DataType=Quaternion\nendheader\ntime\ta\n") and d / "foreign.sto",
     "has no t column"),
    (lambda d: (d / "corrupt.csv").write_bytes(b"t,left_foot_acc_x\x00\xff\xfe") and d / "corrupt.csv", "binary"),
])
def test_bad_input_is_one_sentence(tmp_path, one_sentence, make, expected):
    assert main(["export", str(make(tmp_path)), "--format", "csv", "--out", str(tmp_path / "out")]) == 1
    assert expected in one_sentence()
    assert not (tmp_path / "out").exists()


def test_a_truncated_input_is_one_sentence(run_csv, tmp_path, one_sentence):
    text = run_csv.read_text()
    (tmp_path / "cut.csv").write_text(text[: len(text) // 3])  # cut mid-row, as a crashed writer leaves it
    assert main(["export", str(tmp_path / "cut.csv"), "--format", "mot", "--out", str(tmp_path / "out")]) == 1
    assert "cut.csv line" in one_sentence()


def test_an_unknown_format_is_one_sentence(run_csv, tmp_path, one_sentence):
    assert main(["export", str(run_csv), "--format", "c3d", "--out", str(tmp_path)]) == 1
    assert "--format must be one of csv, mot, sto, not 'c3d'" in one_sentence()


def test_an_unwritable_folder_is_one_sentence(run_csv, tmp_path, one_sentence):
    (tmp_path / "taken").write_text("a file where the folder should go")
    assert main(["export", str(run_csv), "--format", "sto", "--out", str(tmp_path / "taken")]) == 1
    assert f"cannot write the export into {tmp_path / 'taken'}" in one_sentence()


# OpenSim itself (the `opensim` wheel of the test extras, Linux x86-64 only): its readers take
# our files, and OpenSense's inverse kinematics on the .sto gives back our dorsiflexion.
opensim = pytest.importorskip("opensim", reason="OpenSim's Python wheel exists for Linux x86-64 only")
opensim.Logger.removeFileSink()  # no opensim.log in the working folder


@pytest.fixture(scope="module")
def exported(run_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("exported")
    for export_format in ("mot", "sto"):
        assert main(["export", str(run_csv), "--format", export_format, "--out", str(out)]) == 0
    opensim.Logger.setLevelString("error")
    return out


def test_opensims_own_readers_take_the_mot_and_the_sto(exported):
    ours = read_opensim(exported / "ankle_angles.mot")
    storage = opensim.Storage(str(exported / "ankle_angles.mot"))  # the version-1 reader of the GUI
    assert storage.getSize() == len(ours.time) and storage.isInDegrees()
    labels = storage.getColumnLabels()
    assert [labels.get(i) for i in range(labels.getSize())] == ["time", *ours.labels]
    last = storage.getStateVector(storage.getSize() - 1)
    assert last.getTime() == pytest.approx(ours.time[-1])
    assert [last.getData().get(i) for i in range(4)] == pytest.approx(ours.values[-1, :, 0].tolist())
    sto = read_opensim(exported / "orientations.sto")
    quaternions = opensim.TimeSeriesTableQuaternion(str(exported / "orientations.sto"))
    assert quaternions.getNumRows() == len(sto.time) and list(quaternions.getColumnLabels()) == sto.labels
    first = quaternions.getRowAtIndex(0)  # (SimTK normalises each quaternion it reads)
    assert [first.getElt(0, 0).get(i) for i in range(4)] == pytest.approx(sto.values[0, 0].tolist(), abs=1e-8)


def _ankle_model(path) -> None:
    """Two legs, each a free shank (tibia_r/l) and a foot (calcn_r/l) on a pin about the shank's
    Z axis, named as OpenSim's models name it: ankle_angle_r/l, positive = dorsiflexion."""
    model = opensim.Model()
    for side, z in (("r", 0.1), ("l", -0.1)):
        tibia = opensim.Body(f"tibia_{side}", 3.0, opensim.Vec3(0), opensim.Inertia(0.05, 0.005, 0.05))
        calcn = opensim.Body(f"calcn_{side}", 1.0, opensim.Vec3(0), opensim.Inertia(0.002, 0.002, 0.002))
        shank = opensim.FreeJoint(f"ground_tibia_{side}", model.getGround(), opensim.Vec3(0, 0.5, z),
                                  opensim.Vec3(0), tibia, opensim.Vec3(0, 0.2, 0), opensim.Vec3(0))
        ankle = opensim.PinJoint(f"ankle_{side}", tibia, opensim.Vec3(0, -0.2, 0), opensim.Vec3(0), calcn,
                                 opensim.Vec3(0), opensim.Vec3(0))
        ankle.updCoordinate().setName(f"ankle_angle_{side}")
        model.addBody(tibia)
        model.addBody(calcn)
        model.addJoint(shank)
        model.addJoint(ankle)
    model.finalizeConnections()
    model.printToXML(str(path))


def test_opensense_inverse_kinematics_on_the_sto_gives_our_dorsiflexion(exported, analyzed, tmp_path):
    _ankle_model(tmp_path / "ankles.osim")
    placer = opensim.IMUPlacer()
    placer.set_model_file(str(tmp_path / "ankles.osim"))
    placer.set_orientation_file_for_calibration(str(exported / "orientations.sto"))
    placer.set_sensor_to_opensim_rotations(opensim.Vec3(0, 0, 0))  # the .sto is in OpenSim's ground frame
    placer.set_output_model_file(str(tmp_path / "placed.osim"))
    assert placer.run(False)
    ik = opensim.IMUInverseKinematicsTool()
    ik.set_model_file(str(tmp_path / "placed.osim"))
    ik.set_orientations_file(str(exported / "orientations.sto"))
    ik.set_sensor_to_opensim_rotations(opensim.Vec3(0, 0, 0))
    ik.set_results_directory(str(tmp_path))
    ik.set_time_range(0, 0.0)
    ik.set_time_range(1, 9.0)  # standing, then the first strides: enough, and IK costs ~0.3 s per s
    ik.run(False)
    solved = read_opensim(tmp_path / "ik_orientations.mot")
    angles = _angles(analyzed / "angles.csv")
    rows = np.searchsorted(angles["t"], solved.time)
    for side in ("right", "left"):
        ankle = solved.values[:, solved.labels.index(f"ankle_angle_{side[0]}"), 0]
        ours = angles[f"{side}_dorsiflexion_deg"][rows]
        assert np.nanmax(ankle) > 15 and np.nanmin(ankle) < -10  # it ran: both ways, the same sign as ours
        assert np.nanmax(np.abs(ankle - ours)) < 1.0
