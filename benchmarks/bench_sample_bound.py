"""How small a lossless recording of the samples could be: a bound, to set FLAC's figure against.

Usage: .venv/bin/python benchmarks/bench_sample_bound.py [duration_s]

For each sensor of easy_run and of squats (seed 0, 4 sensors x 200 Hz, ``duration_s`` of each,
default 120), the six int16 channels as the firmware sends them are predicted by least squares
fitted on the whole session at once (an oracle: a real coder must learn or send its
coefficients, and a recording must also survive being cut off every 0.5 s), and the entropy of
what is left is counted, bits per sample, then MB per hour for 4 sensors:

- own past: each channel from its own last 32 samples (what FLAC's linear prediction does);
- all channels: each channel from the last 32 samples of all six, and from this sample of the
  channels predicted before it (what one linear cross-channel predictor could do at best);
- small partitions: a real code length, not an entropy. Every 8 samples of a channel choose
  one of FLAC's fixed polynomial predictors (orders 0-3: repeat the last sample, its slope, its
  curve) and a Rice parameter for what is left, side information (2 + 5 bits) counted. Running's
  residuals swing by a factor of a hundred between swing and impact within a stride, and a code
  that follows them every 8 samples beats any one predictor fitted over the session, so the two
  least-squares rows are no bound.

Beside them, FLAC as format 2.0 uses it (each sensor's six channels, 0.5 s frames, no stream
metadata) on the same samples. A recording needs the arrival times and the rest on top
(docs/recording.md, "Where the bytes go").
"""

from __future__ import annotations

import sys

import numpy as np

from anklet.protocol import quantize_acc, quantize_gyr
from anklet.recording._block import _flac
from anklet.sim import load_scenario, simulate

ORDER = 32
SAMPLES_PER_HOUR = 4 * 6 * 200 * 3600  # 4 sensors, 6 channels, 200 Hz


def entropy_bits(residual: np.ndarray) -> float:
    """Empirical entropy of the rounded residual, bits per sample."""
    _, counts = np.unique(np.round(residual).astype(np.int64), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def _past(x: np.ndarray, order: int) -> np.ndarray:
    """Rows n >= order: x[n-1], ..., x[n-order] side by side."""
    return np.hstack([x[order - k : len(x) - k] for k in range(1, order + 1)])


def predicted_bits(samples: np.ndarray, cross: bool) -> float:
    """Mean entropy over the six channels of what least squares cannot predict."""
    x = samples.astype(np.float64)
    bits = []
    for channel in range(6):
        target = x[ORDER:, channel]
        columns = [_past(x if cross else x[:, [channel]], ORDER), np.ones((len(target), 1))]
        if cross:
            columns.append(x[ORDER:, :channel])  # this sample of the channels already predicted
        design = np.hstack(columns)
        coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
        bits.append(entropy_bits(target - design @ coefficients))
    return float(np.mean(bits))


def small_partition_bits(samples: np.ndarray, partition: int = 8) -> float:
    """Mean code length over the six channels: each ``partition`` samples choose the fixed
    predictor order (0-3) and the Rice parameter that code them shortest, bits per sample."""
    x = samples.astype(np.int64)
    usable = (len(x) - 3) // partition * partition
    per_order = []
    for order in range(4):
        residual = np.diff(x, n=order, axis=0)[3 - order :][:usable]  # same samples for each order
        folded = np.where(residual >= 0, 2 * residual, -2 * residual - 1)  # Rice codes n >= 0
        blocks = folded.reshape(-1, partition, 6)
        rice = [(blocks >> k).sum(axis=1) + (k + 1) * partition for k in range(20)]
        per_order.append(np.min(rice, axis=0))
    side_bits = 2 + 5  # the order and the Rice parameter of each partition
    return float((np.min(per_order, axis=0).sum() + side_bits * per_order[0].size) / (usable * 6))


def flac_bits(samples: np.ndarray, rate_hz: int) -> float:
    """Format 2.0's FLAC frames (``recording._block._flac``) of each 0.5 s, bits per sample."""
    frame = rate_hz // 2
    starts = range(0, len(samples) - frame + 1, frame)
    total = sum(len(_flac(samples[start : start + frame])) for start in starts)
    return total * 8 / (len(starts) * frame * 6)


def main() -> None:
    duration_s = float(sys.argv[1]) if len(sys.argv) > 1 else 120.0
    for scenario in ("easy_run", "squats"):
        session = simulate(load_scenario(scenario), seed=0, duration_s=duration_s)
        rows = {"own past": [], "all channels": [], "small partitions": [], "FLAC, 0.5 s frames": []}
        for sensor in session.sensors.values():
            samples = np.hstack([quantize_acc(sensor.samples.acc, 16), quantize_gyr(sensor.samples.gyr, 2000)])
            rows["own past"].append(predicted_bits(samples, cross=False))
            rows["all channels"].append(predicted_bits(samples, cross=True))
            rows["small partitions"].append(small_partition_bits(samples))
            rows["FLAC, 0.5 s frames"].append(flac_bits(samples, int(session.sample_rate_hz)))
        for label, bits in rows.items():
            mean = float(np.mean(bits))
            print(f"{scenario}, {label}: {mean:.2f} bits a sample, {mean * SAMPLES_PER_HOUR / 8e6:.1f} MB/h")


if __name__ == "__main__":
    main()
