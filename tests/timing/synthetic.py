"""A synthetic BLE link for the timing tests: true sample times and the arrivals a host sees.

One sensor, 200 Hz by default, packets closed by the firmware rule of PROTOCOL.md (19 samples,
or the oldest sample 20 ms old: sent at first sample + 20 ms). The sensor clock runs ``drift_ppm`` fast with an arbitrary offset and
starts ``tick_start_us`` (by default 20 s before the 32-bit wrap). The link adds: the wait
for the next connection event (either i.i.d. 0..interval, or a fixed grid on the host clock),
FIFO queueing, exponential host jitter, host stalls (every packet that arrives during one is
handed over when it ends), random and burst loss, a disconnect (the sensor keeps counting),
adjacent reorders (one-sided: the earlier packet is handed over just after the later one),
duplicates, and a reboot (tick restarts near 0, sequence at 0, CLOCK_RESET on the first packet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anklet.timing import PacketArrivals


@dataclass(frozen=True)
class SyntheticLink:
    duration_s: float = 120.0
    rate_hz: float = 200.0
    drift_ppm: float = 42.0
    host_boot_s: float = 3.7
    tick_start_us: int = 2**32 - 20_000_000
    sequence_start: int = 65_000
    conn_interval_s: float = 0.015
    conn_grid: bool = False
    jitter_mean_s: float = 0.001
    stall_rate_hz: float = 0.5
    stall_s: tuple[float, float] = (0.010, 0.030)
    loss_prob: float = 0.03
    burst_rate_hz: float = 0.1
    burst_packets: tuple[int, int] = (3, 12)
    dup_prob: float = 0.01
    reorder_prob: float = 0.01
    disconnect: tuple[float, float] | None = (40.0, 3.0)
    reboot_at_s: float | None = 80.0
    reboot_gap_s: float = 0.6
    reboot_tick_us: int = 1_500
    seed: int = 0


@dataclass(frozen=True)
class SyntheticSession:
    """Delivered packets (arrival order) and, per delivered packet, the truth."""

    packets: PacketArrivals
    true_first_s: np.ndarray
    epoch: np.ndarray
    sent_index: np.ndarray
    is_duplicate: np.ndarray
    samples_per_packet: int
    lost_packets: int
    lost_samples: int
    sent_packets: int


def synthesize(link: SyntheticLink = SyntheticLink()) -> SyntheticSession:
    rng = np.random.default_rng(link.seed)
    per_packet = int(min(19, np.ceil(0.020 * link.rate_hz - 1e-9)))  # PROTOCOL.md: 4 at 200 Hz
    close_us = (per_packet - 1) * 1e6 / link.rate_hz if per_packet == 19 else 20_000.0
    period_us = 1e6 / link.rate_hz
    scale = 1.0 + link.drift_ppm * 1e-6
    epochs = [(link.host_boot_s, link.tick_start_us, link.sequence_start, link.reboot_at_s or link.duration_s)]
    if link.reboot_at_s is not None:
        boot = link.reboot_at_s + link.reboot_gap_s
        epochs.append((boot, link.reboot_tick_us, 0, link.duration_s))
    columns: dict[str, list[np.ndarray]] = {k: [] for k in ("tick", "seq", "flag", "first", "last", "epoch", "index")}
    for e, (boot_s, tick0, seq0, end_s) in enumerate(epochs):
        n_packets = int(((end_s - boot_s) / scale * 1e6) // (per_packet * period_us))
        j = np.arange(n_packets)
        first_us = j * per_packet * period_us
        columns["tick"].append(((tick0 + np.round(first_us).astype(np.int64)) % 2**32))
        columns["seq"].append((seq0 + j) % 65536)
        columns["flag"].append((j == 0) & (e > 0))
        columns["first"].append(boot_s + first_us * 1e-6 * scale)
        columns["last"].append(boot_s + (first_us + close_us) * 1e-6 * scale)
        columns["epoch"].append(np.full(n_packets, e))
        columns["index"].append(j)
    c = {k: np.concatenate(v) for k, v in columns.items()}
    n = len(c["tick"])
    # the radio: wait for a connection event, queue in order, host jitter, stalls
    if link.conn_grid:
        phase = rng.uniform(0, link.conn_interval_s)
        event = np.ceil((c["last"] - phase) / link.conn_interval_s) * link.conn_interval_s + phase
    else:
        event = c["last"] + rng.uniform(0, link.conn_interval_s, n)
    arrival = event + rng.exponential(link.jitter_mean_s, n)
    n_stalls = rng.poisson(link.stall_rate_hz * link.duration_s)
    stall_start = np.sort(rng.uniform(0, link.duration_s + link.host_boot_s, n_stalls))
    stall_end = stall_start + rng.uniform(*link.stall_s, n_stalls)
    k = np.searchsorted(stall_start, arrival, side="right") - 1
    stalled = (k >= 0) & (arrival < stall_end[np.maximum(k, 0)])
    arrival[stalled] = stall_end[k[stalled]] + rng.exponential(link.jitter_mean_s / 4, stalled.sum())
    arrival = np.maximum.accumulate(arrival)
    # loss: random, bursts, the disconnect
    delivered = rng.random(n) >= link.loss_prob
    for start in rng.integers(0, n, rng.poisson(link.burst_rate_hz * link.duration_s)):
        delivered[start : start + rng.integers(*link.burst_packets)] = False
    if link.disconnect is not None:
        d0, length = link.disconnect
        delivered &= ~((c["last"] >= d0) & (c["last"] < d0 + length))
    delivered[0] = True
    # adjacent reorders: packet i handed over just after packet i + 1
    swap = np.flatnonzero((rng.random(n - 1) < link.reorder_prob) & delivered[:-1] & delivered[1:])
    arrival[swap] = arrival[swap + 1] + 2e-4
    rows = np.flatnonzero(delivered)
    dups = rows[rng.random(len(rows)) < link.dup_prob]
    all_rows = np.concatenate([rows, dups])
    when = np.concatenate([arrival[rows], arrival[dups] + rng.uniform(1e-4, 5e-3, len(dups))])
    order = np.argsort(when, kind="stable")
    all_rows, when = all_rows[order], when[order]
    is_dup = np.concatenate([np.zeros(len(rows), bool), np.ones(len(dups), bool)])[order]
    packets = PacketArrivals.from_arrays(
        tick_us=c["tick"][all_rows],
        n_samples=np.full(len(all_rows), per_packet),
        sample_rate_hz=np.full(len(all_rows), link.rate_hz),
        sequence=c["seq"][all_rows],
        clock_reset=c["flag"][all_rows],
        host_time_s=when,
    )
    # truth for the bookkeeping: packets sent in each epoch's span that never arrived
    lost = 0
    for e in range(len(epochs)):
        got = c["index"][rows][c["epoch"][rows] == e]
        span_start = 0 if e > 0 else got.min()
        lost += int(got.max() - span_start + 1 - len(np.unique(got)))
    return SyntheticSession(
        packets=packets,
        true_first_s=c["first"][all_rows],
        epoch=c["epoch"][all_rows],
        sent_index=c["index"][all_rows],
        is_duplicate=is_dup,
        samples_per_packet=per_packet,
        lost_packets=lost,
        lost_samples=lost * per_packet,
        sent_packets=n,
    )


def feed_live(sync, packets: PacketArrivals, seed: int = 1, max_batch: int = 4):
    """Run a live ``ClockSync`` over the packets in random small batches; concatenated results."""
    from anklet.timing import SyncedPackets

    rng = np.random.default_rng(seed)
    n = len(packets.host_time_s)
    bounds = np.concatenate([[0], np.cumsum(rng.integers(1, max_batch + 1, n))])
    bounds = bounds[bounds < n].tolist() + [n]
    parts = [sync.update(PacketArrivals(*(col[a:b] for col in packets))) for a, b in zip(bounds[:-1], bounds[1:])]
    return SyncedPackets(*(np.concatenate([getattr(p, f) for p in parts]) for f in SyncedPackets._fields))
