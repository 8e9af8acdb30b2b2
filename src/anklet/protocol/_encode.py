"""Building data packets: what the simulator (and the tests) use in place of firmware."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from anklet.errors import ValidationError
from anklet.protocol._constants import (
    ACC_RANGES_G,
    GYR_RANGES_DPS,
    HEADER_SIZE,
    MAX_SAMPLE_RATE_HZ,
    MAX_SAMPLES_PER_PACKET,
    MIN_SAMPLE_RATE_HZ,
    PROTOCOL_VERSION,
    acc_scale_mps2,
    gyr_scale_rads,
)
from anklet.protocol._header import HEADER_DTYPE, make_flags

_INT16 = np.iinfo(np.int16)


def quantize_acc(acc_mps2: ArrayLike, range_g: int) -> np.ndarray:
    """Accelerations (any shape, m/s²) as the raw int16 counts a sensor at ``range_g`` reports.

    Rounds to the nearest count and saturates at the int16 limits, like the sensor.
    """
    range_code(range_g, ACC_RANGES_G, "accelerometer range (g)")
    return _quantize(acc_mps2, acc_scale_mps2(range_g))


def quantize_gyr(gyr_rads: ArrayLike, range_dps: int) -> np.ndarray:
    """Angular rates (any shape, rad/s) as raw int16 counts at ``range_dps``; rounds, saturates."""
    range_code(range_dps, GYR_RANGES_DPS, "gyroscope range (deg/s)")
    return _quantize(gyr_rads, gyr_scale_rads(range_dps))


def _quantize(values: ArrayLike, scale: float) -> np.ndarray:
    counts = np.rint(np.asarray(values, dtype=np.float64) / scale)
    if np.isnan(counts).any():
        raise ValidationError("cannot quantize NaN samples; mark missing samples another way")
    return np.clip(counts, _INT16.min, _INT16.max).astype(np.int16)


def range_code(value: int, ranges: tuple[int, ...], what: str) -> int:
    """The protocol code of a full-scale range; ValidationError if the sensor has no such range."""
    try:
        return ranges.index(value)
    except ValueError:
        raise ValidationError(f"{what} {value} is not one of {ranges}") from None


def encode_packet(
    sequence: int,
    tick_us: int,
    sample_rate_hz: int,
    acc_raw: ArrayLike,
    gyr_raw: ArrayLike,
    acc_range_g: int = 16,
    gyr_range_dps: int = 2000,
    clock_reset: bool = False,
    fifo_overflow: bool = False,
) -> bytes:
    """One data packet from raw samples: ``acc_raw`` and ``gyr_raw`` are (n, 3) int16 counts.

    Raises ValidationError for fields protocol v1 cannot carry (1 <= n <= 19, sequence
    0-65535, tick_us 0-2**32-1, sample_rate_hz 10-4000, a listed range).
    """
    n = len(np.asarray(acc_raw))
    return encode_packets(
        acc_raw,
        gyr_raw,
        starts=[0],
        counts=[n],
        sequences=[sequence],
        ticks_us=[tick_us],
        sample_rate_hz=sample_rate_hz,
        acc_range_g=acc_range_g,
        gyr_range_dps=gyr_range_dps,
        clock_reset=clock_reset,
        fifo_overflow=fifo_overflow,
    )[0]


def encode_packets(
    acc_raw: ArrayLike,
    gyr_raw: ArrayLike,
    starts: ArrayLike,
    counts: ArrayLike,
    sequences: ArrayLike,
    ticks_us: ArrayLike,
    sample_rate_hz: int,
    acc_range_g: int = 16,
    gyr_range_dps: int = 2000,
    clock_reset: ArrayLike = False,
    fifo_overflow: ArrayLike = False,
) -> list[bytes]:
    """Many data packets of one sensor at once, vectorised.

    Args:
        acc_raw, gyr_raw: the sensor's samples as raw counts, (n, 3) int16 each.
        starts, counts: per packet (n_pk,), the first sample (index into acc_raw) and the
            number of samples (1-19). Packets may skip samples (to model losses).
        sequences: per packet sequence numbers, 0-65535 (n_pk,).
        ticks_us: per packet sensor clock at its first sample, µs, 0 to 2**32-1 (n_pk,).
        sample_rate_hz: nominal rate of every packet, Hz.
        acc_range_g, gyr_range_dps: full-scale ranges of every packet.
        clock_reset, fifo_overflow: the flag bits, one bool for all packets or (n_pk,).

    Returns one ``bytes`` per packet. Raises ValidationError for fields v1 cannot carry.
    """
    samples = _checked_samples(acc_raw, gyr_raw)
    starts, counts = _checked_slices(starts, counts, len(samples))
    headers = np.zeros(len(counts), dtype=HEADER_DTYPE)
    headers["version"] = PROTOCOL_VERSION
    headers["flags"] = make_flags(
        range_code(acc_range_g, ACC_RANGES_G, "accelerometer range (g)"),
        range_code(gyr_range_dps, GYR_RANGES_DPS, "gyroscope range (deg/s)"),
        np.broadcast_to(clock_reset, counts.shape),
        np.broadcast_to(fifo_overflow, counts.shape),
    )
    headers["sequence"] = _checked_field(sequences, counts.shape, 0, 0xFFFF, "sequence")
    headers["tick_us"] = _checked_field(ticks_us, counts.shape, 0, 0xFFFF_FFFF, "tick_us")
    headers["sample_rate_hz"] = _checked_field(
        sample_rate_hz, (), MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ, "sample_rate_hz"
    )
    headers["n_samples"] = counts
    return _lay_out(headers, samples, starts, counts)


def _checked_samples(acc_raw: ArrayLike, gyr_raw: ArrayLike) -> np.ndarray:
    """acc and gyr side by side as (n, 6) little-endian int16, after checking shape and range."""
    acc, gyr = np.asarray(acc_raw), np.asarray(gyr_raw)
    if acc.ndim != 2 or acc.shape[1:] != (3,) or gyr.shape != acc.shape:
        raise ValidationError(
            f"acc_raw and gyr_raw must both be (n, 3); got {acc.shape} and {gyr.shape}"
        )
    samples = np.concatenate((acc, gyr), axis=1)
    if samples.dtype != np.int16:
        if not np.issubdtype(samples.dtype, np.integer):
            raise ValidationError(f"raw samples must be integers, not {samples.dtype}")
        if samples.size and (samples.min() < _INT16.min or samples.max() > _INT16.max):
            raise ValidationError("raw samples must fit in int16 (-32768..32767)")
    return samples.astype("<i2", copy=False)


def _checked_slices(starts: ArrayLike, counts: ArrayLike, n: int) -> tuple[np.ndarray, np.ndarray]:
    starts, counts = np.asarray(starts, dtype=np.int64), np.asarray(counts, dtype=np.int64)
    if starts.ndim != 1 or starts.shape != counts.shape:
        raise ValidationError(
            f"starts and counts must be 1-D of one length; got {starts.shape}, {counts.shape}"
        )
    if ((counts < 1) | (counts > MAX_SAMPLES_PER_PACKET)).any():
        raise ValidationError(f"every packet must hold 1-{MAX_SAMPLES_PER_PACKET} samples")
    if ((starts < 0) | (starts + counts > n)).any():
        raise ValidationError(f"packet sample ranges reach outside the {n} samples given")
    return starts, counts


def _checked_field(
    values: ArrayLike, shape: tuple[int, ...], low: int, high: int, name: str
) -> np.ndarray:
    array = np.broadcast_to(np.asarray(values), shape)
    if not np.issubdtype(array.dtype, np.integer) and not (array == np.round(array)).all():
        raise ValidationError(f"{name} must be whole numbers")
    if array.size and (array.min() < low or array.max() > high):
        raise ValidationError(f"{name} must lie in {low}..{high}")
    return array


def _lay_out(
    headers: np.ndarray, samples: np.ndarray, starts: np.ndarray, counts: np.ndarray
) -> list[bytes]:
    """Interleave headers and samples into 12-byte records; cut one bytes object per packet."""
    record_ends = np.cumsum(counts + 1)
    header_records = record_ends - counts - 1
    records = np.empty((int(record_ends[-1]) if len(counts) else 0, 6), dtype="<i2")
    records[header_records] = headers.view("<i2").reshape(-1, 6)
    is_sample = np.ones(len(records), dtype=bool)
    is_sample[header_records] = False
    first_out = np.cumsum(counts) - counts
    source = np.arange(int(counts.sum())) + np.repeat(starts - first_out, counts)
    records[is_sample] = samples[source]
    buffer = records.tobytes()
    bounds = (header_records * HEADER_SIZE).tolist(), (record_ends * HEADER_SIZE).tolist()
    return [buffer[start:end] for start, end in zip(*bounds, strict=True)]
