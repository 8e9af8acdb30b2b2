"""Many data packets at once: the offline decoder, vectorised across packets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from anklet.protocol._constants import (
    ACC_RANGES_G,
    FLAG_ACC_RANGE_MASK,
    FLAG_CLOCK_RESET,
    FLAG_FIFO_OVERFLOW,
    FLAG_GYR_RANGE_MASK,
    FLAG_GYR_RANGE_SHIFT,
    GYR_RANGES_DPS,
    HEADER_SIZE,
    MAX_SAMPLES_PER_PACKET,
    SAMPLE_SIZE,
)
from anklet.protocol._data import ACC_SCALES_MPS2, GYR_SCALES_RADS
from anklet.protocol._header import HEADER_DTYPE, headers_valid, parse_header

_RECORD = HEADER_SIZE
"""Valid packets are whole numbers of 12-byte records: one header, then one per sample."""
assert SAMPLE_SIZE == _RECORD


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """Packets decoded together, their samples concatenated in packet order.

    Per packet, shape (n_pk,): ``sequence`` uint16, ``tick_us`` uint32 (sensor clock at the
    packet's first sample, µs, wrapping), ``sample_rate_hz`` uint16, ``n_samples`` int64,
    ``flags`` uint8.

    Per sample, shape (n,) or (n, 3): ``packet_index`` int64 (index into the packets),
    ``sample_tick_us`` float64 (packet tick_us + i * 1e6 / rate, µs, NOT unwrapped across the
    2**32 wrap — that is the timing stage's job), ``acc`` float64 m/s² and ``gyr`` float64
    rad/s, sensor frame. (``packet_index`` and ``sample_tick_us`` are worked out when asked
    for: a replay's links decode every second of every sensor and never ask.)
    """

    sequence: np.ndarray
    tick_us: np.ndarray
    sample_rate_hz: np.ndarray
    n_samples: np.ndarray
    flags: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray

    def split(self, group_sizes: Sequence[int]) -> list[DecodedBatch]:
        """The batch cut into consecutive groups of ``group_sizes`` packets (summing to all of
        them), each as if decoded alone: views, nothing copied. (A replay decodes every
        sensor's packets of a period in one call, then hands each sensor its own.)"""
        packet_ends = np.cumsum(group_sizes, dtype=np.int64)
        sample_ends = np.concatenate(([0], self.n_samples.cumsum()))[packet_ends]
        groups, first, first_sample = [], 0, 0
        for end, sample_end in zip(packet_ends.tolist(), sample_ends.tolist(), strict=True):
            packets, samples = slice(first, end), slice(first_sample, sample_end)
            groups.append(DecodedBatch(self.sequence[packets], self.tick_us[packets], self.sample_rate_hz[packets],
                                       self.n_samples[packets], self.flags[packets], self.acc[samples], self.gyr[samples]))
            first, first_sample = end, sample_end
        return groups

    @property
    def packet_index(self) -> np.ndarray:
        """Index of each sample's packet, (n,) int64."""
        return np.repeat(np.arange(len(self.n_samples)), self.n_samples)

    @property
    def sample_tick_us(self) -> np.ndarray:
        """Sensor tick of each sample, µs, (n,) float64, not unwrapped."""
        counts = self.n_samples
        index_in_packet = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(self.tick_us.astype(np.float64), counts) + _scaled(
            index_in_packet, 1e6 / self.sample_rate_hz, counts
        )

    @property
    def acc_range_g(self) -> np.ndarray:
        """Accelerometer full scale per packet, g, (n_pk,)."""
        return np.asarray(ACC_RANGES_G)[self.flags & FLAG_ACC_RANGE_MASK]

    @property
    def gyr_range_dps(self) -> np.ndarray:
        """Gyroscope full scale per packet, deg/s, (n_pk,)."""
        return np.asarray(GYR_RANGES_DPS)[
            (self.flags & FLAG_GYR_RANGE_MASK) >> FLAG_GYR_RANGE_SHIFT
        ]

    @property
    def clock_reset(self) -> np.ndarray:
        """True for packets whose sensor clock restarted, (n_pk,) bool."""
        return (self.flags & FLAG_CLOCK_RESET) != 0

    @property
    def fifo_overflow(self) -> np.ndarray:
        """True for packets preceded by samples the firmware dropped, (n_pk,) bool."""
        return (self.flags & FLAG_FIFO_OVERFLOW) != 0


def decode_packets(payloads: Sequence[bytes | bytearray]) -> DecodedBatch:
    """Decode many data packets (e.g. one sensor's recording) in one go.

    Raises ProtocolError naming the index of the first malformed packet.
    """
    lengths = np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads))
    buffer = b"".join(payloads)
    records, header_records = _records_and_headers(buffer, lengths)
    headers = records[header_records].view(HEADER_DTYPE).ravel()
    valid = headers_valid(headers, lengths[: len(headers)])
    first_bad = len(headers) if valid.all() else int(np.argmin(valid))
    if first_bad < len(payloads):
        _raise_for_packet(payloads, first_bad)
    return _decode_valid(records, header_records, headers)


def _records_and_headers(buffer: bytes, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut the joined packets into 12-byte records, as far as the packets' sizes allow.

    Returns the records (n_rec, 12) uint8 and the record index of each packet's header, for
    the packets before the first whose size cannot be a valid packet (all of them, normally).
    """
    plausible = (
        (lengths >= HEADER_SIZE + SAMPLE_SIZE)
        & (lengths <= HEADER_SIZE + SAMPLE_SIZE * MAX_SAMPLES_PER_PACKET)
        & (lengths % _RECORD == 0)
    )
    n_plausible = len(lengths) if plausible.all() else int(np.argmin(plausible))
    ends = (lengths[:n_plausible] // _RECORD).cumsum()
    n_records = int(ends[-1]) if n_plausible else 0
    records = np.frombuffer(buffer, dtype=np.uint8, count=n_records * _RECORD)
    return records.reshape(n_records, _RECORD), ends - lengths[:n_plausible] // _RECORD


def _raise_for_packet(payloads: Sequence[bytes | bytearray], index: int) -> None:
    """Raise the scalar decoder's error for packet ``index``, known to be malformed."""
    parse_header(payloads[index], what=f"packet {index}")
    raise AssertionError(f"packet {index} failed the array checks but passed parse_header")


def _decode_valid(
    records: np.ndarray, header_records: np.ndarray, headers: np.ndarray
) -> DecodedBatch:
    """Scale the samples of validated packets and lay out the per-sample arrays."""
    counts = headers["n_samples"].astype(np.int64)
    is_sample = np.ones(len(records), dtype=bool)
    is_sample[header_records] = False
    raw = records.view("<i2")[is_sample]
    flags = headers["flags"]
    acc_scale = ACC_SCALES_MPS2[flags & FLAG_ACC_RANGE_MASK]
    gyr_scale = GYR_SCALES_RADS[(flags & FLAG_GYR_RANGE_MASK) >> FLAG_GYR_RANGE_SHIFT]
    return DecodedBatch(
        sequence=headers["sequence"].copy(),
        tick_us=headers["tick_us"].copy(),
        sample_rate_hz=headers["sample_rate_hz"].copy(),
        n_samples=counts,
        flags=flags.copy(),
        acc=_scaled(raw[:, :3], acc_scale, counts),
        gyr=_scaled(raw[:, 3:], gyr_scale, counts),
    )


def _scaled(values: np.ndarray, per_packet: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``values`` (n,) or (n, k), each sample multiplied by its packet's factor, as float64.

    Multiplies by a scalar when every packet has the same factor (the usual case: fast).
    """
    if len(per_packet) and (per_packet == per_packet[0]).all():
        return values * float(per_packet[0])
    factor = np.repeat(per_packet, counts)
    return values * factor.reshape(factor.shape + (1,) * (values.ndim - 1))
