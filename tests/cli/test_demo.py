"""``anklet demo``: virtual sensors through the live pipeline, as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from anklet.cli import main
from anklet.files import STRIDE_COLUMNS
from anklet.sim import load_scenario

MESSAGE_TYPES = {"angles", "event", "stride", "rep", "flag", "assessment", "status"}  # DESIGN.md


def _strict_json(line: str) -> dict:
    """One JSON object; NaN or Infinity (which Python would print) are not JSON."""
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} in {line}")

    return json.loads(line, parse_constant=refuse)


def test_headless_demo_prints_the_message_schema(capsys):
    assert main(["demo", "--headless", "--scenario", "squats", "--duration", "35", "--speed", "max"]) == 0
    messages = [_strict_json(line) for line in capsys.readouterr().out.splitlines()]
    status = [m for m in messages if m["type"] == "status"]
    angles = [m for m in messages if m["type"] == "angles"]
    assert {m["type"] for m in messages} == {"status", "angles", "rep"}  # squats: reps, no gait events
    # status once a second of session time, every sensor in it
    np.testing.assert_allclose([m["t"] for m in status], np.arange(1, len(status) + 1))
    assert len(status) >= 34
    assert {s["name"] for s in status[-1]["sensors"]} == {"left_shank", "left_foot", "right_shank", "right_foot"}
    assert all(s["connected"] and s["rate_hz"] == 200 and 0 <= s["loss_pct"] < 20 for s in status[-1]["sensors"])
    assert status[0]["calibrated"] is False and status[-1]["calibrated"] is True
    # angles ten times a second over the whole session, readable numbers in degrees
    assert np.diff([m["t"] for m in angles]) == pytest.approx(0.1, abs=0.006)
    assert len(angles) >= 340
    squat_bottoms = [m["left"]["dorsiflexion_deg"] for m in angles if m["left"]["dorsiflexion_deg"] is not None]
    assert 15 < max(squat_bottoms) < 60  # squats bend the ankle, in degrees not radians


def test_headless_running_demo_prints_events_strides_and_flags():
    """The command of issue 5 in a subprocess, as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "anklet", "demo", "--headless", "--scenario", "restricted_pf_right",
         "--duration", "40", "--speed", "max"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    messages = [_strict_json(line) for line in result.stdout.splitlines()]
    assert {"event", "stride", "flag"} <= {m["type"] for m in messages} <= MESSAGE_TYPES
    assert all(isinstance(m["t"], float | int) for m in messages)
    events = [m for m in messages if m["type"] == "event"]
    assert {(m["side"], m["event"]) for m in events} == {(side, e) for side in ("left", "right") for e in ("IC", "MS", "TO")}
    stride = next(m for m in messages if m["type"] == "stride")
    assert list(stride)[: 2 + len(STRIDE_COLUMNS)] == ["type", "t", *STRIDE_COLUMNS]
    flags = [(m["side"], m["flag"], m["active"]) for m in messages if m["type"] == "flag"]
    assert ("right", "restricted_pf", True) in flags and ("left", "restricted_pf", True) not in flags


def test_demo_readout_shows_toe_off_angles_and_flags(capsys):
    """Once calibration releases the angles (about 24 s in), each line has the last stride's
    TO angle per side and the flags that are up: the right ankle is the restricted one."""
    assert main(["demo", "--scenario", "restricted_pf_right", "--duration", "32", "--speed", "max"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    match = re.search(r"TO L\s+([-+\d.]+)° R\s+([-+\d.]+)°", last)
    assert match, last
    left, right = (float(value) for value in match.groups())
    motion = load_scenario("restricted_pf_right").motion
    assert right - left > (motion["to_angle_right_deg"] - motion["to_angle_left_deg"]) / 2
    assert "FLAGS: right restricted_pf" in last


def test_demo_readout_in_a_terminal():
    """The default (non-headless) readout, paced at 5x real time in a real subprocess."""
    result = subprocess.run(
        [sys.executable, "-m", "anklet", "demo", "--duration", "10", "--speed", "5"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("easy_run:")
    readout_times = [float(re.match(r"t=\s*([\d.]+) s", line).group(1)) for line in lines[1:]]
    assert readout_times == [float(t) for t in range(1, 11)]  # one line a second
    assert all("left_foot:ok" in line for line in lines[1:])


def test_demo_unknown_scenario_is_one_sentence(capsys):
    assert main(["demo", "--headless", "--scenario", "no_such_scenario"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("anklet: ") and "no_such_scenario" in error and "\n" not in error


def test_a_demo_shorter_than_the_standing_period_says_so_in_one_sentence(capsys):
    """easy_run stands still for 4 s; 3 s of it used to end in a StopIteration traceback.
    Now the athlete stands for 3 s, the statuses come, and calibration says what is missing."""
    assert main(["demo", "--headless", "--duration", "3", "--speed", "max"]) == 1
    captured = capsys.readouterr()
    messages = [json.loads(line) for line in captured.out.splitlines()]
    assert [m["t"] for m in messages if m["type"] == "status"] == [1.0, 2.0, 3.0]
    error = captured.err.strip()
    assert error.startswith("anklet: too little movement") and "\n" not in error and "Traceback" not in error
