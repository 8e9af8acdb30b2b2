"""A recording survives ``kill -9``: everything that arrived more than 1 s before the kill
reads back (the real command, paced in real time, killed mid-session)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from anklet.recording import COMPACT_STEPS, read_recording
from anklet.recording._compact import rounded_notification
from anklet.sim import load_scenario, simulate

KILL_AT_S = 4.0  # session time at which the process is killed


@pytest.mark.parametrize("compact", [False, True], ids=["lossless", "compact"])
def test_kill_9_while_recording_loses_at_most_the_last_second(tmp_path, compact):
    """A compact recording's chunks are 0.75 s long, against 0.5 s: still under a second."""
    path = tmp_path / "killed.mcap"
    process = subprocess.Popen(
        [sys.executable, "-m", "anklet", "demo", "--headless", "--duration", "20", "--record", str(path),
         *(["--compact"] if compact else [])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for line in process.stdout:  # each status says the session reached its time
            message = json.loads(line)
            if message["type"] == "status" and message["t"] >= KILL_AT_S:
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    recording = read_recording(path)
    assert not recording.complete and "not a finished recording" in recording.notes[0]
    # the demo plays the simulated session's notifications in order, stamped as they arrive
    sent = simulate(load_scenario("easy_run"), seed=0, duration_s=20).notifications()
    got = recording.notifications
    if compact:
        sent = [rounded_notification(n, COMPACT_STEPS) for n in sent]
    assert [(n.sensor, n.channel, n.payload) for n in got] == [(n.sensor, n.channel, n.payload) for n in sent[: len(got)]]
    older_than_a_second = sum(n.host_time_s <= KILL_AT_S - 1.0 for n in sent)
    assert len(got) >= older_than_a_second
    assert recording.session.activity == "running" and recording.session.title == "easy_run"
