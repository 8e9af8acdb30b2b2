"""A recording gives back every notification exactly as the pipeline received it, with the
session's description, calibration and marks."""

from __future__ import annotations

import asyncio

from mcap.reader import make_reader

from anklet.recording import Mark, Recorder, read_recording
from anklet.recording import _recorder as recorder_module
from anklet.recording._format import from_ns, to_ns
from anklet.transport import Notification

from .sessions import record, session_info


def test_every_notification_comes_back_in_order_with_its_stamp(simulated, recorded):
    recording = read_recording(recorded)
    sent = simulated.notifications()
    assert recording.complete and recording.notes == []
    assert len(recording.notifications) == len(sent)
    for got, original in zip(recording.notifications, sent, strict=True):
        assert (got.sensor, got.channel, got.payload) == (original.sensor, original.channel, original.payload)
        assert got.host_time_s == from_ns(to_ns(original.host_time_s))  # the stamp the pipeline was handed
        assert abs(got.host_time_s - original.host_time_s) <= 0.5e-9
    assert {n.channel for n in recording.notifications} == {"data", "status"}
    assert recording.marks == [Mark(4.5, "default")]
    assert recording.session == session_info(simulated)  # athlete profile and all


def test_take_hands_on_the_recorded_stamp(tmp_path, simulated):
    recorder = Recorder(tmp_path / "r.mcap")
    recorder.begin(session_info(simulated))
    handed = [recorder.take(n) for n in simulated.notifications()[:500]]
    recorder.end()
    assert [n.host_time_s for n in read_recording(tmp_path / "r.mcap").notifications] == [n.host_time_s for n in handed]


def test_it_is_a_standard_indexed_mcap_file(simulated, recorded):
    """Other tools read it with mcap's own indexed reader: chunked, zstd, with a summary."""
    with open(recorded, "rb") as file:
        reader = make_reader(file)
        summary = reader.get_summary()
        assert summary is not None
        assert {index.compression for index in summary.chunk_indexes} == {"zstd"}
        chunks = len(summary.chunk_indexes)
        assert chunks >= 12 / 0.5 - 2  # a chunk per half second
        counts = {summary.channels[key].topic: count for key, count in summary.statistics.channel_message_counts.items()}
        encodings = {channel.topic: channel.message_encoding for channel in summary.channels.values()}
        for sensor in simulated.sensors:  # a block per chunk of each sensor's data, its status messages one by one
            assert chunks - 2 <= counts[f"/sensors/{sensor}/data"] <= chunks
            assert encodings[f"/sensors/{sensor}/data"] == "anklet.gatt.block"
            statuses = [n for n in simulated.notifications() if (n.sensor, n.channel) == (sensor, "status")]
            assert counts[f"/sensors/{sensor}/status"] == len(statuses) > 0
            assert encodings[f"/sensors/{sensor}/status"] == "anklet.gatt"
        assert reader.get_header().profile == "anklet"
        (session,) = [m for m in reader.iter_metadata() if m.name == "anklet.session"]
        assert session.metadata["format_version"] == "2.0"  # lossless: what a 2.x reader reads
        assert "sample_steps" not in session.metadata
        topics = {channel.topic for channel in summary.channels.values()}
        assert "/sensors/left_foot/data" in topics and "/marks" in topics


def test_a_sensor_the_session_did_not_list_is_recorded_too(tmp_path, simulated):
    extra = Notification("spare_sensor", "status", b"\x01S" + bytes(18), 1.25)
    record(tmp_path / "r.mcap", [*simulated.notifications()[:50], extra], session_info(simulated))
    assert read_recording(tmp_path / "r.mcap").notifications[-1] == extra


def test_calibration_is_recorded_once_known(tmp_path, simulated):
    class Known:
        def to_json(self):
            return {"standing_s": [0.0, 3.0]}

    calibration = None
    recorder = Recorder(tmp_path / "r.mcap")
    recorder.begin(session_info(simulated))
    recorder.calibration_from(lambda: calibration)
    for index, notification in enumerate(simulated.notifications()):
        if index == 1000:
            calibration = Known()
        recorder.take(notification)
    recorder.end()
    assert read_recording(tmp_path / "r.mcap").calibration == {"standing_s": [0.0, 3.0]}


def test_a_recording_started_late_holds_the_session_from_its_start(tmp_path, simulated, monkeypatch):
    """The coach view's r: with history kept, a recording started mid-session (and one
    started after the end) still holds everything, marks and calibration included."""
    monkeypatch.chdir(tmp_path)  # where a recording without --record goes
    sent = simulated.notifications()
    recorder = Recorder(keep_history=True)
    recorder.begin(session_info(simulated))
    for notification in sent[:700]:
        recorder.take(notification)
    recorder.mark(2.0, "default")
    started = recorder.toggle()
    assert recorder.path_ is not None and "from the session's start" in started
    for notification in sent[700:]:
        recorder.take(notification)
    first = recorder.path_
    assert "stopped" in recorder.toggle() and recorder.path_ is None
    recorder.end()
    assert "whole session" in recorder.toggle() and recorder.path_ is None  # after the end: written and finished
    for path in (first, recorder.saved_[-1]):
        recording = read_recording(path)
        assert recording.complete
        assert [n.payload for n in recording.notifications] == [n.payload for n in sent]
        assert recording.marks == [Mark(2.0, "default")]
    assert recorder.saved_[0].parent == tmp_path and recorder.saved_[0].name.startswith("anklet-easy_run-") and recorder.saved_[0].suffix == ".mcap"


async def test_a_long_history_is_written_by_a_thread_while_the_session_goes_on(tmp_path, simulated, monkeypatch):
    """On the event loop a recording started late writes the history in a thread; what arrives
    meanwhile, and the marks, come after it in order, and ending the session waits for it."""
    monkeypatch.setattr(recorder_module, "HISTORY_ON_LOOP", 100)
    sent = simulated.notifications()
    for end_early in (False, True):
        recorder = Recorder(keep_history=True)
        recorder.begin(session_info(simulated))
        for notification in sent[:1500]:
            recorder.take(notification)
        path = tmp_path / f"late-{end_early}.mcap"
        recorder.start(path)
        assert recorder.path_ == path  # recording, as far as the coach can tell
        for notification in sent[1500:1600]:
            recorder.take(notification)
        recorder.mark(7.0, "default")
        if not end_early:
            while recorder._filling is not None:
                await asyncio.sleep(0.01)
        for notification in sent[1600:]:
            recorder.take(notification)
        recorder.end()
        recording = read_recording(path)
        assert recording.complete
        assert [n.payload for n in recording.notifications] == [n.payload for n in sent]
        assert recording.marks == [Mark(7.0, "default")]


def test_the_history_gives_back_the_notifications_the_pipeline_was_handed(simulated):
    recorder = Recorder(keep_history=True)
    recorder.begin(session_info(simulated))
    handed = [recorder.take(n) for n in simulated.notifications()]
    handed.append(recorder.take(Notification("left_foot", "connection", b"down", 12.5)))
    assert len(recorder.history_) == len(handed)
    assert [recorder.history_[i] for i in range(len(handed))] == handed  # sensor, channel, payload, the same float
