"""Clock-sync accuracy and speed on the synthetic chaos link and through anklet.sim.

Usage: .venv/bin/python benchmarks/bench_timing.py [n_seeds]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from timing.conftest import warm_mask  # noqa: E402
from timing.synthetic import SyntheticLink, feed_live, synthesize  # noqa: E402

from anklet.timing import ClockSync, PacketArrivals, sync_offline  # noqa: E402


def synthetic(n_seeds: int) -> None:
    print("synthetic link: 120 s, 200 Hz, +42 ppm, i.i.d. 0-15 ms event wait, 1 ms jitter, stalls,")
    print("~7 % loss with bursts, 1 % dups/reorders, 3 s disconnect, reboot at 80 s, tick wrap at 20 s")
    rows, drift_err, per_packet_us = [], [], []
    for seed in range(n_seeds):
        s = synthesize(SyntheticLink(seed=seed))
        sync = ClockSync()
        t0 = time.perf_counter()
        live = feed_live(sync, s.packets)
        per_packet_us.append((time.perf_counter() - t0) / len(s.packets.host_time_s) * 1e6)
        offline = sync_offline(s.packets)
        causal = sync_offline(s.packets, causal=True)
        w = warm_mask(s)
        e_live = np.abs(live.first_sample_time_s - s.true_first_s)[w] * 1e3
        e_off = np.abs(offline.first_sample_time_s - s.true_first_s)[w] * 1e3
        agree = np.abs(causal.first_sample_time_s - live.first_sample_time_s)[w] * 1e3
        rows.append([np.median(e_live), np.percentile(e_live, 99), e_live.max(),
                     np.median(e_off), np.percentile(e_off, 99), np.percentile(agree, 99)])
        one = synthesize(SyntheticLink(seed=seed, duration_s=64, reboot_at_s=None, drift_ppm=[-50, 42, 13][seed % 3]))
        sync60 = ClockSync()
        feed_live(sync60, one.packets)
        drift_err.append(sync60.drift_ppm_ - [-50, 42, 13][seed % 3])
    r = np.median(np.array(rows), axis=0)
    worst = np.max(np.array(rows), axis=0)
    print(f"  live error, ms (median over seeds / worst seed): median {r[0]:.3f}/{worst[0]:.3f}  "
          f"p99 {r[1]:.3f}/{worst[1]:.3f}  max {r[2]:.3f}/{worst[2]:.3f}")
    print(f"  offline (centred) error, ms: median {r[3]:.3f}/{worst[3]:.3f}  p99 {r[4]:.3f}/{worst[4]:.3f}")
    print(f"  live vs offline(causal) p99 difference, ms: {r[5]:.4f}/{worst[5]:.4f}")
    d = np.abs(drift_err)
    print(f"  drift error after 60 s, ppm: rms {np.sqrt(np.mean(d**2)):.1f}, max {d.max():.1f}, "
          f"{np.mean(d < 5) * 100:.0f} % of seeds within 5 ppm")
    print(f"  live cost: {np.median(per_packet_us):.1f} µs per packet (batches of 1-4)")


def simulated() -> None:
    from anklet.protocol import decode_packets
    from anklet.sim import load_scenario, simulate

    print("anklet.sim easy_run, 400 s, seed 1 (15 ms event grid, 4-sample 20 ms packets); after 100 s:")
    session = simulate(load_scenario("easy_run"), seed=1, duration_s=400.0)
    for name, sensor in session.sensors.items():
        data = [n for n in sensor.delivery.notifications if n.channel == "data"]
        packets = PacketArrivals.from_batch(decode_packets([n.payload for n in data]), [n.host_time_s for n in data])
        sync = ClockSync()
        synced = sync.update(packets)
        index = {p: i for i, p in enumerate(sensor.firmware.data.payloads)}
        truth = sensor.samples.t[sensor.firmware.data.first_sample[[index[n.payload] for n in data]]]
        e = ((synced.first_sample_time_s - truth) * 1e3)[packets.host_time_s > 100]
        print(f"  {name:12s} drift {-sensor.clock.drift_ppm:+6.1f} ppm (est {sync.drift_ppm_:+6.1f})  "
              f"error median {np.median(np.abs(e)):.3f} ms  p99 {np.percentile(np.abs(e), 99):.3f} ms")


if __name__ == "__main__":
    synthetic(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
    simulated()
