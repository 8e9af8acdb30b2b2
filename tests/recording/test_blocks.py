"""Format 2.0's blocks give back every payload byte for byte, with its arrival time and order,
whatever the payload: packets that fit the compact encoding and anything else."""

from __future__ import annotations

import struct

import numpy as np
from hypothesis import given, settings
from mcap.reader import make_reader
from hypothesis import strategies as st

from anklet.recording import _writer as writer_module
from anklet.recording import read_recording
from anklet.recording._block import BadBlock, block_entries, block_samples, decode_block, encode_block, parse_block
from anklet.recording._compact import is_whole_packet
from anklet.recording._format import from_ns, to_ns
from anklet.transport import Notification

from .sessions import record, session_info


@st.composite
def v1_packets(draw) -> bytes:
    """A whole protocol v1 data packet with any header values (valid or not) and samples."""
    count = draw(st.integers(0, 19))
    header = struct.pack(
        "<BBHIHBB", 1, draw(st.integers(0, 255)), draw(st.integers(0, 2**16 - 1)), draw(st.integers(0, 2**32 - 1)),
        draw(st.integers(0, 2**16 - 1)), count, draw(st.integers(0, 255)),
    )
    samples = draw(st.lists(st.integers(-(2**15), 2**15 - 1), min_size=6 * count, max_size=6 * count))
    return header + np.array(samples, dtype="<i2").tobytes()


# besides whole packets: anything (empty, odd lengths, other versions, a packet cut short or padded)
payloads = st.one_of(v1_packets(), st.binary(max_size=300), v1_packets().map(lambda p: p[:-1]), v1_packets().map(lambda p: p + b"\x00"))


@settings(max_examples=150, deadline=None)
@given(
    entries=st.lists(st.tuples(st.integers(0, 2**62), st.integers(0, 2**31), payloads), min_size=1, max_size=40),
)
def test_a_block_gives_back_every_payload_time_and_order(entries):
    times, order, sent = (list(column) for column in zip(*entries, strict=True))
    order.sort()  # a chunk's order only grows
    got = decode_block(encode_block(times, order, sent))
    assert got.payloads == sent and all(isinstance(payload, bytes) for payload in got.payloads)
    assert got.times_ns.tolist() == times
    assert got.order.tolist() == order


def test_only_whole_v1_packets_are_stored_column_wise():
    packet = struct.pack("<BBHIHBB", 1, 0x0F, 7, 123456, 200, 2, 0) + bytes(24)
    assert is_whole_packet(packet)
    assert not any(is_whole_packet(p) for p in (packet[:-1], packet + b"\x00", b"\x02" + packet[1:], b"", packet[:12]))


@settings(max_examples=60, deadline=None)
@given(garbage=st.binary(max_size=200), keep=st.integers(0, 200))
def test_a_damaged_block_raises_only_bad_block(garbage, keep):
    block = encode_block([1, 2], [0, 1], [struct.pack("<BBHIHBB", 1, 0, 0, 0, 200, 1, 0) + bytes(12), b"raw"])
    for data in (garbage, block[:keep], block[:keep] + garbage):
        try:
            decode_block(data)
        except BadBlock:
            pass


@settings(max_examples=25, deadline=None)
@given(
    notifications=st.lists(
        st.tuples(
            st.sampled_from(["left_foot", "right_foot", "left_shank"]),
            st.sampled_from(["data", "data", "data", "status", "connection"]),
            payloads,
            st.floats(0.0, 3.0),
        ),
        max_size=120,
    ),
    in_time_order=st.booleans(),
)
def test_a_recording_gives_back_any_notifications_in_their_order(tmp_path_factory, simulated, notifications, in_time_order):
    """Interleaved sensors and channels, arrival times that tie or go backwards (or arrive in
    time order, ties across channels kept in the order drawn): the reader gives back what the
    writer was handed, in its order, stamped to the nanosecond."""
    if in_time_order:
        notifications = sorted(notifications, key=lambda entry: entry[3])
    sent = [Notification(sensor, channel, payload, from_ns(to_ns(t))) for sensor, channel, payload, t in notifications]
    path = tmp_path_factory.mktemp("fuzz") / "r.mcap"
    record(path, sent, session_info(simulated))
    recording = read_recording(path)
    assert recording.notifications == sent and recording.notes == []


def test_a_block_that_cannot_be_decoded_loses_only_itself(tmp_path, simulated, monkeypatch):
    """A block whose chunk is whole but which does not decode (a writer's bug, a forged file):
    skipped with a note, the other sensors and chunks kept."""
    sent = [n for n in simulated.notifications() if n.host_time_s < 3.0]
    real_encode = writer_module.encode_block
    calls = []

    def encode_one_badly(times_ns, order, payloads, steps):
        calls.append(len(payloads))
        block = real_encode(times_ns, order, payloads, steps)
        return block[:-5] if len(calls) == 3 else block

    monkeypatch.setattr(writer_module, "encode_block", encode_one_badly)
    record(tmp_path / "r.mcap", sent, session_info(simulated))
    recording = read_recording(tmp_path / "r.mcap")
    assert len(recording.notifications) == len(sent) - calls[2]
    got = [(n.sensor, n.channel, n.payload) for n in recording.notifications]
    kept = set(got)
    assert got == [key for key in ((n.sensor, n.channel, n.payload) for n in sent) if key in kept]
    assert any("could not be decoded" in note for note in recording.notes)


def test_a_block_longer_than_a_flac_frame(simulated):
    """More samples than one FLAC frame holds (4096), as a chunk of a fast sensor whose clock
    stood still would have: all of them come back."""
    rng = np.random.default_rng(0)
    header = struct.pack("<BBHIHBB", 1, 0x0F, 0, 0, 1000, 19, 0)
    sent = [header + rng.integers(-(2**15), 2**15, 6 * 19, dtype="<i2").tobytes() for _ in range(300)]
    got = decode_block(encode_block(range(300), range(300), sent))
    assert got.payloads == sent


def test_a_session_written_in_time_order_stores_no_order(tmp_path, simulated, monkeypatch):
    """Arrivals that only go forward need no order: the reader sorts by arrival time and
    channel, and gets the order the session had. (The simulator's BLE link delivers a status
    and a data packet at the same instant in either order: the chunks where the status came
    first keep their order.)"""
    orders = []
    real_encode = writer_module.encode_block

    def spy(times_ns, order, payloads, steps):
        orders.append(order)
        return real_encode(times_ns, order, payloads, steps)

    monkeypatch.setattr(writer_module, "encode_block", spy)
    sent = [n for n in simulated.notifications() if n.host_time_s < 6.0]
    record(tmp_path / "r.mcap", sent, session_info(simulated))
    got = read_recording(tmp_path / "r.mcap").notifications
    assert [(n.sensor, n.channel, n.payload) for n in got] == [(n.sensor, n.channel, n.payload) for n in sent]
    times = [to_ns(n.host_time_s) for n in sent]
    assert any(a == b for a, b in zip(times, times[1:]))  # ties, which the order of the blocks keeps
    assert orders.count(None) >= 0.75 * len(orders) > 0


def test_a_clock_that_stands_still_still_closes_chunks(tmp_path, simulated, monkeypatch):
    """Arrival times that never advance close no chunk by time: the payloads' size does, so a
    block never grows without bound, and the chunks read back in order."""
    monkeypatch.setattr(writer_module, "_LARGEST_CHUNK_BYTES", 20_000)
    sent = [Notification(n.sensor, n.channel, n.payload, 1.0) for n in simulated.notifications()[:2000]]
    record(tmp_path / "r.mcap", sent, session_info(simulated))
    with open(tmp_path / "r.mcap", "rb") as file:
        chunks = len(make_reader(file).get_summary().chunk_indexes)
    assert chunks >= sum(len(n.payload) for n in sent) // 20_000
    assert read_recording(tmp_path / "r.mcap").notifications == sent


def test_a_sensors_blocks_decode_together_and_alone_when_one_is_damaged():
    """``block_samples`` decodes the frames of many blocks as one stream; when one block's
    frames are damaged it decodes block by block, and only that block is lost."""
    rng = np.random.default_rng(1)
    packets = [
        [struct.pack("<BBHIHBB", 1, 0x0F, i, 0, 200, 4, 0) + rng.integers(-300, 300, 24, dtype="<i2").tobytes() for i in range(n)]
        for n in (5, 1, 30, 12)
    ]
    parsed = [parse_block(encode_block(range(len(p)), None, p)) for p in packets]
    decoded = block_samples(parsed)
    assert [entries.payloads for entries in block_entries(parsed, decoded)] == packets
    damaged = parsed[2]._replace(frames=parsed[2].frames[:-20] + bytes(20))
    decoded = block_samples([parsed[0], parsed[1], damaged, parsed[3]])
    assert decoded[2] is None
    entries = block_entries([parsed[0], parsed[1], damaged, parsed[3]], decoded)
    assert entries[2] is None
    assert [entries[i].payloads for i in (0, 1, 3)] == [packets[i] for i in (0, 1, 3)]


def test_a_block_whose_sections_disagree_is_lost_alone():
    """A block whose raw payloads are not as long as it says, or whose samples are fewer than
    its headers say, gives no entries; the blocks rebuilt with it are whole."""
    packets = [[struct.pack("<BBHIHBB", 1, 0x0F, i, 0, 200, 2, 0) + bytes(24) for i in range(n)] for n in (3, 4, 5)]
    packets[2][1] = b"raw payload"
    parsed = [parse_block(encode_block(range(len(p)), None, p)) for p in packets]
    decoded = block_samples(parsed)
    assert [entries.payloads for entries in block_entries(parsed, decoded)] == packets
    longer = parsed[0]._replace(raw_bytes=b"x")
    fewer = decoded[1][:-1]
    shorter = parsed[2]._replace(raw_bytes=parsed[2].raw_bytes[:-1])
    entries = block_entries([longer, parsed[1], parsed[2]], decoded)
    assert entries[0] is None and [entries[i].payloads for i in (1, 2)] == packets[1:]
    entries = block_entries(parsed, [decoded[0], fewer, decoded[2]])
    assert entries[1] is None and [entries[i].payloads for i in (0, 2)] == [packets[0], packets[2]]
    assert block_entries([parsed[0], parsed[1], shorter], decoded)[2] is None
