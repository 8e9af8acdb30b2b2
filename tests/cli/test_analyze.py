"""``anklet analyze INPUT --out DIR`` on anklet IMU CSVs: good ones give angles that follow
the truth; bad ones give one sentence, a non-zero exit, and partial results where they can."""

from __future__ import annotations

import csv
import dataclasses
import json

import numpy as np
import pytest

from anklet.cli import main
from anklet.files import ImuTable, write_imu_csv
from anklet.gait import live_gait, load_athlete
from anklet.pipeline import LivePipeline, table_from_notifications
from anklet.sim import load_scenario, simulate


@pytest.fixture(scope="module")
def squats():
    session = simulate(load_scenario("squats"), seed=3, duration_s=40)
    return session, session.imu_table()


def _one_sentence(capsys) -> str:
    error = capsys.readouterr().err.strip()
    assert error.startswith("anklet: ") and "\n" not in error and "Traceback" not in error
    return error


def test_analyze_writes_angles_that_follow_the_truth(squats, tmp_path, capsys):
    session, table = squats
    write_imu_csv(tmp_path / "imu.csv", table)
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "angles.csv" in out
    # flat feet all along: their flexion axis is not identified, and analyze says what that means
    assert out.count("dorsiflexion is right only while the foot stays flat") == 2
    angles = np.genfromtxt(tmp_path / "out" / "angles.csv", delimiter=",", names=True)
    assert angles.dtype.names[:3] == ("t", "left_dorsiflexion_deg", "right_dorsiflexion_deg")
    scored = angles["t"] > 10
    for side in ("left", "right"):
        truth = np.degrees(np.interp(angles["t"], session.motion.t, session.motion.truth.angles_rad[side][:, 0]))
        error = angles[f"{side}_dorsiflexion_deg"][scored] - truth[scored]
        assert np.sqrt(np.nanmean(error**2)) <= 2.0
    calibration = json.loads((tmp_path / "out" / "calibration.json").read_text())
    assert set(calibration["legs"]) == {"left", "right"}
    assert all(0.3 < leg["quality"] <= 1 for leg in calibration["legs"].values())


def test_one_leg_gives_that_leg_and_empty_columns_for_the_other(squats, tmp_path, capsys):
    _, table = squats
    left = ImuTable(table.t, {n: a for n, a in table.acc.items() if n.startswith("left")},
                    {n: g for n, g in table.gyr.items() if n.startswith("left")})
    write_imu_csv(tmp_path / "imu.csv", left)
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out")]) == 0
    angles = np.genfromtxt(tmp_path / "out" / "angles.csv", delimiter=",", names=True)
    assert np.isfinite(angles["left_dorsiflexion_deg"]).mean() > 0.95
    assert np.isnan(angles["right_dorsiflexion_deg"]).all()


def test_a_leg_that_never_moved_is_a_note_and_the_other_gets_its_angles(tmp_path, capsys):
    """Knee-to-wall stopped before the right side's test: the right leg only stepped back."""
    session = simulate(load_scenario("knee_to_wall"), seed=0, duration_s=28)
    write_imu_csv(tmp_path / "imu.csv", session.imu_table())
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out")]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: too little movement to find the right ankle axis (0.5 s of shank movement in the 24 s after "
        "standing, 2 s needed), so the right leg has no angles"
    ]
    angles = np.genfromtxt(tmp_path / "out" / "angles.csv", delimiter=",", names=True)
    assert np.isfinite(angles["left_dorsiflexion_deg"]).mean() > 0.95
    assert np.isnan(angles["right_dorsiflexion_deg"]).all()
    calibration = json.loads((tmp_path / "out" / "calibration.json").read_text())
    assert list(calibration["legs"]) == ["left"] and list(calibration["legs_left_out"]) == ["right"]


def _scaled(table: ImuTable, acc_scale: float = 1.0, gyr_scale: float = 1.0) -> ImuTable:
    return ImuTable(table.t, {n: a * acc_scale for n, a in table.acc.items()}, {n: g * gyr_scale for n, g in table.gyr.items()})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: _scaled(t, acc_scale=1 / 9.81), "g"),
        (lambda t: _scaled(t, gyr_scale=np.degrees(1.0)), "deg/s"),
        (lambda t: ImuTable(t.t, {"left_foot": t.acc["left_foot"]}, {"left_foot": t.gyr["left_foot"]}), "both"),
        (lambda t: ImuTable(t.t[int(8 * 200):], {n: a[int(8 * 200):] for n, a in t.acc.items()},
                            {n: g[int(8 * 200):] + 0.5 for n, g in t.gyr.items()}), "standing"),
    ],
    ids=["acc-in-g", "gyr-in-deg-per-s", "foot-only", "no-standing"],
)
def test_bad_data_is_one_sentence(squats, tmp_path, capsys, change, expected):
    _, table = squats
    write_imu_csv(tmp_path / "imu.csv", change(table))
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out")]) == 1
    assert expected in _one_sentence(capsys)
    assert not (tmp_path / "out" / "angles.csv").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t,left_foot_acc_x\n0,1\n", "left_foot"),  # columns missing
        ("t,left_shank_acc_x,left_shank_acc_y,left_shank_acc_z,left_shank_gyr_x,left_shank_gyr_y,left_shank_gyr_z\n"
         "0.0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n0.005,0,0,9.8,0,0,0\n", "must increase"),
        ("t,left_shank_acc_x,left_shank_acc_y,left_shank_acc_z,left_shank_gyr_x,left_shank_gyr_y,left_shank_gyr_z\n"
         "0.0,0,0,9.8,0,0,0\nnan,0,0,9.8,0,0,0\n", "line 3"),
    ],
    ids=["missing-columns", "time-not-increasing", "nan-time"],
)
def test_bad_files_are_one_sentence(tmp_path, capsys, text, expected):
    (tmp_path / "imu.csv").write_text(text)
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out")]) == 1
    assert expected in _one_sentence(capsys)


def test_missing_input_is_one_sentence(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out")]) == 1
    assert "nope.csv" in _one_sentence(capsys)


def test_analyze_a_run_writes_events_strides_and_the_flag_of_the_restricted_side(tmp_path, capsys):
    session = simulate(load_scenario("restricted_pf_right"), seed=0, duration_s=60)
    write_imu_csv(tmp_path / "imu.csv", session.imu_table())
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    events = np.genfromtxt(out / "events.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert events.dtype.names == ("t", "side", "event")
    strides = np.genfromtxt(out / "strides.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert strides.dtype.names[:7] == (
        "side", "ic_t", "to_t", "end_t", "contact_time_s", "ankle_angle_at_to_deg", "restricted_pf"
    )
    truth = session.motion.truth.strides
    assert abs(len(strides) - len(truth)) <= 0.02 * len(truth)
    right = strides[strides["side"] == "right"]
    assert np.median(right["ankle_angle_at_to_deg"]) > -15.0  # the restricted side (truth -8 deg)
    summary = json.loads((out / "summary.json").read_text())
    raised = {(flag["side"], flag["flag"]) for flag in summary["flags"] if flag["active"]}
    assert ("right", "restricted_pf") in raised and ("left", "restricted_pf") not in raised
    assert summary["strides"]["right"]["count"] == int((strides["side"] == "right").sum())
    assert "right restricted_pf raised" in capsys.readouterr().out


def test_analyze_squats_writes_reps(squats, tmp_path):
    session, table = squats
    write_imu_csv(tmp_path / "imu.csv", table)
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out")]) == 0
    reps = np.genfromtxt(tmp_path / "out" / "reps.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert reps.dtype.names[:6] == ("side", "start_t", "bottom_t", "end_t", "max_dorsiflexion_deg", "restricted_df")
    assert len(reps) == len(session.motion.truth.reps)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["reps"]["left"]["count"] == int((reps["side"] == "left").sum()) > 0


def _live_messages(session, activity: str) -> list[dict]:
    """The session's notifications through the live pipeline, one at a time, with the gait
    stage of ``activity``: every message it published."""
    stage = live_gait(session.sample_rate_hz, load_athlete(), activity)
    pipeline = LivePipeline(list(session.sensors), stages=[stage])
    subscription = pipeline.subscribe(maxsize=1_000_000)
    messages = []
    for notification in session.notifications():
        pipeline.handle(notification)
        messages += subscription.drain()
    pipeline.finish()
    return messages + subscription.drain()


def _analyzed(session, tmp_path, *options: str) -> tuple[list[dict], dict]:
    """``anklet analyze`` of what the live pipeline received (the notifications, lost packets
    and all): reps.csv rows and summary.json."""
    table = table_from_notifications(session.notifications(), causal=True)
    write_imu_csv(tmp_path / "imu.csv", table)
    out = tmp_path / "out"
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(out), *options]) == 0
    with open(out / "reps.csv", encoding="utf-8") as rows:
        reps = list(csv.DictReader(rows))
    return reps, json.loads((out / "summary.json").read_text())


def _scenario(name: str, **motion):
    scenario = load_scenario(name)
    return dataclasses.replace(scenario, motion={**scenario.motion, **motion})


@pytest.mark.parametrize(
    ("name", "motion", "duration_s"),
    [("knee_to_wall", {}, 49.0), ("split_squat", {"reps_per_set": 2, "rest_s": 5.0}, 45.0)],
    ids=["knee_to_wall", "split_squat"],
)
def test_a_guided_test_gives_the_reps_and_assessments_of_the_live_pipeline(tmp_path, capsys, name, motion, duration_s):
    """Knee-to-wall: three attempts a side, no squats of the leg stepped back; split squat
    (2 reps a set, left, right, left again): the front leg's reps with their sets, not the back
    ankle's. Times within 0.05 s, angles within 0.5 deg: live and offline angles agree within
    0.05 deg after calibration, on grids a few µs apart (tests/pipeline)."""
    session = simulate(_scenario(name, **motion), seed=1, duration_s=duration_s)
    live = _live_messages(session, name)
    reps, summary = _analyzed(session, tmp_path, "--activity", name)
    live_reps = [m for m in live if m["type"] == "rep"]
    assert len(reps) == len(live_reps) >= 6
    for row, message in zip(reps, live_reps, strict=True):
        assert (row["side"], int(row["set_index"])) == (message["side"], message["set_index"])
        for key in ("start_t", "bottom_t", "end_t"):
            assert float(row[key]) == pytest.approx(message[key], abs=0.05)
        assert float(row["max_dorsiflexion_deg"]) == pytest.approx(message["max_dorsiflexion_deg"], abs=0.5)
        assert row["restricted_df"] == str(message["restricted_df"]).lower()
    live_assessments = [m for m in live if m["type"] == "assessment"]
    assert [(a["test"], a["side"], a["passed"]) for a in summary["assessments"]] == [
        (m["test"], m["side"], m["passed"]) for m in live_assessments] != []
    assert [(f["side"], f["flag"], f["active"]) for f in summary["flags"]] == [
        (m["side"], m["flag"], m["active"]) for m in live if m["type"] == "flag"]
    assert "assessment at" in capsys.readouterr().out
    if name == "split_squat":
        assert [(r["side"], r["set_index"]) for r in reps] == [("left", "0")] * 2 + [("right", "0")] * 2 + [("left", "1")] * 2
        squats, _ = _analyzed(session, tmp_path)  # no activity named: squats on both ankles
        assert len(squats) != len(reps)


def test_squats_are_the_same_named_or_not(squats, tmp_path):
    """A squat session without --activity: the reps it always had; named, the same."""
    session, _ = squats
    default, summary = _analyzed(session, tmp_path)
    named, named_summary = _analyzed(session, tmp_path, "--activity", "squat")
    assert default == named and len(default) == len(session.motion.truth.reps)
    assert summary == named_summary and summary["assessments"] == []


def test_an_unknown_activity_is_one_sentence(squats, tmp_path, capsys):
    _, table = squats
    write_imu_csv(tmp_path / "imu.csv", table)
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out"), "--activity", "lunges"]) == 1
    assert "--activity must be one of running, walking, squat" in _one_sentence(capsys)


def _relabelled(table: ImuTable, swaps: dict[str, str]) -> ImuTable:
    """``table`` with the sensors of each pair in ``swaps`` under each other's column names."""
    names = {**swaps, **{b: a for a, b in swaps.items()}}
    return ImuTable(table.t, {names.get(n, n): a for n, a in table.acc.items()},
                    {names.get(n, n): g for n, g in table.gyr.items()})


@pytest.mark.parametrize(
    ("scenario", "swaps", "activity", "expected"),
    [
        ("squats", {"left_shank": "left_foot"}, [], "left_shank and left_foot look swapped: "),
        ("easy_run", {"right_shank": "right_foot"}, ["--activity", "running"], "right_shank and right_foot look swapped: "),
        ("easy_run", {"left_foot": "right_foot"}, ["--activity", "running"],
         "left_foot and right_foot (or left_shank and right_shank) look swapped: "),
    ],
)
def test_swapped_columns_are_one_sentence(squats, tmp_path, capsys, scenario, swaps, activity, expected):
    table = squats[1] if scenario == "squats" else simulate(load_scenario(scenario), seed=2, duration_s=30).imu_table()
    write_imu_csv(tmp_path / "imu.csv", _relabelled(table, swaps))
    assert main(["analyze", str(tmp_path / "imu.csv"), "--out", str(tmp_path / "out"), *activity]) == 1
    error = _one_sentence(capsys)
    assert error.startswith(f"anklet: {expected}") and error.endswith("(or the CSV's column names) and start again")
    assert not (tmp_path / "out" / "angles.csv").exists()
