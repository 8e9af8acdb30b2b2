"""One data packet: the live decoder."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anklet.protocol._constants import (
    ACC_RANGES_G,
    FLAG_ACC_RANGE_MASK,
    FLAG_CLOCK_RESET,
    FLAG_FIFO_OVERFLOW,
    GYR_RANGES_DPS,
    HEADER_SIZE,
    acc_scale_mps2,
    gyr_scale_rads,
)
from anklet.protocol._header import gyr_code, parse_header

ACC_SCALES_MPS2 = np.array([acc_scale_mps2(g) for g in ACC_RANGES_G])
"""m/s² per count, indexed by accelerometer range code."""
GYR_SCALES_RADS = np.array([gyr_scale_rads(dps) for dps in GYR_RANGES_DPS])
"""rad/s per count, indexed by gyroscope range code."""
_ACC_SCALES = tuple(ACC_SCALES_MPS2.tolist())
_GYR_SCALES = tuple(GYR_SCALES_RADS.tolist())


@dataclass(frozen=True, slots=True)
class DataPacket:
    """One decoded data packet.

    Attributes:
        version: protocol major (always 1 once decoded).
        flags: the raw flags byte.
        sequence: packet sequence number, 0-65535, wraps.
        tick_us: sensor clock at the first sample, µs, wraps at 2**32.
        sample_rate_hz: nominal sample rate, Hz.
        acc_range_g, gyr_range_dps: full-scale ranges the samples were taken at.
        clock_reset: the sensor clock restarted (first packet after boot or reset).
        fifo_overflow: the firmware dropped samples before this packet.
        acc: accelerometer, (n, 3) float64, m/s², sensor frame.
        gyr: gyroscope, (n, 3) float64, rad/s, sensor frame.
    """

    version: int
    flags: int
    sequence: int
    tick_us: int
    sample_rate_hz: int
    acc_range_g: int
    gyr_range_dps: int
    clock_reset: bool
    fifo_overflow: bool
    acc: np.ndarray
    gyr: np.ndarray

    @property
    def n_samples(self) -> int:
        """Number of samples in the packet, 1-19."""
        return len(self.acc)

    def sample_tick_us(self) -> np.ndarray:
        """Sensor clock of each sample, µs, (n,) float64: tick_us + i * 1e6 / rate, not wrapped."""
        return self.tick_us + np.arange(self.n_samples) * (1e6 / self.sample_rate_hz)


def raw_samples(payload: bytes | bytearray | memoryview, count: int) -> np.ndarray:
    """The (count, 6) int16 view of a validated packet's samples: ax ay az gx gy gz."""
    return np.frombuffer(payload, dtype="<i2", count=6 * count, offset=HEADER_SIZE).reshape(
        count, 6
    )


def decode_packet(payload: bytes | bytearray | memoryview) -> DataPacket:
    """Decode one data packet as notified on the data characteristic.

    Raises ProtocolError (with ``reason``) if the payload breaks protocol v1.
    """
    if isinstance(payload, memoryview):
        payload = payload.cast("B")
    flags, sequence, tick_us, rate, count = parse_header(payload)
    acc_code, gyr_code_ = flags & FLAG_ACC_RANGE_MASK, gyr_code(flags)
    raw = raw_samples(payload, count)
    return DataPacket(
        version=payload[0],
        flags=flags,
        sequence=sequence,
        tick_us=tick_us,
        sample_rate_hz=rate,
        acc_range_g=ACC_RANGES_G[acc_code],
        gyr_range_dps=GYR_RANGES_DPS[gyr_code_],
        clock_reset=bool(flags & FLAG_CLOCK_RESET),
        fifo_overflow=bool(flags & FLAG_FIFO_OVERFLOW),
        acc=raw[:, :3] * _ACC_SCALES[acc_code],
        gyr=raw[:, 3:] * _GYR_SCALES[gyr_code_],
    )
