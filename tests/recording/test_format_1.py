"""Recordings of format 1.0 (one MCAP message per notification) still read back whole.

``fixtures/format-1.0.mcap`` was written by the 1.0 writer (anklet before format 2.0): 2 s of
easy_run (seed 3) with a connection notification, the calibration and a mark. What
``read_recording`` gives is checked against mcap's own reader of the same file."""

from __future__ import annotations

import json
from pathlib import Path

from mcap.reader import make_reader

from anklet.recording import Mark, read_recording, recover_recording
from anklet.recording._format import from_ns, topic_parts
from anklet.transport import Notification

FIXTURE = Path(__file__).parent / "fixtures" / "format-1.0.mcap"


def _by_mcap() -> tuple[list[Notification], dict, list[Mark]]:
    """The fixture's notifications (file order), calibration and marks, as mcap's reader sees them."""
    notifications, calibration, marks = [], None, []
    with open(FIXTURE, "rb") as file:
        for _, channel, message in make_reader(file).iter_messages(log_time_order=False):
            parts = topic_parts(channel.topic)
            if parts is not None:
                notifications.append(Notification(*parts, message.data, from_ns(message.log_time)))
            elif channel.topic == "/calibration":
                calibration = json.loads(message.data)
            else:
                marks.append(Mark(**json.loads(message.data)))
    return notifications, calibration, marks


def test_a_format_1_0_recording_reads_back_whole():
    recording = read_recording(FIXTURE)
    notifications, calibration, marks = _by_mcap()
    assert recording.complete and recording.notes == []
    assert len(notifications) > 400 and {n.channel for n in notifications} == {"data", "status", "connection"}
    assert recording.notifications == notifications
    assert recording.calibration == calibration == {"standing_s": [0.0, 1.0]}
    assert recording.marks == marks == [Mark(1.5, "default")]
    assert recording.session.title == "easy_run" and recording.session.activity == "running"


def test_recovering_a_format_1_0_recording_writes_it_as_2_0(tmp_path):
    recover_recording(FIXTURE, tmp_path / "new.mcap")
    old, new = read_recording(FIXTURE), read_recording(tmp_path / "new.mcap")
    with open(tmp_path / "new.mcap", "rb") as file:
        (session,) = [m for m in make_reader(file).iter_metadata() if m.name == "anklet.session"]
    assert session.metadata["format_version"] == "2.0"
    assert new.notifications == old.notifications and new.marks == old.marks and new.calibration == old.calibration
