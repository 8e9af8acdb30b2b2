"""Encoding and decoding of every protocol v1 message, and every way a message can be malformed."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from anklet.errors import ProtocolError, ValidationError
from anklet.protocol import (
    ACC_RANGES_G,
    ERROR_REASONS,
    GYR_RANGES_DPS,
    Command,
    DeviceInfo,
    Opcode,
    StatusMessage,
    decode_command,
    decode_info,
    decode_packet,
    decode_packets,
    decode_status,
    describe_packet,
    encode_command,
    encode_info,
    encode_packet,
    encode_packets,
    encode_status,
    quantize_acc,
    quantize_gyr,
)

G = 9.80665


def _packet(n: int = 2, **overrides) -> bytes:
    acc = np.arange(3 * n, dtype=np.int16).reshape(n, 3) - 7
    gyr = -np.arange(3 * n, dtype=np.int16).reshape(n, 3) + 100
    fields = dict(sequence=7, tick_us=1_000_000, sample_rate_hz=100, acc_raw=acc, gyr_raw=gyr)
    return encode_packet(**(fields | overrides))


def _status(**overrides) -> StatusMessage:
    fields = dict(
        last_sequence=41,
        tick_us=123_456_789,
        sample_rate_hz=200,
        acc_range_g=8,
        gyr_range_dps=1000,
        battery_pct=87,
        charging=False,
        streaming=True,
        low_battery=False,
        temperature_c=31.25,
        dropped_samples_total=3,
    )
    return StatusMessage(**(fields | overrides))


def test_header_bytes_are_little_endian_at_their_offsets():
    payload = _packet(
        n=1,
        sequence=0x1234,
        tick_us=0x89ABCDEF,
        sample_rate_hz=0x0190,
        acc_range_g=8,
        gyr_range_dps=250,
        fifo_overflow=True,
    )
    assert payload[:12] == bytes(
        [1, 0b0100_0110, 0x34, 0x12, 0xEF, 0xCD, 0xAB, 0x89, 0x90, 0x01, 1, 0]
    )
    assert len(payload) == 24


def test_samples_are_scaled_to_si_by_their_range():
    acc = np.array([[16384, -32768, 1]], dtype=np.int16)
    gyr = np.array([[32767, -16384, 0]], dtype=np.int16)
    packet = decode_packet(_packet(n=1, acc_raw=acc, gyr_raw=gyr, acc_range_g=4, gyr_range_dps=500))
    np.testing.assert_allclose(packet.acc, [[2 * G, -4 * G, 4 * G / 32768]])
    np.testing.assert_allclose(
        packet.gyr, [[math.radians(500) * 32767 / 32768, -math.radians(250), 0]]
    )
    assert packet.acc.shape == packet.gyr.shape == (1, 3)
    assert packet.acc.dtype == np.float64


@pytest.mark.parametrize("range_g", ACC_RANGES_G)
@pytest.mark.parametrize("range_dps", GYR_RANGES_DPS)
def test_every_range_round_trips_through_quantization(range_g, range_dps):
    acc = np.array([[0.5, -0.25, 1.0]]) * range_g * G
    gyr = np.array([[0.5, -1.0, 0.125]]) * math.radians(range_dps)
    payload = _packet(
        n=1,
        acc_raw=quantize_acc(acc, range_g),
        gyr_raw=quantize_gyr(gyr, range_dps),
        acc_range_g=range_g,
        gyr_range_dps=range_dps,
    )
    packet = decode_packet(payload)
    assert (packet.acc_range_g, packet.gyr_range_dps) == (range_g, range_dps)
    np.testing.assert_allclose(packet.acc, acc, atol=range_g * G / 32768)
    np.testing.assert_allclose(packet.gyr, gyr, atol=math.radians(range_dps) / 32768)


def test_quantize_rounds_and_saturates():
    scale = 2 * G / 32768
    raw = quantize_acc([2.4 * scale, -2.6 * scale, 100.0, -100.0, np.inf], 2)
    assert raw.tolist() == [2, -3, 32767, -32768, 32767]
    assert raw.dtype == np.int16
    with pytest.raises(ValidationError):
        quantize_gyr([np.nan], 2000)
    with pytest.raises(ValidationError):
        quantize_acc([0.0], 3)


def test_flags_decode():
    packet = decode_packet(_packet(clock_reset=True))
    assert packet.clock_reset and not packet.fifo_overflow
    packet = decode_packet(_packet(fifo_overflow=True))
    assert packet.fifo_overflow and not packet.clock_reset


def test_sample_ticks_follow_the_rate_without_wrapping():
    packet = decode_packet(_packet(n=3, tick_us=2**32 - 1000, sample_rate_hz=400))
    np.testing.assert_array_equal(
        packet.sample_tick_us(), [2**32 - 1000, 2**32 + 1500, 2**32 + 4000]
    )


def test_decode_accepts_bytearray_and_memoryview():
    payload = _packet()
    expected = decode_packet(payload)
    for view in (bytearray(payload), memoryview(payload)):
        assert decode_packet(view).sequence == expected.sequence
        np.testing.assert_array_equal(decode_packet(view).acc, expected.acc)


def test_encode_packets_matches_encode_packet_and_may_skip_samples():
    rng = np.random.default_rng(1)
    acc = rng.integers(-32768, 32768, (50, 3)).astype(np.int16)
    gyr = rng.integers(-32768, 32768, (50, 3)).astype(np.int16)
    starts, counts = [0, 5, 30, 31], [5, 19, 1, 19]  # samples 24..29 are never sent
    packets = encode_packets(
        acc,
        gyr,
        starts,
        counts,
        sequences=[65534, 65535, 0, 1],
        ticks_us=[0, 10, 20, 30],
        sample_rate_hz=250,
        acc_range_g=2,
        gyr_range_dps=125,
        fifo_overflow=[False, False, True, False],
    )
    for k, (start, count) in enumerate(zip(starts, counts, strict=True)):
        assert packets[k] == encode_packet(
            [65534, 65535, 0, 1][k],
            [0, 10, 20, 30][k],
            250,
            acc[start : start + count],
            gyr[start : start + count],
            acc_range_g=2,
            gyr_range_dps=125,
            fifo_overflow=k == 2,
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"sequence": 65536},
        {"tick_us": -1},
        {"tick_us": 2**32},
        {"sample_rate_hz": 9},
        {"sample_rate_hz": 4001},
        {"acc_range_g": 3},
        {"gyr_range_dps": 4000},
        {"acc_raw": np.full((2, 3), 40000), "gyr_raw": np.zeros((2, 3), int)},
        {"acc_raw": np.zeros((2, 3)), "gyr_raw": np.zeros((2, 3))},
        {"acc_raw": np.zeros((20, 3), np.int16), "gyr_raw": np.zeros((20, 3), np.int16)},
        {"acc_raw": np.zeros((0, 3), np.int16), "gyr_raw": np.zeros((0, 3), np.int16)},
        {"acc_raw": np.zeros((2, 3), np.int16), "gyr_raw": np.zeros((3, 3), np.int16)},
    ],
)
def test_encoder_refuses_what_v1_cannot_carry(overrides):
    with pytest.raises(ValidationError):
        _packet(**overrides)


def test_decode_packets_equals_decode_packet_per_packet():
    packets = [
        _packet(n=1, sequence=1, tick_us=5, sample_rate_hz=10, acc_range_g=2, gyr_range_dps=125),
        _packet(n=19, sequence=2, tick_us=2**32 - 1, sample_rate_hz=1000, clock_reset=True),
        _packet(
            n=7,
            sequence=3,
            sample_rate_hz=333,
            acc_range_g=8,
            gyr_range_dps=500,
            fifo_overflow=True,
        ),
    ]
    batch = decode_packets(packets)
    singles = [decode_packet(p) for p in packets]
    np.testing.assert_array_equal(batch.acc, np.concatenate([p.acc for p in singles]))
    np.testing.assert_array_equal(batch.gyr, np.concatenate([p.gyr for p in singles]))
    np.testing.assert_allclose(
        batch.sample_tick_us, np.concatenate([p.sample_tick_us() for p in singles])
    )
    np.testing.assert_array_equal(batch.packet_index, np.repeat([0, 1, 2], [1, 19, 7]))
    assert batch.sequence.tolist() == [1, 2, 3]
    assert batch.tick_us.tolist() == [5, 2**32 - 1, 1_000_000]
    assert batch.tick_us.dtype == np.uint32
    assert batch.n_samples.tolist() == [1, 19, 7]
    assert batch.sample_rate_hz.tolist() == [10, 1000, 333]
    assert batch.flags.tolist() == [p.flags for p in singles]
    assert batch.acc_range_g.tolist() == [2, 16, 8]
    assert batch.gyr_range_dps.tolist() == [125, 2000, 500]
    assert batch.clock_reset.tolist() == [False, True, False]
    assert batch.fifo_overflow.tolist() == [False, False, True]


def test_a_batch_split_in_groups_is_each_group_decoded_alone():
    packets = [
        _packet(n=3, sequence=1, acc_range_g=2),
        _packet(n=19, sequence=2, gyr_range_dps=500, clock_reset=True),
        _packet(n=1, sequence=3),
        _packet(n=7, sequence=4, acc_range_g=8),
    ]
    groups = decode_packets(packets).split([1, 0, 3])
    for group, alone in zip(groups, [decode_packets(packets[:1]), decode_packets([]), decode_packets(packets[1:])],
                            strict=True):
        for name in ("sequence", "tick_us", "sample_rate_hz", "n_samples", "flags", "acc", "gyr"):
            np.testing.assert_array_equal(getattr(group, name), getattr(alone, name), name)


def test_decode_packets_of_nothing_is_empty():
    batch = decode_packets([])
    assert batch.acc.shape == (0, 3) and batch.sequence.shape == (0,)


# Each malformed data packet with the reason it must raise. Built by editing a valid packet.
def _edited(offset: int, value: int, payload: bytes | None = None) -> bytes:
    edited = bytearray(payload or _packet())
    edited[offset] = value
    return bytes(edited)


MALFORMED_PACKETS = {
    "empty": (b"", "truncated"),
    "short_header": (_packet()[:11], "truncated"),
    "version_0": (_edited(0, 0), "unknown_version"),
    "version_3_short": (b"\x03\x00", "unknown_version"),
    "flags_bit7": (_edited(1, 0x80 | _packet()[1]), "reserved_bits"),
    "byte11": (_edited(11, 1), "reserved_bits"),
    "gyro_code_5": (_edited(1, 5 << 2), "bad_range"),
    "gyro_code_7": (_edited(1, 7 << 2 | 3), "bad_range"),
    "rate_9": (_packet()[:8] + struct.pack("<H", 9) + _packet()[10:], "bad_rate"),
    "rate_4001": (_packet()[:8] + struct.pack("<H", 4001) + _packet()[10:], "bad_rate"),
    "count_0": (_edited(10, 0), "bad_count"),
    "count_20": (_edited(10, 20), "bad_count"),
    "too_long": (_packet() + b"\x00", "length_mismatch"),
    "count_too_high_for_length": (_edited(10, 3), "length_mismatch"),
    "missing_sample_bytes": (_packet()[:-2], "length_mismatch"),
}


@pytest.mark.parametrize("name", MALFORMED_PACKETS)
def test_malformed_packet_raises_its_reason(name):
    payload, reason = MALFORMED_PACKETS[name]
    with pytest.raises(ProtocolError) as excinfo:
        decode_packet(payload)
    assert excinfo.value.reason == reason


@pytest.mark.parametrize("name", MALFORMED_PACKETS)
@pytest.mark.parametrize("position", [0, 3])
def test_decode_packets_names_the_first_malformed_packet(name, position):
    payload, reason = MALFORMED_PACKETS[name]
    packets = [_packet(n=19)] * 5
    packets[position] = payload
    packets[4] = b"\x01"  # a later, different fault must not be the one reported
    with pytest.raises(ProtocolError) as excinfo:
        decode_packets(packets)
    assert excinfo.value.reason == reason
    assert f"packet {position}" in str(excinfo.value)


def test_unknown_version_says_to_update_anklet():
    with pytest.raises(
        ProtocolError, match="protocol version 3; this anklet understands version 1"
    ):
        decode_packet(_edited(0, 3))


def test_status_round_trips_and_has_fixed_offsets():
    status = _status(battery_pct=None, temperature_c=-12.5, charging=True, low_battery=True)
    payload = encode_status(status)
    assert len(payload) == 20
    assert payload[:2] == b"\x01S"
    assert payload[12] == 255
    assert payload[13] == 0b111
    assert struct.unpack_from("<h", payload, 14) == (-1250,)
    assert decode_status(payload) == status


def test_info_round_trips_nul_padded():
    info = DeviceInfo(serial="AK-000123", hardware_revision="rev C", firmware_revision="1.4.0")
    payload = encode_info(info)
    assert len(payload) == 34
    assert payload[2:18] == b"AK-000123" + bytes(7)
    assert decode_info(payload) == info
    assert decode_info(payload + b"future fields") == info


def test_info_refuses_text_it_cannot_carry():
    with pytest.raises(ValidationError):
        encode_info(DeviceInfo("x" * 17, "", ""))
    with pytest.raises(ValidationError):
        encode_info(DeviceInfo("naïve", "", ""))


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (Command(Opcode.START), b"\x01"),
        (Command(Opcode.STOP), b"\x02"),
        (Command(Opcode.SET_RATE, sample_rate_hz=1000), b"\x03\xe8\x03"),
        (Command(Opcode.SET_RANGES, acc_range_g=16, gyr_range_dps=2000), b"\x04\x03\x04"),
        (Command(Opcode.IDENTIFY), b"\x05"),
        (Command(Opcode.REBOOT), b"\x06"),
    ],
)
def test_commands_encode_and_decode(command, expected):
    payload = encode_command(
        command.opcode,
        sample_rate_hz=command.sample_rate_hz,
        acc_range_g=command.acc_range_g,
        gyr_range_dps=command.gyr_range_dps,
    )
    assert payload == expected
    assert decode_command(payload) == command


def test_command_parameters_are_checked():
    with pytest.raises(ValidationError):
        encode_command(Opcode.SET_RATE)
    with pytest.raises(ValidationError):
        encode_command(Opcode.START, sample_rate_hz=100)
    with pytest.raises(ValidationError):
        encode_command(Opcode.SET_RATE, sample_rate_hz=5)
    with pytest.raises(ValidationError):
        encode_command(Opcode.SET_RANGES, acc_range_g=3, gyr_range_dps=250)


_VALID_STATUS = encode_status(_status())
MALFORMED_OTHERS = {
    "status_empty": (decode_status, b"", "truncated"),
    "status_v2": (decode_status, b"\x02" + _VALID_STATUS[1:], "unknown_version"),
    "status_one_byte": (decode_status, b"\x01", "truncated"),
    "status_kind": (decode_status, b"\x01T" + _VALID_STATUS[2:], "bad_kind"),
    "status_short": (decode_status, _VALID_STATUS[:19], "truncated"),
    "status_long": (decode_status, _VALID_STATUS + b"\x00", "length_mismatch"),
    "status_flag_bit3": (decode_status, _edited(13, 0b1000, _VALID_STATUS), "reserved_bits"),
    "status_acc_code": (decode_status, _edited(10, 4, _VALID_STATUS), "bad_range"),
    "status_gyr_code": (decode_status, _edited(11, 5, _VALID_STATUS), "bad_range"),
    "status_rate": (decode_status, _edited(9, 0x10, _VALID_STATUS), "bad_rate"),
    "status_battery": (decode_status, _edited(12, 101, _VALID_STATUS), "bad_battery"),
    "info_short": (decode_info, encode_info(DeviceInfo("a", "b", "c"))[:33], "truncated"),
    "info_v0": (decode_info, b"\x00" + bytes(33), "unknown_version"),
    "info_reserved": (decode_info, b"\x01\x01" + bytes(32), "reserved_bits"),
    "info_not_ascii": (decode_info, b"\x01\x00\xff" + bytes(31), "bad_text"),
    "info_junk_after_nul": (decode_info, b"\x01\x00A\x00B" + bytes(29), "bad_text"),
    "command_empty": (decode_command, b"", "truncated"),
    "command_opcode": (decode_command, b"\x07", "bad_opcode"),
    "command_short": (decode_command, b"\x03\x64", "truncated"),
    "command_long": (decode_command, b"\x01\x00", "length_mismatch"),
    "command_rate": (decode_command, b"\x03\x00\x00", "bad_rate"),
    "command_range": (decode_command, b"\x04\x04\x00", "bad_range"),
}


@pytest.mark.parametrize("name", MALFORMED_OTHERS)
def test_malformed_message_raises_its_reason(name):
    decoder, payload, reason = MALFORMED_OTHERS[name]
    with pytest.raises(ProtocolError) as excinfo:
        decoder(payload)
    assert excinfo.value.reason == reason


def test_every_reason_is_reachable():
    reached = {reason for _, reason in MALFORMED_PACKETS.values()}
    reached |= {reason for _, _, reason in MALFORMED_OTHERS.values()}
    assert reached == set(ERROR_REASONS)


def test_describe_dispatches_by_shape():
    status = describe_packet(_VALID_STATUS)
    assert status["type"] == "status" and status["battery_pct"] == 87
    info = describe_packet(encode_info(DeviceInfo("S1", "H", "F")))
    assert info == {
        "type": "info",
        "serial": "S1",
        "hardware_revision": "H",
        "firmware_revision": "F",
    }
    data = describe_packet(_packet(n=2, sample_rate_hz=200, tick_us=10))
    assert data["type"] == "data" and data["n_samples"] == 2
    assert [s["tick_us"] for s in data["samples"]] == [10.0, 5010.0]
    assert data["samples"][0]["acc_raw"] == [-7, -6, -5]
    assert data["samples"][0]["acc_mps2"] == pytest.approx(
        [-7 * 16 * G / 32768, -6 * 16 * G / 32768, -5 * 16 * G / 32768]
    )


def test_public_names_are_pinned():
    """Other stages import these names; changing the list must be a deliberate edit here."""
    import anklet.protocol

    assert sorted(anklet.protocol.__all__) == sorted(
        [
            *("ACC_RANGES_G", "BATTERY_UNKNOWN", "CONTROL_UUID", "DATA_UUID", "ERROR_REASONS"),
            *("GYR_RANGES_DPS", "HEADER_SIZE", "INFO_SIZE", "INFO_UUID", "MAX_SAMPLES_PER_PACKET"),
            *("MAX_SAMPLE_RATE_HZ", "MIN_SAMPLE_RATE_HZ", "PROTOCOL_VERSION", "SAMPLE_SIZE"),
            *("SERVICE_UUID", "STATUS_SIZE", "STATUS_UUID"),
            *("Command", "DataPacket", "DecodedBatch", "DeviceInfo", "Opcode", "StatusMessage"),
            *("decode_command", "decode_info", "decode_packet", "decode_packets", "decode_status"),
            *("describe_packet", "encode_command", "encode_info", "encode_packet"),
            *("encode_packets", "encode_status", "quantize_acc", "quantize_gyr"),
        ]
    )
    assert anklet.protocol.decode_packet.__module__ == "anklet.protocol"
    assert anklet.protocol.SERVICE_UUID == "a9e90001-8b5a-4c3e-9d3b-5f2a1c0e7a11"
