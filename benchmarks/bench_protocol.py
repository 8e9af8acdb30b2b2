"""Speed of the protocol codec: batch decode of 1 h x 4 sensors x 1 kHz, live decode per packet.

Run: ``.venv/bin/python benchmarks/bench_protocol.py``. Prints medians; the figures go in
docs/protocol-performance.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

from anklet.protocol import MAX_SAMPLES_PER_PACKET, decode_packet, decode_packets, encode_packets

RATE_HZ = 1000
DURATION_S = 3600
SENSORS = 4
BATCH_REPEATS = 5
LIVE_PACKETS = 10_000


def one_sensor_packets(rng: np.random.Generator, n_samples: int) -> list[bytes]:
    """Full 19-sample packets of random raw counts, as firmware at 1 kHz sends them."""
    acc = rng.integers(-32768, 32768, (n_samples, 3), dtype=np.int16)
    gyr = rng.integers(-32768, 32768, (n_samples, 3), dtype=np.int16)
    starts = np.arange(0, n_samples - MAX_SAMPLES_PER_PACKET + 1, MAX_SAMPLES_PER_PACKET)
    counts = np.full(len(starts), MAX_SAMPLES_PER_PACKET)
    ticks_us = (starts * (1_000_000 // RATE_HZ)) % 2**32
    return encode_packets(
        acc, gyr, starts, counts, np.arange(len(starts)) % 2**16, ticks_us, RATE_HZ
    )


def median_s(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(0)
    n_samples = RATE_HZ * DURATION_S
    per_sensor = [one_sensor_packets(rng, n_samples) for _ in range(SENSORS)]
    ten_minutes = RATE_HZ * 600
    encode_s = median_s(lambda: one_sensor_packets(rng, ten_minutes), BATCH_REPEATS)
    packets = [packet for sensor in per_sensor for packet in sensor]
    n_total = sum(len(sensor) for sensor in per_sensor) * MAX_SAMPLES_PER_PACKET

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(
        f"encode_packets, one sensor 10 min at 1 kHz "
        f"({ten_minutes // MAX_SAMPLES_PER_PACKET} packets): "
        f"median {encode_s:.3f} s (includes drawing the random samples)"
    )

    decode_packets(packets)  # warm up: first touch of the output memory
    batch_s = median_s(lambda: decode_packets(packets), BATCH_REPEATS)
    print(
        f"decode_packets, 1 h x {SENSORS} sensors x 1 kHz in one call ({len(packets)} packets, "
        f"{n_total / 1e6:.1f} M samples): median {batch_s:.3f} s "
        f"= {n_total / batch_s / 1e6:.1f} M samples/s"
    )
    sensor_s = median_s(lambda: [decode_packets(sensor) for sensor in per_sensor], BATCH_REPEATS)
    print(
        f"decode_packets, the same as {SENSORS} calls of one sensor each: median {sensor_s:.3f} s"
    )

    live = packets[:LIVE_PACKETS]
    per_packet_us = []
    for payload in live:
        start = time.perf_counter_ns()
        decode_packet(payload)
        per_packet_us.append((time.perf_counter_ns() - start) / 1000)
    print(
        f"decode_packet, 19-sample packet: median {statistics.median(per_packet_us):.1f} us "
        f"(p99 {np.percentile(per_packet_us, 99):.1f} us) over {LIVE_PACKETS} packets"
    )


if __name__ == "__main__":
    main()
