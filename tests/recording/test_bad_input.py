"""Cut-off, damaged, foreign and newer files: one sentence, and whatever can be read is kept."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcap.writer import Writer

from anklet.errors import AnkletError, ValidationError
from anklet.recording import Recorder, read_recording
from anklet.recording import _session as session_module

from .sessions import session_info


@pytest.fixture(scope="module")
def growth(simulated, tmp_path_factory):
    """The first 7 s recorded, and after each notification how large the file on disk was:
    what a process killed at that moment would have left."""
    path = tmp_path_factory.mktemp("growth") / "r.mcap"
    recorder = Recorder(path)
    recorder.begin(session_info(simulated))
    sizes = []
    for notification in _first_7_s(simulated):
        recorder.take(notification)
        sizes.append(os.path.getsize(path))
    recorder.end()
    return path.read_bytes(), sizes


def _first_7_s(simulated):
    return [n for n in simulated.notifications() if n.host_time_s < 7.0]


def _on_disk_at(sizes: list[int], cut: int) -> int:
    """How many notifications were on disk while the file was at most ``cut`` bytes long."""
    grew = [index for index in range(1, len(sizes)) if sizes[index] > sizes[index - 1]]
    return max((index + 1 for index in grew if sizes[index] <= cut), default=0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(0.0, 1.0))
def test_a_file_cut_anywhere_gives_back_everything_before_the_cut(growth, simulated, tmp_path, fraction):
    data, sizes = growth
    cut = round(fraction * (len(data) - 1))
    path = tmp_path / "cut.mcap"
    path.write_bytes(data[:cut])
    try:
        recording = read_recording(path)
    except ValidationError as exc:  # cut inside the first bytes: nothing to keep, and it says so
        assert cut < sizes[0] and ("empty" in str(exc) or "breaks off" in str(exc) or "not an MCAP" in str(exc))
        return
    sent = _first_7_s(simulated)
    got = recording.notifications
    assert [n.payload for n in got] == [n.payload for n in sent[: len(got)]]  # a prefix, nothing invented
    assert len(got) >= _on_disk_at(sizes, cut)  # everything that had reached the disk
    assert not recording.complete and "not a finished recording" in recording.notes[0]


def test_cut_at_every_flush_keeps_all_of_it(growth, tmp_path):
    """The crash-safety promise: at each moment a chunk was closed, the file as it stood then
    reads back whole up to that notification."""
    data, sizes = growth
    flushes = [index for index in range(1, len(sizes)) if sizes[index] > sizes[index - 1]]
    assert len(flushes) >= 12  # a chunk every half second of the 7 s
    for index in flushes[::4]:
        (tmp_path / "cut.mcap").write_bytes(data[: sizes[index]])
        assert len(read_recording(tmp_path / "cut.mcap").notifications) == index + 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.floats(0.0, 1.0), value=st.integers(0, 255))
def test_a_damaged_byte_loses_at_most_its_chunk(growth, simulated, tmp_path, where, value):
    data, _ = growth
    at = round(where * (len(data) - 1))
    damaged = bytearray(data)
    damaged[at] = value if value != data[at] else (value + 1) % 256
    path = tmp_path / "damaged.mcap"
    path.write_bytes(bytes(damaged))
    try:
        recording = read_recording(path)
    except AnkletError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    originals = {(n.sensor, n.channel, n.payload) for n in simulated.notifications()}
    assert all((n.sensor, n.channel, n.payload) in originals for n in recording.notifications)  # nothing invented


def test_a_damaged_chunk_in_the_middle_is_skipped_and_the_rest_kept(growth, simulated, tmp_path):
    data, sizes = growth
    flushes = [index for index in range(1, len(sizes)) if sizes[index] > sizes[index - 1]]
    middle = (sizes[flushes[10]] + sizes[flushes[11]]) // 2  # inside the chunk written at the 12th flush
    damaged = bytearray(data)
    damaged[middle] ^= 0xFF
    (tmp_path / "damaged.mcap").write_bytes(bytes(damaged))
    recording = read_recording(tmp_path / "damaged.mcap")
    lost = flushes[11] - flushes[10]
    assert len(recording.notifications) == len(_first_7_s(simulated)) - lost
    assert any("damaged chunk" in note for note in recording.notes)


def test_not_a_recording(tmp_path):
    csv = tmp_path / "imu.csv"
    csv.write_text("t,left_foot_acc_x\n0,1\n")
    with pytest.raises(ValidationError, match="not an anklet recording: it is not an MCAP file"):
        read_recording(csv)
    (tmp_path / "empty.mcap").write_bytes(b"")
    with pytest.raises(ValidationError, match="is empty"):
        read_recording(tmp_path / "empty.mcap")
    with pytest.raises(ValidationError, match="cannot read the recording"):
        read_recording(tmp_path / "missing.mcap")


def test_a_foreign_mcap_file(tmp_path):
    path = tmp_path / "robot.mcap"
    with open(path, "wb") as file:
        writer = Writer(file)
        writer.start("ros2", "a robot")
        channel = writer.register_channel("/odom", "cdr", 0)
        writer.add_message(channel, 1, b"\x00" * 40, 1)
        writer.finish()
    with pytest.raises(ValidationError, match="an MCAP file but not an anklet recording"):
        read_recording(path)


def test_an_anklet_file_without_its_session(tmp_path):
    path = tmp_path / "bare.mcap"
    with open(path, "wb") as file:
        writer = Writer(file)
        writer.start("anklet", "something else")
        writer.finish()
    with pytest.raises(ValidationError, match="anklet MCAP file without its session description"):
        read_recording(path)


def test_a_newer_format_version_is_refused_in_one_sentence(tmp_path, simulated, monkeypatch):
    monkeypatch.setattr(session_module, "LOSSLESS_FORMAT_VERSION", (4, 1))
    path = tmp_path / "future.mcap"
    recorder = Recorder(path)
    recorder.begin(session_info(simulated))
    recorder.take(simulated.notifications()[0])
    recorder.end()
    monkeypatch.undo()
    with pytest.raises(ValidationError, match=r"format version 4\.1, newer than this anklet reads \(up to 3\.x\): update anklet"):
        read_recording(path)
