"""``anklet analyze`` (and export/report, which read INPUT the same way) takes a recording:
told from a CSV by its first bytes, with the recording's activity and athlete as defaults."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from mcap.writer import Writer

from anklet.cli import main
from anklet.recording import Recorder, read_recording


@pytest.fixture(scope="module")
def knee_to_wall(tmp_path_factory):
    """A knee-to-wall demo's first 30 s (the left side's test), recorded, and what it showed live."""
    path = tmp_path_factory.mktemp("k2w") / "knee_to_wall.mcap"
    result = subprocess.run(
        [sys.executable, "-m", "anklet", "demo", "--scenario", "knee_to_wall", "--duration", "30", "--headless",
         "--speed", "max", "--record", str(path)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    return path, [json.loads(line) for line in result.stdout.splitlines()]


def _summary(out) -> dict:
    return json.loads((out / "summary.json").read_text())


def test_a_recording_is_analysed_as_the_session_was(knee_to_wall, tmp_path, capsys):
    path, live = knee_to_wall
    renamed = tmp_path / "session.csv"  # the name does not matter: the bytes say MCAP
    renamed.write_bytes(path.read_bytes())
    assert main(["analyze", str(renamed), "--out", str(tmp_path / "out")]) == 0
    assert "knee_to_wall left" in capsys.readouterr().out
    (live_assessment,) = [m for m in live if m["type"] == "assessment"]
    (assessment,) = _summary(tmp_path / "out")["assessments"]
    assert (assessment["test"], assessment["side"], assessment["passed"]) == ("knee_to_wall", "left", live_assessment["passed"])
    assert assessment["max_dorsiflexion_deg"] == pytest.approx(live_assessment["max_dorsiflexion_deg"], abs=1.0)


def test_an_activity_given_on_the_command_line_wins(knee_to_wall, tmp_path):
    path, _ = knee_to_wall
    assert main(["analyze", str(path), "--activity", "squat", "--out", str(tmp_path / "out")]) == 0
    assert _summary(tmp_path / "out").get("assessments", []) == []


def test_the_recorded_athlete_judges_by_default(knee_to_wall, tmp_path):
    path, _ = knee_to_wall
    original = read_recording(path)
    ada = dataclasses.replace(original.session.athlete, name="ada")
    recorder = Recorder(tmp_path / "ada.mcap")
    recorder.begin(dataclasses.replace(original.session, athlete=ada))
    for notification in original.notifications:
        recorder.take(notification)
    recorder.end()
    assert main(["analyze", str(tmp_path / "ada.mcap"), "--out", str(tmp_path / "out")]) == 0
    assert _summary(tmp_path / "out")["athlete"] == "ada"


def test_a_cut_off_recording_is_analysed_with_a_note(knee_to_wall, tmp_path, capsys):
    path, _ = knee_to_wall
    data = path.read_bytes()
    (tmp_path / "cut.mcap").write_bytes(data[: len(data) * 9 // 10])
    assert main(["analyze", str(tmp_path / "cut.mcap"), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "note:" in captured.err and "not a finished recording" in captured.err
    assert "analyzed" in captured.out


def test_a_foreign_mcap_is_one_sentence(tmp_path, capsys):
    with open(tmp_path / "robot.mcap", "wb") as file:
        writer = Writer(file)
        writer.start("ros2", "a robot")
        writer.finish()
    assert main(["analyze", str(tmp_path / "robot.mcap"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("anklet: ") and "not an anklet recording" in err
