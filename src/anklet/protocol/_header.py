"""The 12-byte data packet header: its layout, and its validity rules in scalar and array form.

Both forms live here so that the live decoder (one packet) and the batch decoder (an array
of headers) enforce the same rules; the batch decoder asks the scalar form for the error
message once it has found the first bad packet.
"""

from __future__ import annotations

import struct

import numpy as np

from anklet.errors import ProtocolError
from anklet.protocol._constants import (
    FLAG_CLOCK_RESET,
    FLAG_FIFO_OVERFLOW,
    FLAG_GYR_RANGE_MASK,
    FLAG_GYR_RANGE_SHIFT,
    FLAG_RESERVED,
    GYR_RANGES_DPS,
    HEADER_SIZE,
    MAX_SAMPLE_RATE_HZ,
    MAX_SAMPLES_PER_PACKET,
    MIN_SAMPLE_RATE_HZ,
    PROTOCOL_VERSION,
    SAMPLE_SIZE,
)

HEADER_STRUCT = struct.Struct("<BBHIHBB")
HEADER_DTYPE = np.dtype(
    [
        ("version", "u1"),
        ("flags", "u1"),
        ("sequence", "<u2"),
        ("tick_us", "<u4"),
        ("sample_rate_hz", "<u2"),
        ("n_samples", "u1"),
        ("reserved", "u1"),
    ]
)
assert HEADER_STRUCT.size == HEADER_DTYPE.itemsize == HEADER_SIZE


def check_version(payload: bytes | bytearray | memoryview, what: str) -> None:
    """Raise ``truncated`` for an empty payload, ``unknown_version`` unless byte 0 is v1.

    The version is checked before any length so that a packet from newer firmware always
    gets the "update anklet" message, whatever its layout.
    """
    if len(payload) == 0:
        raise ProtocolError("truncated", f"{what} is empty")
    if payload[0] != PROTOCOL_VERSION:
        raise ProtocolError(
            "unknown_version",
            f"{what} is protocol version {payload[0]}; this anklet understands version "
            f"{PROTOCOL_VERSION} — update anklet",
        )


def gyr_code(flags: int) -> int:
    """The 3-bit gyroscope range code in a flags byte."""
    return (flags & FLAG_GYR_RANGE_MASK) >> FLAG_GYR_RANGE_SHIFT


def parse_header(payload: bytes | bytearray | memoryview, what: str = "packet") -> tuple[int, ...]:
    """Validate a whole data packet's header and length; ``what`` names it in error messages.

    Returns ``(flags, sequence, tick_us, sample_rate_hz, n_samples)``.
    Raises ProtocolError for any breach of protocol v1, checked in this order: ``truncated``,
    ``unknown_version``, ``truncated``, ``reserved_bits``, ``bad_range``, ``bad_rate``,
    ``bad_count``, ``length_mismatch``.
    """
    check_version(payload, what)
    size = len(payload)
    if size < HEADER_SIZE:
        raise ProtocolError(
            "truncated", f"{what} is {size} bytes; a data packet has at least {HEADER_SIZE}"
        )
    _, flags, sequence, tick_us, rate, count, reserved = HEADER_STRUCT.unpack_from(payload)
    if flags & FLAG_RESERVED or reserved:
        raise ProtocolError(
            "reserved_bits",
            f"{what} sets reserved bits (flags 0x{flags:02x}, byte 11 0x{reserved:02x})",
        )
    if gyr_code(flags) >= len(GYR_RANGES_DPS):
        raise ProtocolError(
            "bad_range", f"{what} has gyroscope range code {gyr_code(flags)}; valid codes are 0-4"
        )
    if not MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ:
        raise ProtocolError(
            "bad_rate",
            f"{what} has sample rate {rate} Hz; valid rates are "
            f"{MIN_SAMPLE_RATE_HZ}-{MAX_SAMPLE_RATE_HZ} Hz",
        )
    if not 1 <= count <= MAX_SAMPLES_PER_PACKET:
        raise ProtocolError(
            "bad_count",
            f"{what} claims {count} samples; a packet holds 1-{MAX_SAMPLES_PER_PACKET}",
        )
    if size != HEADER_SIZE + SAMPLE_SIZE * count:
        raise ProtocolError(
            "length_mismatch",
            f"{what} is {size} bytes but its header says N={count}, which needs "
            f"{HEADER_SIZE + SAMPLE_SIZE * count} bytes",
        )
    return flags, sequence, tick_us, rate, count


def headers_valid(headers: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Array form of ``parse_header``: True where a packet passes every check.

    ``headers`` is a HEADER_DTYPE array (n_pk,), ``lengths`` the packet sizes in bytes
    (n_pk,), all at least HEADER_SIZE.
    """
    flags = headers["flags"]
    rate = headers["sample_rate_hz"]
    count = headers["n_samples"].astype(np.int64)
    return (
        (headers["version"] == PROTOCOL_VERSION)
        & ((flags & FLAG_RESERVED) == 0)
        & (headers["reserved"] == 0)
        & (((flags & FLAG_GYR_RANGE_MASK) >> FLAG_GYR_RANGE_SHIFT) < len(GYR_RANGES_DPS))
        & (rate >= MIN_SAMPLE_RATE_HZ)
        & (rate <= MAX_SAMPLE_RATE_HZ)
        & (count >= 1)
        & (count <= MAX_SAMPLES_PER_PACKET)
        & (lengths == HEADER_SIZE + SAMPLE_SIZE * count)
    )


def make_flags(acc_code, gyr_code_, clock_reset, fifo_overflow):
    """The flags byte from range codes and the two event bits; ints, bools or arrays of them."""
    return (
        acc_code
        | (gyr_code_ << FLAG_GYR_RANGE_SHIFT)
        | (np.asarray(clock_reset, dtype=np.uint8) * FLAG_CLOCK_RESET)
        | (np.asarray(fifo_overflow, dtype=np.uint8) * FLAG_FIFO_OVERFLOW)
    )
