"""The status message on the status characteristic: battery, streaming state, a time-sync point."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from anklet.errors import ProtocolError, ValidationError
from anklet.protocol._constants import (
    ACC_RANGES_G,
    BATTERY_UNKNOWN,
    GYR_RANGES_DPS,
    MAX_SAMPLE_RATE_HZ,
    MIN_SAMPLE_RATE_HZ,
    PROTOCOL_VERSION,
    STATUS_CHARGING,
    STATUS_KIND,
    STATUS_LOW_BATTERY,
    STATUS_RESERVED,
    STATUS_SIZE,
    STATUS_STREAMING,
)
from anklet.protocol._encode import range_code
from anklet.protocol._header import check_version

_STATUS_STRUCT = struct.Struct("<BBHIHBBBBhI")
assert _STATUS_STRUCT.size == STATUS_SIZE


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """A sensor's status, notified every second and on change.

    Attributes:
        last_sequence: sequence number of the last data packet sent, 0-65535.
        tick_us: sensor clock when the message was built, µs, wraps at 2**32 (time-sync point).
        sample_rate_hz: current sample rate, Hz.
        acc_range_g, gyr_range_dps: current full-scale ranges.
        battery_pct: charge 0-100 %, or None when the firmware does not know.
        charging, streaming, low_battery: status flags.
        temperature_c: sensor temperature, °C, 0.01 °C resolution.
        dropped_samples_total: samples lost to FIFO overflow since boot.
    """

    last_sequence: int
    tick_us: int
    sample_rate_hz: int
    acc_range_g: int
    gyr_range_dps: int
    battery_pct: int | None
    charging: bool
    streaming: bool
    low_battery: bool
    temperature_c: float
    dropped_samples_total: int


def decode_status(payload: bytes | bytearray | memoryview) -> StatusMessage:
    """Decode a status message (20 bytes, kind ``'S'``); ProtocolError if it breaks v1."""
    payload = bytes(payload)
    check_version(payload, "status message")
    if len(payload) < 2:
        raise ProtocolError("truncated", "status message is 1 byte; it has 20")
    if payload[1] != STATUS_KIND:
        raise ProtocolError(
            "bad_kind", f"status message kind is 0x{payload[1]:02x}; v1 knows only 0x53 ('S')"
        )
    if len(payload) != STATUS_SIZE:
        raise ProtocolError(
            "truncated" if len(payload) < STATUS_SIZE else "length_mismatch",
            f"status message is {len(payload)} bytes; it has {STATUS_SIZE}",
        )
    (_, _, sequence, tick_us, rate, acc_code, gyr_code, battery, flags, temperature, dropped) = (
        _STATUS_STRUCT.unpack(payload)
    )
    _check_status_fields(rate, acc_code, gyr_code, battery, flags)
    return StatusMessage(
        last_sequence=sequence,
        tick_us=tick_us,
        sample_rate_hz=rate,
        acc_range_g=ACC_RANGES_G[acc_code],
        gyr_range_dps=GYR_RANGES_DPS[gyr_code],
        battery_pct=None if battery == BATTERY_UNKNOWN else battery,
        charging=bool(flags & STATUS_CHARGING),
        streaming=bool(flags & STATUS_STREAMING),
        low_battery=bool(flags & STATUS_LOW_BATTERY),
        temperature_c=temperature / 100,
        dropped_samples_total=dropped,
    )


def _check_status_fields(rate: int, acc_code: int, gyr_code: int, battery: int, flags: int) -> None:
    if flags & STATUS_RESERVED:
        raise ProtocolError(
            "reserved_bits", f"status message sets reserved flag bits (0x{flags:02x})"
        )
    if acc_code >= len(ACC_RANGES_G) or gyr_code >= len(GYR_RANGES_DPS):
        raise ProtocolError(
            "bad_range",
            f"status message has range codes {acc_code} (acc, valid 0-3) "
            f"and {gyr_code} (gyro, valid 0-4)",
        )
    if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
        raise ProtocolError("bad_rate", f"status message has sample rate {rate} Hz")
    if 100 < battery < BATTERY_UNKNOWN:
        raise ProtocolError(
            "bad_battery", f"status message has battery {battery} %; valid 0-100 or 255"
        )


def encode_status(status: StatusMessage) -> bytes:
    """The 20 bytes firmware sends for ``status``; ValidationError for values v1 cannot carry."""
    temperature = round(status.temperature_c * 100)
    battery = BATTERY_UNKNOWN if status.battery_pct is None else status.battery_pct
    if not 0 <= battery <= 100 and battery != BATTERY_UNKNOWN:
        raise ValidationError(f"battery_pct {battery} must be 0-100 or None")
    if not -32768 <= temperature <= 32767:
        raise ValidationError(f"temperature_c {status.temperature_c} is outside ±327.67 °C")
    if not MIN_SAMPLE_RATE_HZ <= status.sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
        raise ValidationError(f"sample_rate_hz {status.sample_rate_hz} must be 10-4000")
    flags = (
        (STATUS_CHARGING if status.charging else 0)
        | (STATUS_STREAMING if status.streaming else 0)
        | (STATUS_LOW_BATTERY if status.low_battery else 0)
    )
    try:
        return _STATUS_STRUCT.pack(
            PROTOCOL_VERSION,
            STATUS_KIND,
            status.last_sequence,
            status.tick_us,
            status.sample_rate_hz,
            range_code(status.acc_range_g, ACC_RANGES_G, "accelerometer range (g)"),
            range_code(status.gyr_range_dps, GYR_RANGES_DPS, "gyroscope range (deg/s)"),
            battery,
            flags,
            temperature,
            status.dropped_samples_total,
        )
    except struct.error as exc:
        raise ValidationError(f"status field out of range: {exc}") from exc
