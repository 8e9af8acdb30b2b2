"""Commands the host writes to the control characteristic."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from anklet.errors import ProtocolError, ValidationError
from anklet.protocol._constants import (
    ACC_RANGES_G,
    GYR_RANGES_DPS,
    MAX_SAMPLE_RATE_HZ,
    MIN_SAMPLE_RATE_HZ,
)
from anklet.protocol._encode import range_code


class Opcode(IntEnum):
    """First byte of a command."""

    START = 0x01
    """Start streaming data packets."""
    STOP = 0x02
    """Stop streaming."""
    SET_RATE = 0x03
    """Set the sample rate: u16 Hz follows."""
    SET_RANGES = 0x04
    """Set full-scale ranges: u8 accelerometer code, u8 gyroscope code follow."""
    IDENTIFY = 0x05
    """Blink the LED for 3 s."""
    REBOOT = 0x06
    """Reboot the sensor."""


_SIZES = {Opcode.SET_RATE: 3, Opcode.SET_RANGES: 3}
"""Command length in bytes where it is not 1."""
_PARAMETERS = {
    Opcode.SET_RATE: {"sample_rate_hz"},
    Opcode.SET_RANGES: {"acc_range_g", "gyr_range_dps"},
}
"""Keyword parameters of encode_command each opcode takes (none where not listed)."""


@dataclass(frozen=True, slots=True)
class Command:
    """A decoded command; the parameters its opcode does not take are None."""

    opcode: Opcode
    sample_rate_hz: int | None = None
    acc_range_g: int | None = None
    gyr_range_dps: int | None = None


def encode_command(
    opcode: Opcode,
    *,
    sample_rate_hz: int | None = None,
    acc_range_g: int | None = None,
    gyr_range_dps: int | None = None,
) -> bytes:
    """The bytes to write for a command: ``encode_command(Opcode.SET_RATE, sample_rate_hz=200)``.

    Raises ValidationError if a parameter is missing, not taken by the opcode, or out of range.
    """
    opcode = Opcode(opcode)
    given = {
        name
        for name, value in (
            ("sample_rate_hz", sample_rate_hz),
            ("acc_range_g", acc_range_g),
            ("gyr_range_dps", gyr_range_dps),
        )
        if value is not None
    }
    wanted = _PARAMETERS.get(opcode, set())
    if given != wanted:
        raise ValidationError(f"{opcode.name} takes {sorted(wanted) or 'no parameters'}")
    if opcode is Opcode.SET_RATE:
        if not MIN_SAMPLE_RATE_HZ <= sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
            raise ValidationError(f"sample_rate_hz {sample_rate_hz} must be 10-4000")
        return struct.pack("<BH", opcode, sample_rate_hz)
    if opcode is Opcode.SET_RANGES:
        acc_code = range_code(acc_range_g, ACC_RANGES_G, "accelerometer range (g)")
        gyr_code = range_code(gyr_range_dps, GYR_RANGES_DPS, "gyroscope range (deg/s)")
        return bytes((opcode, acc_code, gyr_code))
    return bytes((opcode,))


def decode_command(payload: bytes | bytearray | memoryview) -> Command:
    """Decode a command as firmware receives it; ProtocolError if it breaks v1."""
    payload = bytes(payload)
    if not payload:
        raise ProtocolError("truncated", "command is empty")
    try:
        opcode = Opcode(payload[0])
    except ValueError:
        raise ProtocolError(
            "bad_opcode", f"command opcode 0x{payload[0]:02x} is not 0x01-0x06"
        ) from None
    size = _SIZES.get(opcode, 1)
    if len(payload) != size:
        raise ProtocolError(
            "truncated" if len(payload) < size else "length_mismatch",
            f"{opcode.name} command is {len(payload)} bytes; it has {size}",
        )
    if opcode is Opcode.SET_RATE:
        (rate,) = struct.unpack_from("<H", payload, 1)
        if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
            raise ProtocolError("bad_rate", f"SET_RATE asks for {rate} Hz; valid 10-4000 Hz")
        return Command(opcode, sample_rate_hz=rate)
    if opcode is Opcode.SET_RANGES:
        acc_code, gyr_code = payload[1], payload[2]
        if acc_code >= len(ACC_RANGES_G) or gyr_code >= len(GYR_RANGES_DPS):
            raise ProtocolError(
                "bad_range", f"SET_RANGES codes {acc_code}, {gyr_code}; valid 0-3, 0-4"
            )
        return Command(
            opcode, acc_range_g=ACC_RANGES_G[acc_code], gyr_range_dps=GYR_RANGES_DPS[gyr_code]
        )
    return Command(opcode)
