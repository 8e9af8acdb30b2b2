"""Numbers fixed by firmware protocol v1 (see ``firmware_protocol/PROTOCOL.md``)."""

from __future__ import annotations

import math

PROTOCOL_VERSION = 1
"""Protocol major version, byte 0 of every data packet, status message and info block."""

_UUID_SUFFIX = "-8b5a-4c3e-9d3b-5f2a1c0e7a11"
SERVICE_UUID = "a9e90001" + _UUID_SUFFIX
"""GATT service "anklet IMU service"."""
DATA_UUID = "a9e90002" + _UUID_SUFFIX
"""Characteristic (notify): data packets."""
CONTROL_UUID = "a9e90003" + _UUID_SUFFIX
"""Characteristic (write): commands."""
STATUS_UUID = "a9e90004" + _UUID_SUFFIX
"""Characteristic (read + notify every 1 s and on change): status / time-sync message."""
INFO_UUID = "a9e90005" + _UUID_SUFFIX
"""Characteristic (read): device info block."""

HEADER_SIZE = 12
"""Bytes in a data packet header."""
SAMPLE_SIZE = 12
"""Bytes per sample: ax, ay, az, gx, gy, gz as little-endian int16."""
MAX_SAMPLES_PER_PACKET = 19
"""12 + 19 * 12 = 240 bytes, within the 244-byte ATT payload of an MTU of 247."""
STATUS_SIZE = 20
STATUS_KIND = 0x53
"""Byte 1 of a status message: ``'S'``."""
INFO_SIZE = 34

ACC_RANGES_G = (2, 4, 8, 16)
"""Accelerometer full scale in g, indexed by the 2-bit range code."""
GYR_RANGES_DPS = (125, 250, 500, 1000, 2000)
"""Gyroscope full scale in deg/s, indexed by the 3-bit range code (codes 5-7 are invalid)."""
MIN_SAMPLE_RATE_HZ = 10
MAX_SAMPLE_RATE_HZ = 4000

STANDARD_GRAVITY_MPS2 = 9.80665
RAW_FULL_SCALE = 32768
"""A raw int16 of this magnitude equals the full-scale range."""

# Data packet flags byte.
FLAG_ACC_RANGE_MASK = 0b0000_0011
FLAG_GYR_RANGE_SHIFT = 2
FLAG_GYR_RANGE_MASK = 0b0001_1100
FLAG_CLOCK_RESET = 0b0010_0000
"""First packet after boot or reset: tick_us restarted."""
FLAG_FIFO_OVERFLOW = 0b0100_0000
"""Firmware dropped samples before this packet."""
FLAG_RESERVED = 0b1000_0000

# Status message flags byte.
STATUS_CHARGING = 0b001
STATUS_STREAMING = 0b010
STATUS_LOW_BATTERY = 0b100
STATUS_RESERVED = 0xFF & ~0b111
BATTERY_UNKNOWN = 255

ERROR_REASONS = (
    "truncated",
    "unknown_version",
    "length_mismatch",
    "bad_count",
    "bad_range",
    "bad_rate",
    "reserved_bits",
    "bad_kind",
    "bad_battery",
    "bad_text",
    "bad_opcode",
)
"""Every ``ProtocolError.reason`` the decoders in this package raise."""


def acc_scale_mps2(range_g: int) -> float:
    """m/s² per raw accelerometer count at full scale ``range_g`` (g)."""
    return range_g * STANDARD_GRAVITY_MPS2 / RAW_FULL_SCALE


def gyr_scale_rads(range_dps: int) -> float:
    """rad/s per raw gyroscope count at full scale ``range_dps`` (deg/s)."""
    return math.radians(range_dps) / RAW_FULL_SCALE
