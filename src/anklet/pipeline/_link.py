"""One sensor, live: decode each notification, time its samples on the host clock, drop
duplicates, follow the link's ups and downs, and keep what the status message reports (rate,
loss, battery, clock drift)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np

from anklet.errors import ProtocolError
from anklet.protocol import DecodedBatch, decode_packet, decode_packets, decode_status
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


class TimedPackets(NamedTuple):
    """Packets of one sensor in arrival order, their samples end to end: host times (n,) s,
    acc (n, 3) m/s², gyr (n, 3) rad/s; per packet, (n_pk,): ``starts``, the index of its
    first sample in those (int64), ``follows_loss`` (bool, as in :class:`TimedSamples`) and
    ``arrival_s``, the host time it arrived, s. A replay's links hand over a sensor's packets
    of a status period as one block, which the grid takes as it is, rather than one
    :class:`TimedSamples` per packet."""

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    starts: np.ndarray
    follows_loss: np.ndarray
    arrival_s: np.ndarray

    @classmethod
    def of(cls, packets: Sequence[TimedSamples], arrivals_s: Sequence[float]) -> TimedPackets:
        """The block of ``packets``, which arrived at ``arrivals_s``."""
        if not packets:
            return cls(np.empty(0), np.empty((0, 3)), np.empty((0, 3)), np.empty(0, dtype=np.int64),
                       np.empty(0, dtype=bool), np.empty(0))
        counts = np.array([len(packet.t) for packet in packets], dtype=np.int64)
        return cls(
            np.concatenate([packet.t for packet in packets]),
            np.concatenate([packet.acc for packet in packets]),
            np.concatenate([packet.gyr for packet in packets]),
            np.cumsum(counts) - counts,
            np.array([packet.follows_loss for packet in packets], dtype=bool),
            np.array(arrivals_s, dtype=np.float64),
        )

    @classmethod
    def concatenate(cls, blocks: Sequence[TimedPackets]) -> TimedPackets:
        """``blocks`` end to end (at least one)."""
        if len(blocks) == 1:
            return blocks[0]
        offsets = np.cumsum([0] + [len(block.t) for block in blocks[:-1]])
        return cls(
            np.concatenate([block.t for block in blocks]),
            np.concatenate([block.acc for block in blocks]),
            np.concatenate([block.gyr for block in blocks]),
            np.concatenate([block.starts + offset for block, offset in zip(blocks, offsets.tolist(), strict=True)]),
            np.concatenate([block.follows_loss for block in blocks]),
            np.concatenate([block.arrival_s for block in blocks]),
        )

    @property
    def n_packets(self) -> int:
        return len(self.starts)

    def packet(self, index: int) -> TimedSamples:
        """Packet ``index``'s samples."""
        start, stop = self._bounds(index, index + 1)
        return TimedSamples(self.t[start:stop], self.acc[start:stop], self.gyr[start:stop],
                            bool(self.follows_loss[index]))

    def packets(self, first: int, stop: int) -> TimedPackets:
        """The block of packets ``first`` to ``stop`` (excluded)."""
        start, end = self._bounds(first, stop)
        return TimedPackets(self.t[start:end], self.acc[start:end], self.gyr[start:end],
                            self.starts[first:stop] - start, self.follows_loss[first:stop], self.arrival_s[first:stop])

    def _bounds(self, first: int, stop: int) -> tuple[int, int]:
        """Where the samples of packets ``first`` to ``stop`` (excluded) start and end."""
        return int(self.starts[first]), len(self.t) if stop >= self.n_packets else int(self.starts[stop])


def decoded_together(groups: list[list[bytes]]) -> list[DecodedBatch | None]:
    """Each group of data payloads decoded, all in one call (a replay: each sensor's packets of
    each status period of a window); all None when one is malformed, for each link to decode
    its own and find it (``SensorLink.on_data_many``)."""
    try:
        return decode_packets(list(chain.from_iterable(groups))).split([len(group) for group in groups])
    except ProtocolError:
        return [None] * len(groups)


class SensorLink:
    """Live state of one sensor.

    ``on_data`` returns the packet's timed samples, or None for a duplicate or a malformed
    packet (counted in ``malformed_``); ``on_data_many``, a replay's, the same for many packets
    at once, as one :class:`TimedPackets`; ``on_status`` keeps the battery level;
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
        self._recent_samples = 0  # their samples in all

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

    def on_data_many(
        self, payloads: list[bytes], host_times_s: list[float], decoded: DecodedBatch | None = None
    ) -> tuple[TimedPackets, np.ndarray]:
        """``on_data`` for each of ``payloads`` (arrival order, arriving at ``host_times_s``),
        decoded and timed as arrays (a replay's fast path): the packets ``on_data`` keeps, as
        one block of the same samples and times, and which payloads they are ((n,) bool).
        ``decoded``: the payloads decoded already (``decoded_together``), if they were."""
        try:
            batch = decode_packets(payloads) if decoded is None else decoded
        except ProtocolError:  # one malformed packet: the batch decoder cannot say which alone
            return self._one_by_one(payloads, host_times_s)
        rates, sequence = batch.sample_rate_hz.astype(np.float64), batch.sequence.astype(np.int64)
        arrivals_s = np.asarray(host_times_s, dtype=np.float64)
        synced = self.clock.update_in_order(PacketArrivals(
            batch.tick_us.astype(np.int64), batch.n_samples, rates, sequence, batch.clock_reset, arrivals_s))
        keep, lost = self.sequence.update_in_order(synced.epoch, sequence, synced.tick_us, batch.n_samples, rates)
        counts = batch.n_samples
        block = TimedPackets(sample_times(synced, counts), batch.acc, batch.gyr, counts.cumsum() - counts, lost > 0,
                             arrivals_s)
        if keep.all():  # the usual: no duplicates
            self._took(float(rates[-1]), host_times_s, counts.tolist())
            return block, keep
        kept = np.flatnonzero(keep).tolist()
        if kept:
            self._took(float(rates[kept[-1]]), [host_times_s[i] for i in kept], counts[kept].tolist())
        return TimedPackets.of([block.packet(i) for i in kept], [host_times_s[i] for i in kept]), keep

    def _one_by_one(self, payloads: list[bytes], host_times_s: list[float]) -> tuple[TimedPackets, np.ndarray]:
        """``on_data_many`` through ``on_data``, packet by packet."""
        timed = [self.on_data(payload, now) for payload, now in zip(payloads, host_times_s, strict=True)]
        keep = np.array([samples is not None for samples in timed], dtype=bool)
        kept = np.flatnonzero(keep).tolist()
        return TimedPackets.of([timed[i] for i in kept], [host_times_s[i] for i in kept]), keep

    def _took(self, rate_hz: float, host_times_s: Sequence[float], counts: Sequence[int]) -> None:
        """What the status reads of the packets kept (the last one's rate, each one's arrival
        time and samples)."""
        self.sample_rate_hz_ = rate_hz
        self.last_arrival_s_ = host_times_s[-1]
        self._recent_arrivals.extend(zip(host_times_s, counts))
        self._recent_samples += sum(counts)

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
        recent, since_s = self._recent_arrivals, now_s - CONNECTED_WITHIN_S
        while recent and recent[0][0] <= since_s:
            self._recent_samples -= recent.popleft()[1]
        received_per_s = self._recent_samples / CONNECTED_WITHIN_S
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
