"""One sensor, live: decode each notification, time its samples on the host clock, drop
duplicates, follow the link's ups and downs, and keep what the status message reports (rate,
loss, battery, clock drift)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from anklet.errors import ProtocolError
from anklet.protocol import decode_packet, decode_packets, decode_status
from anklet.timing import ClockSync, ClockSyncParams, PacketArrivals, SequenceTracker, sample_times

CONNECTED_WITHIN_S = 1.0
"""A sensor counts as connected while its last data arrived at most this long ago."""


class TimedSamples(NamedTuple):
    """One packet's samples: host times (n,) s, acc (n, 3) m/s², gyr (n, 3) rad/s;
    ``follows_loss``: packets are missing just before this one (a sequence gap), so a hole
    before it may still be filled if BLE delivers them late. (A tuple: a replay makes one per
    packet, and a frozen dataclass costs several times as much to make.)"""

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    follows_loss: bool = False


class SensorLink:
    """Live state of one sensor.

    ``on_data`` returns the packet's timed samples, or None for a duplicate or a malformed
    packet (counted in ``malformed_``); ``on_status`` keeps the battery level;
    ``on_connection`` follows the transport's reports of the link going down and coming back
    (``link_up_``; a transport that never reports keeps it True).
    """

    def __init__(self, name: str, clock: ClockSyncParams | None = None) -> None:
        self.name = name
        self.clock = ClockSync(clock)
        self.sequence = SequenceTracker()
        self.malformed_ = 0
        self.battery_pct_: int | None = None
        self.sample_rate_hz_: float | None = None
        self.last_arrival_s_ = -np.inf
        self.link_up_ = True
        self._recent_arrivals: deque[tuple[float, int]] = deque()  # (host time, samples) in the last second

    def on_data(self, payload: bytes, host_time_s: float) -> TimedSamples | None:
        try:
            packet = decode_packet(payload)
        except ProtocolError:
            self.malformed_ += 1
            return None
        rate_hz = float(packet.sample_rate_hz)
        first_s, period_s, epoch, tick_us = self.clock.update_one(
            packet.tick_us, packet.n_samples, rate_hz, packet.sequence, packet.clock_reset, host_time_s
        )
        lost_before = self.sequence.lost_packets_
        if not self.sequence.update_one(epoch, packet.sequence, tick_us, packet.n_samples, rate_hz):
            return None
        self._took(rate_hz, (host_time_s,), (packet.n_samples,))
        follows_loss = self.sequence.lost_packets_ > lost_before
        times = first_s + np.arange(packet.n_samples) * period_s
        return TimedSamples(times, packet.acc, packet.gyr, follows_loss)

    def on_data_many(self, payloads: list[bytes], host_times_s: list[float]) -> list[TimedSamples | None]:
        """``on_data`` for each of ``payloads`` (arrival order, arriving at ``host_times_s``):
        the same samples and times, decoded and timed as arrays (a replay's fast path)."""
        if not payloads:
            return []
        try:
            batch = decode_packets(payloads)
        except ProtocolError:  # one malformed packet: the batch decoder cannot say which alone
            return [self.on_data(payload, now) for payload, now in zip(payloads, host_times_s, strict=True)]
        rates, sequence = batch.sample_rate_hz.astype(np.float64), batch.sequence.astype(np.int64)
        synced = self.clock.update_in_order(PacketArrivals(
            batch.tick_us.astype(np.int64), batch.n_samples, rates, sequence, batch.clock_reset,
            np.asarray(host_times_s, dtype=np.float64),
        ))
        times = sample_times(synced, batch.n_samples)
        keep, lost = self.sequence.update_in_order(synced.epoch, sequence, synced.tick_us, batch.n_samples, rates)
        counts, ends, follows_loss = batch.n_samples.tolist(), np.cumsum(batch.n_samples).tolist(), (lost > 0).tolist()
        acc, gyr = batch.acc, batch.gyr
        timed: list[TimedSamples | None] = [
            TimedSamples(times[end - count : end], acc[end - count : end], gyr[end - count : end], follows)
            for count, end, follows in zip(counts, ends, follows_loss, strict=True)
        ]
        if keep.all():  # the usual: no duplicates
            self._took(float(rates[-1]), host_times_s, counts)
            return timed
        kept = np.flatnonzero(keep).tolist()
        if kept:
            self._took(float(rates[kept[-1]]), [host_times_s[i] for i in kept], [counts[i] for i in kept])
        return [samples if kept_one else None for samples, kept_one in zip(timed, keep.tolist(), strict=True)]

    def _took(self, rate_hz: float, host_times_s: Sequence[float], counts: Sequence[int]) -> None:
        """What the status reads of the packets kept (the last one's rate, each one's arrival
        time and samples)."""
        self.sample_rate_hz_ = rate_hz
        self.last_arrival_s_ = host_times_s[-1]
        self._recent_arrivals.extend(zip(host_times_s, counts))

    def on_status(self, payload: bytes) -> None:
        try:
            self.battery_pct_ = decode_status(payload).battery_pct
        except ProtocolError:
            self.malformed_ += 1

    def on_connection(self, payload: bytes) -> None:
        """The link went down (``b"down"``) or is back (``b"up"``).

        Nothing is reset on return, on purpose. The firmware's sequence numbers ran on while
        the sensor was away, so the tracker counts every packet sent meanwhile as lost, exactly.
        The sensor's clock ran on too, so the clock fit is still right and the first packets
        after the gap are timed by it at once; a sensor that rebooted while away flags a clock
        reset, which starts a new clock epoch by itself. (``ClockSync.reset`` would throw the
        fit away and restart the epoch count under the tracker's feet.)
        """
        if payload not in (b"up", b"down"):
            self.malformed_ += 1
            return
        self.link_up_ = payload == b"up"

    def status(self, now_s: float) -> dict[str, Any]:
        """This sensor's entry of a ``status`` message (DESIGN.md) at host time ``now_s``."""
        while self._recent_arrivals and self._recent_arrivals[0][0] <= now_s - CONNECTED_WITHIN_S:
            self._recent_arrivals.popleft()
        received_per_s = sum(count for _, count in self._recent_arrivals) / CONNECTED_WITHIN_S
        drift = self.clock.drift_reading()  # docs/timing.md: null until resolved, or a bound
        return {
            "name": self.name,
            "connected": self.link_up_ and now_s - self.last_arrival_s_ <= CONNECTED_WITHIN_S,
            "rate_hz": self.sample_rate_hz_,
            "received_hz": round(received_per_s, 1),
            "loss_pct": round(self.sequence.loss_pct_, 2),
            "battery_pct": self.battery_pct_,
            "clock_drift_ppm": None if drift.ppm is None else round(drift.ppm, 1),
            "clock_drift_below_ppm": None if drift.below_ppm is None else math.ceil(drift.below_ppm),
        }
