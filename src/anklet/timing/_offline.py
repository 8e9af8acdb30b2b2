"""Offline clock sync: a whole recording of one sensor at once, same estimator as the live one."""

from __future__ import annotations

import numpy as np

from anklet.timing._arrivals import PacketArrivals, SyncedPackets
from anklet.timing._clock import _MIN_CLOSED_BINS, ClockSync, ClockSyncParams, close_offset_us, shrink_slope
from anklet.timing._envelope import bin_minima, envelope_fit, envelope_slope

_SEGMENT_PACKETS = 512
"""Packets per step of the epoch/unwrap pass (the live logic, its line refreshed per step)."""


def sync_offline(
    packets: PacketArrivals, params: ClockSyncParams | None = None, *, causal: bool = False
) -> SyncedPackets:
    """Host times of a whole recording's packets (one sensor, arrival order).

    Clock epochs and unwrapped ticks come from the live logic. Then, per epoch, every bin of
    arrival minima gets its own lower-envelope fit over a window of bins, and each packet is
    timed with the fit of its bin. The window is centred on the bin by default (the live sync
    can only look back); ``causal=True`` uses the window ending at the bin, as the live sync
    does, which reproduces live results closely (the batch twin of ``ClockSync``).
    """
    p = params if params is not None else ClockSyncParams()
    n = len(packets.host_time_s)
    sync = ClockSync(p)
    for start in range(0, n, _SEGMENT_PACKETS):
        rows = slice(start, start + _SEGMENT_PACKETS)
        part = sync.update(PacketArrivals(*(column[rows] for column in packets)))
        if start == 0:
            epoch, tick_us = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        epoch[rows], tick_us[rows] = part.epoch, part.tick_us
    if n == 0:
        empty = np.empty(0)
        return SyncedPackets(empty, empty, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    x = (tick_us + close_offset_us(packets.n_samples, packets.sample_rate_hz, p)) * 1e-6
    d = packets.host_time_s - x
    offset, drift = np.empty(n), np.empty(n)
    prior, prior_span_s = 0.0, 0.0
    for e in np.unique(epoch):
        rows = np.flatnonzero(epoch == e)
        bins = np.floor(x[rows] / p.bin_s).astype(np.int64)
        ids, bx, bd = bin_minima(bins, x[rows], d[rows])
        if causal:  # the closed bins before each bin, as live (the bin itself while warming up)
            lo = np.searchsorted(ids, ids - p.n_window_bins, side="left")
            hi = np.arange(len(ids))
            hi = np.where(hi - lo < _MIN_CLOSED_BINS, hi + 1, hi)
        else:
            half = p.n_window_bins // 2
            lo = np.searchsorted(ids, ids - half, side="left")
            hi = np.searchsorted(ids, ids + (p.n_window_bins - half), side="left")
        fits = np.empty((len(ids), 2))
        limit = p.max_drift_ppm * 1e-6
        for k in range(len(ids)):
            wx, wd = bx[lo[k] : hi[k]], bd[lo[k] : hi[k]]
            slope = shrink_slope(
                envelope_slope(wx, wd, -limit, limit), float(wx[-1] - wx[0]), prior, prior_span_s, p
            )
            fits[k] = envelope_fit(wx, wd, slope, slope)
        which = np.searchsorted(ids, bins)
        offset[rows], drift[rows] = fits[which, 0], fits[which, 1]
        prior, prior_span_s = float(fits[-1, 1]), max(prior_span_s, min(float(bx[-1] - bx[0]), p.window_s))
    scale = 1.0 + drift
    return SyncedPackets(
        first_sample_time_s=offset - p.latency_s + scale * (tick_us * 1e-6),
        sample_period_s=scale / packets.sample_rate_hz,
        epoch=epoch,
        tick_us=tick_us,
    )
