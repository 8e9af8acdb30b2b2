"""``anklet demo`` in a real terminal (tmux): the coach view comes up, shows both ankles' TO
angles and the sensors, and quits cleanly on ``q``."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from .conftest import ANKLET

TO_ANGLE = re.compile(r"(LEFT|RIGHT)\s+TO ([-+]\d+\.\d)°")

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def test_demo_opens_the_coach_view_and_q_quits(tmux, tmp_path):
    exit_code = tmp_path / "exit_code"
    # calibration takes the first ~24 s of session time: at 4x the angles come after ~6 s
    tmux("new-session", "-d", "-x", "100", "-y", "30",
         f"{ANKLET} demo --speed 4 --duration 120; echo $? > {exit_code}; sleep 30")
    deadline, pane = time.monotonic() + 60.0, ""
    while time.monotonic() < deadline:
        pane = tmux("capture-pane", "-p")
        if len(TO_ANGLE.findall(pane)) == 2:
            break
        time.sleep(0.5)
    angles = dict(TO_ANGLE.findall(pane))
    assert set(angles) == {"LEFT", "RIGHT"}, pane
    assert all(-35.0 < float(value) < -10.0 for value in angles.values()), pane  # healthy ankles extend
    assert pane.count("extends") == 2 and "RESTRICTED" not in pane
    for sensor in ("L shank", "L foot", "R shank", "R foot"):
        assert re.search(rf"● {sensor}\s+\d+ Hz", pane), pane
    assert "easy_run" in pane and "EXTENSION" in pane and "q Quit" in pane
    tmux("send-keys", "q")
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and not exit_code.exists():
        time.sleep(0.2)
    time.sleep(0.2)  # the shell may still be writing it
    assert exit_code.exists(), tmux("capture-pane", "-p")
    assert exit_code.read_text().strip() == "0"
