"""Packet bookkeeping: duplicates dropped, lost packets and samples counted exactly."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from anklet.timing._arrivals import PacketArrivals, SyncedPackets

_SEQ_MOD = 65536


@dataclass
class _SequenceState:
    seen: set[tuple[int, int, int]] = field(default_factory=set)
    order: deque[tuple[int, int, int]] = field(default_factory=deque)
    epoch: int = -1
    head_seq: int = 0
    head_tick_us: int = 0
    head_end_us: float = 0.0
    start_tick_us: int = 0
    received: int = 0
    duplicates: int = 0
    lost_packets: int = 0
    lost_samples: int = 0


class SequenceTracker:
    """Drop duplicate packets and count what the link lost, live, for one sensor.

    Give it each batch with the ``SyncedPackets`` its ``ClockSync`` returned (clock epoch and
    unwrapped tick). A packet is a duplicate if the same (epoch, sequence, tick) was seen
    among the last ``memory_packets``. Lost packets come from sequence gaps (mod 65536, the
    number of wraps chosen from the tick gap, so long disconnects count right); lost samples
    from tick gaps (exact: missing span / sample period). A late (reordered) packet fills its
    hole: the counts go down again. After a reboot the sequence restarts at 0, so packets
    before the first one received in the new epoch count as lost.

    Parameters
    ----------
    memory_packets
        How many recent packets duplicates are looked for among.

    Attributes
    ----------
    received_ : int
        Distinct packets received.
    duplicates_ : int
        Duplicates dropped.
    lost_packets_ : int
        Packets sent (within the span received) that never arrived.
    lost_samples_ : int
        Samples missing from the tick timeline (lost packets, firmware FIFO overflows).
    loss_pct_ : float
        Lost packets in percent of packets sent in the span received.
    """

    def __init__(self, memory_packets: int = 512) -> None:
        self.memory_packets = memory_packets
        self._state: _SequenceState | None = None

    def reset(self) -> SequenceTracker:
        """Forget all packets and counts; parameters are kept."""
        self._state = _SequenceState()
        return self

    @property
    def received_(self) -> int:
        return 0 if self._state is None else self._state.received

    @property
    def duplicates_(self) -> int:
        return 0 if self._state is None else self._state.duplicates

    @property
    def lost_packets_(self) -> int:
        return 0 if self._state is None else self._state.lost_packets

    @property
    def lost_samples_(self) -> int:
        return 0 if self._state is None else self._state.lost_samples

    @property
    def loss_pct_(self) -> float:
        sent = self.received_ + self.lost_packets_
        return 0.0 if sent == 0 else 100.0 * self.lost_packets_ / sent

    def update(self, packets: PacketArrivals, synced: SyncedPackets) -> np.ndarray:
        """Count the batch; returns a (n_pk,) bool mask of the packets to keep (not duplicates)."""
        keep, _ = self._one_by_one(synced.epoch, packets.sequence, synced.tick_us, packets.n_samples, packets.sample_rate_hz)
        return keep

    def update_one(self, epoch: int, seq: int, tick: int, n: int, rate: float) -> bool:
        """Count one packet (its clock epoch, sequence number, unwrapped tick in µs, samples and
        sample rate in Hz); returns whether to keep it (it is not a duplicate)."""
        if self._state is None:
            self._state = _SequenceState()
        s = self._state
        key = (epoch, seq, tick)
        if key in s.seen:
            s.duplicates += 1
            return False
        s.seen.add(key)
        s.order.append(key)
        if len(s.order) > self.memory_packets:
            s.seen.discard(s.order.popleft())
        s.received += 1
        period_us = 1e6 / rate
        if epoch != s.epoch:
            if s.epoch >= 0 and epoch > s.epoch:  # after a reboot the sequence restarts at 0
                s.lost_packets += seq
                s.lost_samples += seq * n
            if epoch > s.epoch:
                s.epoch, s.start_tick_us = epoch, tick
                s.head_seq, s.head_tick_us, s.head_end_us = seq, tick, tick + n * period_us
            return True  # (a straggler from an earlier epoch counts as received only)
        if tick > s.head_tick_us:
            gap = (seq - s.head_seq) % _SEQ_MOD
            expected = (tick - s.head_tick_us) / (n * period_us)
            gap += _SEQ_MOD * round((expected - gap) / _SEQ_MOD)
            s.lost_packets += max(gap, 1) - 1
            s.lost_samples += max(0, round((tick - s.head_end_us) / period_us))
            s.head_seq, s.head_tick_us, s.head_end_us = seq, tick, tick + n * period_us
        elif tick > s.start_tick_us:  # late: it fills a hole counted before
            s.lost_packets -= 1
            s.lost_samples -= n
        return True

    def update_in_order(
        self, epoch: np.ndarray, sequence: np.ndarray, tick_us: np.ndarray, n_samples: np.ndarray, rate_hz: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``update_one`` for each packet in turn (arrays as its arguments, arrival order): the
        same counts, at array speed when every packet is the next of its clock epoch (the usual
        case; otherwise one by one). Returns whether to keep each packet and how many packets
        the count of lost ones changed by at each (above 0: a sequence gap just before it)."""
        s = self._state
        ticks, epochs = tick_us.tolist(), epoch.tolist()
        if s is None or not ticks or ticks[0] <= s.head_tick_us or epochs.count(s.epoch) != len(epochs) or not (
            tick_us[1:] > tick_us[:-1]).all():
            return self._one_by_one(epoch, sequence, tick_us, n_samples, rate_hz)
        period_us = 1e6 / rate_hz
        span_us = n_samples * period_us
        ends_us = tick_us + span_us
        head_seq = np.concatenate([[s.head_seq], sequence[:-1]])
        head_tick_us = np.concatenate([[s.head_tick_us], tick_us[:-1]])
        head_end_us = np.concatenate([[s.head_end_us], ends_us[:-1]])
        gap = (sequence - head_seq) % _SEQ_MOD
        expected_off = (tick_us - head_tick_us) / span_us - gap
        if np.abs(expected_off).max() > _SEQ_MOD / 2:  # some gap is wraps off (else each rounds to none)
            gap = gap + _SEQ_MOD * (expected_off / _SEQ_MOD).round().astype(np.int64)
        lost = np.maximum(gap, 1) - 1
        s.lost_packets += int(lost.sum())
        s.lost_samples += int(np.maximum(0, ((tick_us - head_end_us) / period_us).round()).sum())
        s.head_seq, s.head_tick_us, s.head_end_us = int(sequence[-1]), ticks[-1], float(ends_us[-1])
        s.received += len(ticks)
        keys = list(zip(epochs, sequence.tolist(), ticks, strict=True))
        s.seen.update(keys)
        s.order.extend(keys)
        if len(s.order) > self.memory_packets:
            s.seen.difference_update([s.order.popleft() for _ in range(len(s.order) - self.memory_packets)])
        return np.ones(len(ticks), dtype=bool), lost

    def _one_by_one(
        self, epoch: np.ndarray, sequence: np.ndarray, tick_us: np.ndarray, n_samples: np.ndarray, rate_hz: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``update_one`` for each packet in turn: whether to keep each, and how the count of
        lost packets changed at each."""
        keep, lost = [], []
        for row in zip(epoch.tolist(), sequence.tolist(), tick_us.tolist(), n_samples.tolist(), rate_hz.tolist(),
                       strict=True):
            before = self.lost_packets_
            keep.append(self.update_one(*row))
            lost.append(self.lost_packets_ - before)
        return np.array(keep, dtype=bool), np.array(lost, dtype=np.int64)


def first_copies(packets: PacketArrivals, synced: SyncedPackets) -> np.ndarray:
    """A whole recording's duplicates at once: (n_pk,) bool mask of the packets to keep.

    The first arrival of each (epoch, sequence, tick) key is kept and every later copy is
    dropped: the key ``SequenceTracker`` uses. Offline the whole session is known, so a copy is
    dropped however late it comes; the live tracker only remembers its last ``memory_packets``
    (512), so the two agree whenever every copy comes within that. ``synced`` is what
    ``sync_offline`` (or ``ClockSync``) returned for ``packets``; a copy more than its
    ``max_delay_s`` late is taken for a sensor restart there, gets a new epoch and is kept.
    """
    n = len(packets.host_time_s)
    keys = (synced.epoch, packets.sequence, synced.tick_us)
    order = np.lexsort((np.arange(n), *reversed(keys)))  # by key, a key's copies by arrival
    first = np.ones(n, dtype=bool)
    if n > 1:
        first[1:] = np.any([np.diff(key[order]) != 0 for key in keys], axis=0)
    keep = np.empty(n, dtype=bool)
    keep[order] = first
    return keep
