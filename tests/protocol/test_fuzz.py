"""Property tests: valid fields survive a round trip; any bytes raise nothing but ProtocolError."""

from __future__ import annotations

import contextlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from anklet.errors import ProtocolError
from anklet.protocol import (
    ACC_RANGES_G,
    GYR_RANGES_DPS,
    MAX_SAMPLES_PER_PACKET,
    DeviceInfo,
    StatusMessage,
    decode_command,
    decode_info,
    decode_packet,
    decode_packets,
    decode_status,
    describe_packet,
    encode_info,
    encode_packet,
    encode_status,
)

FAST = settings(max_examples=300, deadline=None)


@st.composite
def packet_fields(draw):
    n = draw(st.integers(1, MAX_SAMPLES_PER_PACKET))
    raw = arrays(np.int16, (n, 3))
    return dict(
        sequence=draw(st.integers(0, 0xFFFF)),
        tick_us=draw(st.integers(0, 0xFFFF_FFFF)),
        sample_rate_hz=draw(st.integers(10, 4000)),
        acc_raw=draw(raw),
        gyr_raw=draw(raw),
        acc_range_g=draw(st.sampled_from(ACC_RANGES_G)),
        gyr_range_dps=draw(st.sampled_from(GYR_RANGES_DPS)),
        clock_reset=draw(st.booleans()),
        fifo_overflow=draw(st.booleans()),
    )


@FAST
@given(packet_fields())
def test_data_packet_round_trip(fields):
    packet = decode_packet(encode_packet(**fields))
    for name in (
        "sequence",
        "tick_us",
        "sample_rate_hz",
        "acc_range_g",
        "gyr_range_dps",
        "clock_reset",
        "fifo_overflow",
    ):
        assert getattr(packet, name) == fields[name], name
    acc_scale = fields["acc_range_g"] * 9.80665 / 32768
    gyr_scale = np.radians(fields["gyr_range_dps"]) / 32768
    np.testing.assert_array_equal(np.rint(packet.acc / acc_scale), fields["acc_raw"])
    np.testing.assert_array_equal(np.rint(packet.gyr / gyr_scale), fields["gyr_raw"])


@FAST
@given(st.lists(packet_fields(), min_size=1, max_size=6))
def test_batch_decode_equals_single_decode(many):
    payloads = [encode_packet(**fields) for fields in many]
    batch = decode_packets(payloads)
    singles = [decode_packet(p) for p in payloads]
    np.testing.assert_array_equal(batch.acc, np.concatenate([p.acc for p in singles]))
    np.testing.assert_array_equal(batch.gyr, np.concatenate([p.gyr for p in singles]))
    np.testing.assert_allclose(
        batch.sample_tick_us, np.concatenate([p.sample_tick_us() for p in singles])
    )
    assert batch.sequence.tolist() == [p.sequence for p in singles]


@FAST
@given(
    st.builds(
        StatusMessage,
        last_sequence=st.integers(0, 0xFFFF),
        tick_us=st.integers(0, 0xFFFF_FFFF),
        sample_rate_hz=st.integers(10, 4000),
        acc_range_g=st.sampled_from(ACC_RANGES_G),
        gyr_range_dps=st.sampled_from(GYR_RANGES_DPS),
        battery_pct=st.none() | st.integers(0, 100),
        charging=st.booleans(),
        streaming=st.booleans(),
        low_battery=st.booleans(),
        temperature_c=st.integers(-32768, 32767).map(lambda centi: centi / 100),
        dropped_samples_total=st.integers(0, 0xFFFF_FFFF),
    )
)
def test_status_round_trip(status):
    assert decode_status(encode_status(status)) == status


_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E))


@FAST
@given(
    st.builds(
        DeviceInfo,
        _TEXT.filter(lambda s: len(s) <= 16),
        _TEXT.filter(lambda s: len(s) <= 8),
        _TEXT.filter(lambda s: len(s) <= 8),
    )
)
def test_info_round_trip(info):
    assert decode_info(encode_info(info)) == info


def _only_protocol_errors(decoder, payload):
    with contextlib.suppress(ProtocolError):
        decoder(payload)


# Arbitrary bytes, and bytes that start out plausible (version 1, sizes near the real ones).
_PAYLOADS = st.binary(max_size=260) | st.builds(
    lambda body, n: b"\x01" + body[: 11 + 12 * n],
    st.binary(min_size=240, max_size=260),
    st.integers(0, 20),
)


@settings(max_examples=1000, deadline=None)
@given(_PAYLOADS)
def test_arbitrary_bytes_raise_only_protocol_errors(payload):
    for decoder in (decode_packet, decode_status, decode_info, describe_packet, decode_command):
        _only_protocol_errors(decoder, payload)


@FAST
@given(st.lists(_PAYLOADS, max_size=5))
def test_arbitrary_batches_raise_only_protocol_errors_and_agree_with_single_decode(payloads):
    try:
        decode_packets(payloads)
    except ProtocolError as exc:
        first_bad = next(i for i, p in enumerate(payloads) if _fails(p))
        assert f"packet {first_bad} " in str(exc)
    else:
        assert not any(_fails(p) for p in payloads)


def _fails(payload: bytes) -> bool:
    try:
        decode_packet(payload)
    except ProtocolError:
        return True
    return False
