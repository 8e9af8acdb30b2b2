"""Compact recordings: samples rounded to coarse steps with a subtractive dither, arrival times
to the microsecond, so that an hour of running fits in 15 MB (docs/recording.md, "Compact
recordings").

A lossless recording of running cannot be that small: the sensors' noise and the impacts
leave some 8.5 bits a sample that no predictor foresees. Rounding each sample to a step of
``2**k`` counts saves about ``k`` bits. Plain rounding would bias slow signals (a quiet
accelerometer always rounded the same way tilts the calibration), so each sample gets a dither
``d`` in [-0.5, 0.5) of a step, known to writer and reader alike (a hash of the packet's
sequence number, the sample's place in it and the axis): the recording stores the code
``q = floor(x / step + d + 0.5)`` and every reader rebuilds ``round((q - d) * step)``. What
that leaves is an error spread evenly over a step whatever the signal, which averages out as
the sensor's own noise does.

The rounding happens before the pipeline sees a sample (``Recorder.take``), so a replay of a
compact recording gives exactly what the session showed. Rounding a rounded sample again
gives it back (its error is at most half a count, a sliver of a step), so a replay recorded
compact again keeps the same codes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from anklet.protocol._constants import HEADER_SIZE, MAX_SAMPLES_PER_PACKET, PROTOCOL_VERSION, SAMPLE_SIZE
from anklet.protocol._header import HEADER_DTYPE
from anklet.recording._format import from_ns, to_us_in_ns
from anklet.transport import Notification

_AXES = SAMPLE_SIZE // 2
_INT16 = np.iinfo(np.int16)


class SampleSteps(NamedTuple):
    """How coarsely a compact recording keeps the samples, counts of the packet's own scale."""

    acc: int
    gyr: int

    def per_axis(self) -> np.ndarray:
        """(6,) the step of each axis: ax, ay, az, gx, gy, gz."""
        return np.repeat(np.array(self, dtype=np.float64), 3)


COMPACT_STEPS = SampleSteps(acc=64, gyr=8)
"""31 mg and 0.49 °/s at ±16 g and ±2000 °/s (finer at smaller ranges: the steps are counts):
the ankle angles move by less than 0.1° RMS, and their error against the simulator's truth
stays where it was (``benchmarks/bench_compact.py``, docs/recording.md)."""


def sample_dither(sequences: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(sum(counts), 6) dither in [-0.5, 0.5) for the samples of packets with these sequence
    numbers and sample counts: a hash (murmur3's finaliser) of sequence, place and axis."""
    sequences = np.asarray(sequences, dtype=np.uint32)
    counts = np.asarray(counts, dtype=np.int64)
    first = np.cumsum(counts) - counts
    place = np.arange(int(counts.sum())) - np.repeat(first, counts)
    sample = np.repeat(sequences, counts) * np.uint32(MAX_SAMPLES_PER_PACKET) + place.astype(np.uint32)
    h = sample[:, None] * np.uint32(_AXES) + np.arange(_AXES, dtype=np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h / 2.0**32 - 0.5


def sample_codes(samples: np.ndarray, dither: np.ndarray, steps: SampleSteps) -> np.ndarray:
    """What a compact block stores of ``samples`` (n, 6): each one's step, int16."""
    return np.floor(samples / steps.per_axis() + dither + 0.5).astype(np.int16)


def samples_from_codes(codes: np.ndarray, dither: np.ndarray, steps: SampleSteps) -> np.ndarray:
    """The samples ``codes`` stand for, (n, 6) int16: what the pipeline saw."""
    rebuilt = np.floor((codes - dither) * steps.per_axis() + 0.5)
    return np.clip(rebuilt, _INT16.min, _INT16.max).astype(np.int16)


def is_whole_packet(payload: bytes) -> bool:
    """Whether ``payload`` is a whole protocol v1 data packet, which a block stores column-wise
    (and a compact recording rounds)."""
    return (
        len(payload) >= HEADER_SIZE
        and payload[0] == PROTOCOL_VERSION
        and len(payload) == HEADER_SIZE + SAMPLE_SIZE * payload[10]
    )


def rounded_notification(notification: Notification, steps: SampleSteps) -> Notification:
    """``notification`` as a compact session hands it on: its arrival time to the microsecond,
    a data packet's samples rounded (``rounded_payload``)."""
    payload = notification.payload
    if notification.channel == "data":
        payload = rounded_payload(payload, steps)
    return Notification(notification.sensor, notification.channel, payload, from_ns(to_us_in_ns(notification.host_time_s)))


def rounded_payload(payload: bytes, steps: SampleSteps) -> bytes:
    """A protocol v1 data packet with its samples as a compact recording keeps them; any other
    payload (another version, cut short, padded) as it is, since it is kept byte for byte."""
    if not is_whole_packet(payload):
        return payload
    samples = np.frombuffer(payload, dtype="<i2", offset=HEADER_SIZE).reshape(-1, _AXES)
    header = np.frombuffer(payload, dtype=HEADER_DTYPE, count=1)
    dither = sample_dither(header["sequence"], header["n_samples"])
    rounded = samples_from_codes(sample_codes(samples, dither, steps), dither, steps)
    return payload[:HEADER_SIZE] + rounded.astype("<i2").tobytes()
