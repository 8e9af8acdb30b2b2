"""Compact recordings (``--compact``): samples rounded with a subtractive dither and arrival
times to the microsecond before the pipeline sees them, so that the file gives back exactly
what the session saw, at well under 15 MB an hour of running."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcap.reader import make_reader

from anklet.errors import ValidationError
from anklet.protocol._header import HEADER_STRUCT
from anklet.recording import COMPACT_STEPS, Recorder, SampleSteps, read_recording
from anklet.recording import _reader as reader_module
from anklet.recording import _session as session_module
from anklet.recording._block import decode_block, encode_block
from anklet.recording._compact import rounded_payload

from .sessions import session_info

@st.composite
def packets(draw) -> bytes:
    """A protocol v1 data packet with any samples, the int16 extremes included."""
    count = draw(st.integers(1, 19))
    sequence = draw(st.integers(0, 2**16 - 1))
    samples = draw(st.lists(st.integers(-(2**15), 2**15 - 1), min_size=6 * count, max_size=6 * count))
    return HEADER_STRUCT.pack(1, 0x0F, sequence, draw(st.integers(0, 2**32 - 1)), 200, count, 0) + struct.pack(
        f"<{6 * count}h", *samples
    )


def _samples(payload: bytes) -> np.ndarray:
    return np.frombuffer(payload, dtype="<i2", offset=12).reshape(-1, 6).astype(np.int64)


@settings(max_examples=300, deadline=None)
@given(packet=packets(), steps=st.sampled_from([COMPACT_STEPS, SampleSteps(2, 1), SampleSteps(1000, 3)]))
def test_rounding_is_within_a_step_and_rounding_again_changes_nothing(packet, steps):
    rounded = rounded_payload(packet, steps)
    assert rounded[:12] == packet[:12] and len(rounded) == len(packet)
    error = np.abs(_samples(rounded) - _samples(packet))
    assert (error <= np.repeat(np.array(steps), 3)).all()  # half a step of dither, half of rounding
    assert rounded_payload(rounded, steps) == rounded


@settings(max_examples=200, deadline=None)
@given(
    sent=st.lists(st.one_of(packets(), st.binary(max_size=40)), min_size=1, max_size=30),
    first_us=st.integers(0, 2**40),
    gaps_us=st.lists(st.integers(-5, 100_000), min_size=30, max_size=30),
)
def test_a_compact_block_gives_back_what_the_session_saw(sent, first_us, gaps_us):
    """Rounded packets, other payloads byte for byte, microsecond arrival times (ties and
    times that go back included)."""
    payloads = [rounded_payload(payload, COMPACT_STEPS) for payload in sent]
    times_ns = (1000 * np.maximum(0, first_us + np.cumsum(gaps_us[: len(sent)]))).tolist()
    got = decode_block(encode_block(times_ns, list(range(len(sent))), payloads, COMPACT_STEPS))
    assert got.payloads == payloads
    assert got.times_ns.tolist() == times_ns
    assert got.order.tolist() == list(range(len(sent)))


def test_the_dither_keeps_a_quiet_signal_s_mean():
    """A steady reading far below a step (a quiet gyroscope's bias) keeps its mean: plain
    rounding would make it 0 for good, and a standing calibration would lean by it."""
    readings = []
    for sequence in range(500):
        packet = HEADER_STRUCT.pack(1, 0x0F, sequence, 0, 200, 4, 0) + struct.pack("<24h", *([20, -9, 5, 3, -2, 1] * 4))
        readings.append(_samples(rounded_payload(packet, COMPACT_STEPS)))
    mean = np.concatenate(readings).mean(axis=0)
    assert np.abs(mean - [20, -9, 5, 3, -2, 1]).max() < 2.0, mean


def test_a_compact_session_reads_back_as_the_pipeline_saw_it(tmp_path, simulated):
    sent = [n for n in simulated.notifications() if n.host_time_s < 8.0]
    path = tmp_path / "compact.mcap"
    recorder = Recorder(path, sample_steps=COMPACT_STEPS)
    recorder.begin(session_info(simulated))
    seen = [recorder.take(notification) for notification in sent]
    recorder.end()
    assert [n.payload for n in seen] != [n.payload for n in sent]  # the samples were rounded
    assert all(round(n.host_time_s * 1e9) % 1000 == 0 for n in seen)  # to the microsecond
    recording = read_recording(path)
    assert recording.notifications == seen and recording.complete
    assert recording.session.sample_steps == COMPACT_STEPS
    with open(path, "rb") as file:
        (metadata,) = [m for m in make_reader(file).iter_metadata() if m.name == "anklet.session"]
    assert metadata.metadata["format_version"] == "3.0"
    assert metadata.metadata["sample_steps"] == "[64, 8]"


def test_a_2x_reader_refuses_a_compact_recording_in_one_sentence(tmp_path, simulated, monkeypatch):
    path = tmp_path / "compact.mcap"
    recorder = Recorder(path, sample_steps=COMPACT_STEPS)
    recorder.begin(session_info(simulated))
    recorder.take(simulated.notifications()[0])
    recorder.end()
    monkeypatch.setattr(reader_module, "FORMAT_VERSION", (2, 0))
    with pytest.raises(ValidationError, match=r"format version 3\.0, newer than this anklet reads \(up to 2\.x\)"):
        read_recording(path)


@pytest.mark.parametrize("steps", ["[0, 8]", "[64]", '"64, 8"', "[64.5, 8]"])
def test_damaged_sample_steps_are_one_sentence(tmp_path, simulated, steps, monkeypatch):
    real = session_module.SessionInfo.to_metadata
    monkeypatch.setattr(session_module.SessionInfo, "to_metadata", lambda self, channels: {**real(self, channels), "sample_steps": steps})
    path = tmp_path / "compact.mcap"
    recorder = Recorder(path, sample_steps=COMPACT_STEPS)
    recorder.begin(session_info(simulated))
    recorder.end()
    monkeypatch.undo()
    with pytest.raises(ValidationError, match="its session description is damaged"):
        read_recording(path)
