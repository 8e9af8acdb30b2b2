"""Recording from the coach view in a real terminal (tmux): ``--record`` shows REC, ``m`` marks
go into the file, ``r`` stops and starts a new file, and ``q`` leaves every file finished."""

from __future__ import annotations

import shutil
import time

import pytest

from anklet.recording import read_recording

from .conftest import ANKLET

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def _header(pane: str) -> str:
    return pane.splitlines()[0] if pane else ""


def _wait_for(tmux, seen, timeout_s: float = 30.0) -> str:
    deadline, pane = time.monotonic() + timeout_s, ""
    while time.monotonic() < deadline:
        pane = tmux("capture-pane", "-p")
        if seen(pane):
            return pane
        time.sleep(0.3)
    raise AssertionError(pane)


def test_record_mark_toggle_and_quit_in_a_terminal(tmux, tmp_path):
    first, exit_code = tmp_path / "session.mcap", tmp_path / "exit_code"
    tmux("new-session", "-d", "-x", "100", "-y", "30", "-c", str(tmp_path),
         f"{ANKLET} demo --speed 4 --duration 120 --record {first}; echo $? > {exit_code}; sleep 30")
    # a narrow header keeps "● REC" and cuts the file's name
    _wait_for(tmux, lambda pane: "● REC" in _header(pane) and "t    0.0 s" not in _header(pane))
    tmux("send-keys", "m")
    _wait_for(tmux, lambda pane: "marked t =" in pane)
    tmux("send-keys", "r")  # stop: the first file is finished
    _wait_for(tmux, lambda pane: "recording stopped" in pane and "● REC" not in _header(pane))
    assert read_recording(first).complete
    tmux("send-keys", "r")  # a new file, the session from its start
    pane = _wait_for(tmux, lambda pane: "● REC" in _header(pane) and "recording from the session's start" in pane)
    tmux("send-keys", "q")
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and not (exit_code.exists() and exit_code.read_text().strip()):
        time.sleep(0.2)
    assert exit_code.read_text().strip() == "0", pane
    (second,) = tmp_path.glob("session-*.mcap")
    recordings = read_recording(first), read_recording(second)
    assert all(recording.complete and recording.notes == [] for recording in recordings)
    assert len(recordings[0].marks) == len(recordings[1].marks) == 1  # the mark made before the second file
    assert recordings[1].notifications[: len(recordings[0].notifications)] == recordings[0].notifications
    assert recordings[1].duration_s > recordings[0].duration_s
