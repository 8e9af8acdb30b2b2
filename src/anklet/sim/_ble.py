"""BLE delivery model: how a sensor's notifications reach the host, when, and which do not.

Each notification (data packet or status message) handed to the radio at its send time goes
out at the first connection event at or after it (the link's events fall every
``connection_interval_s`` from a random phase that changes at every reconnection), at most
``max_notifications_per_event`` per event, in order; the host then sees it after a scheduling
delay (exponential, plus occasional stalls during which notifications pile up), still in
order. On the way it may be lost (independently, in Gilbert-Elliott bursts, or to a
disconnection), duplicated, or swapped with its successor. The host time axis is the
session's true time axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from anklet.errors import ValidationError
from anklet.sim._firmware import FirmwareOutput
from anklet.transport import Notification


class Fate(IntEnum):
    """What became of a data packet (codes of ``Delivery.packet_fate``)."""

    DELIVERED = 0
    LOST_RANDOM = 1
    LOST_BURST = 2
    LOST_DISCONNECT = 3


@dataclass(frozen=True, slots=True)
class LinkParams:
    """One sensor's BLE link, radio to host application.

    Attributes:
        connection_interval_s: time between connection events, s.
        max_notifications_per_event: notifications one connection event carries (2M PHY, DLE).
        host_jitter_mean_s: mean of the exponential OS/BlueZ/asyncio delivery delay, s.
        stall_rate_hz: host stalls per second (Poisson); notifications wait until a stall ends.
        stall_min_s, stall_max_s: a stall lasts uniformly between these, s.
        loss_prob: probability a notification is lost on its own.
        burst_enter_prob: per-notification probability of entering a loss burst
            (Gilbert-Elliott: every notification in a burst is lost).
        mean_burst_len: mean notifications per burst.
        duplicate_prob: probability a delivered data packet arrives twice.
        reorder_prob: probability a delivered data packet arrives after its successor.
        disconnects: (start_s, duration_s) windows without a link: notifications sent during
            one, or still queued when it starts, are lost; the sensor keeps sampling.
    """

    connection_interval_s: float = 0.015
    max_notifications_per_event: int = 6
    host_jitter_mean_s: float = 0.001
    stall_rate_hz: float = 0.1
    stall_min_s: float = 0.010
    stall_max_s: float = 0.030
    loss_prob: float = 5e-4
    burst_enter_prob: float = 2e-4
    mean_burst_len: float = 8.0
    duplicate_prob: float = 0.0
    reorder_prob: float = 0.0
    disconnects: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        for name in ("loss_prob", "burst_enter_prob", "duplicate_prob", "reorder_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(f"{name} is {getattr(self, name)}; it must be in [0, 1]")
        if self.connection_interval_s <= 0.0 or self.max_notifications_per_event < 1:
            raise ValidationError(
                "connection_interval_s must be positive and max_notifications_per_event at least 1"
            )
        if self.mean_burst_len < 1.0:
            raise ValidationError(f"mean_burst_len is {self.mean_burst_len}; it must be >= 1")
        if not 0.0 <= self.stall_min_s <= self.stall_max_s:
            raise ValidationError("stalls need 0 <= stall_min_s <= stall_max_s")
        if any(len(w) != 2 or w[1] < 0.0 for w in self.disconnects):
            raise ValidationError("each disconnect is (start_s, duration_s) with duration_s >= 0")

    @classmethod
    def perfect(cls, **overrides: object) -> LinkParams:
        """A link that loses, delays, duplicates and reorders nothing, except as ``overrides`` say."""
        clean = dict(
            host_jitter_mean_s=0.0, stall_rate_hz=0.0, loss_prob=0.0, burst_enter_prob=0.0
        )
        return cls(**(clean | overrides))


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    """Exact counts of what the link did to one sensor's data packets (status counted apart)."""

    packets_sent: int
    packets_lost_random: int
    packets_lost_burst: int
    packets_lost_disconnect: int
    duplicates: int
    reordered: int
    samples_lost: int
    status_sent: int
    status_lost: int

    @property
    def packets_lost(self) -> int:
        """Data packets that never arrived, whatever the cause."""
        return self.packets_lost_random + self.packets_lost_burst + self.packets_lost_disconnect


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the host received from one sensor.

    Attributes:
        notifications: data and status notifications in arrival order (host_time_s
            non-decreasing), duplicates included.
        stats: exact loss, duplicate and reorder counts.
        packet_fate: (p,) :class:`Fate` code per data packet of the firmware output.
        packet_host_time_s: (p,) arrival time of each data packet (its first copy), s; NaN if lost.
    """

    notifications: list[Notification]
    stats: DeliveryStats
    packet_fate: np.ndarray
    packet_host_time_s: np.ndarray


def deliver(
    firmware: FirmwareOutput, link: LinkParams, sensor_name: str, rng: np.random.Generator
) -> Delivery:
    """Carry ``firmware``'s notifications over ``link`` to the host; deterministic per ``rng``."""
    n_data = len(firmware.data.send_time_s)
    send_s = np.concatenate((firmware.data.send_time_s, firmware.status.send_time_s))
    order = np.argsort(send_s, kind="stable")  # the radio's FIFO: item ids in send order
    send_s = send_s[order]
    fate = _radio_fate(send_s, link, rng)
    queued = fate == Fate.DELIVERED
    event_s = np.full(len(send_s), np.nan)
    event_s[queued] = _connection_events(send_s[queued], link, rng)
    fate[queued & _in_disconnect(event_s, link)] = Fate.LOST_DISCONNECT
    arrived = fate == Fate.DELIVERED
    host_s = _host_times(event_s[arrived], link, rng)

    items, host_s, reordered = _reorder(order[arrived], host_s, n_data, link.reorder_prob, rng)
    items, host_s, duplicates = _duplicate(items, host_s, n_data, link.duplicate_prob, rng)

    payloads = firmware.data.payloads + firmware.status.payloads
    notifications = [
        Notification(sensor_name, "data" if item < n_data else "status", payloads[item], h)
        for item, h in zip(items.tolist(), host_s.tolist(), strict=True)
    ]
    item_fate = np.empty(len(order), dtype=np.int8)
    item_fate[order] = fate
    packet_fate = item_fate[:n_data]
    packet_host_time_s = np.full(n_data, np.nan)
    firsts = np.unique(items, return_index=True)
    is_data = firsts[0] < n_data
    packet_host_time_s[firsts[0][is_data]] = host_s[firsts[1][is_data]]
    stats = _stats(packet_fate, item_fate[n_data:], firmware.data.count, duplicates, reordered)
    return Delivery(notifications, stats, packet_fate, packet_host_time_s)


def _radio_fate(send_s: np.ndarray, link: LinkParams, rng: np.random.Generator) -> np.ndarray:
    """Fate of each notification (in send order) before queueing: disconnect, burst, random."""
    n = len(send_s)
    burst = _gilbert_elliott(n, link.burst_enter_prob, link.mean_burst_len, rng)
    random_loss = rng.random(n) < link.loss_prob
    fate = np.full(n, Fate.DELIVERED, dtype=np.int8)
    fate[random_loss] = Fate.LOST_RANDOM
    fate[burst] = Fate.LOST_BURST
    fate[_in_disconnect(send_s, link)] = Fate.LOST_DISCONNECT
    return fate


def _gilbert_elliott(
    n: int, enter_prob: float, mean_len: float, rng: np.random.Generator
) -> np.ndarray:
    """(n,) bool: in a loss burst. Good runs ~ Geometric(enter_prob), bad ~ Geometric(1/mean_len)."""
    if enter_prob <= 0.0 or n == 0:
        return np.zeros(n, dtype=bool)
    pairs = int(n * enter_prob * 1.5) + 8
    runs = np.empty(0, dtype=np.int64)
    while runs.sum() < n:
        new = np.empty(2 * pairs, dtype=np.int64)
        new[0::2] = rng.geometric(enter_prob, pairs)
        new[1::2] = rng.geometric(1.0 / mean_len, pairs)
        runs = np.concatenate((runs, new))
    run_index = np.searchsorted(np.cumsum(runs), np.arange(n), side="right")
    return run_index % 2 == 1


def _in_disconnect(time_s: np.ndarray, link: LinkParams) -> np.ndarray:
    """(n,) bool: ``time_s`` falls in a disconnect window [start, end)."""
    if not link.disconnects:
        return np.zeros(len(time_s), dtype=bool)
    start, end = _disconnect_windows(link)
    window = np.searchsorted(start, time_s, side="right") - 1
    return (window >= 0) & (time_s < end[np.maximum(window, 0)])


def _disconnect_windows(link: LinkParams) -> tuple[np.ndarray, np.ndarray]:
    """Sorted disconnect window starts and ends, s."""
    windows = np.array(sorted(link.disconnects), dtype=np.float64).reshape(-1, 2)
    return windows[:, 0], windows[:, 0] + windows[:, 1]


def _connection_events(
    send_s: np.ndarray, link: LinkParams, rng: np.random.Generator
) -> np.ndarray:
    """Connection event time (s) carrying each queued notification (send order, (k,)).

    Each connection (before the first disconnect, after each one) has events every interval
    from a random phase. A notification takes the first event at or after its send time
    unless the ``max_notifications_per_event`` before it already fill that event: with M per
    event, FIFO gives e_i = max(f_i, e_{i-M} + 1), i.e. per residue class mod M a running
    maximum of f - rank.
    """
    interval = link.connection_interval_s
    _, end = _disconnect_windows(link)
    connection = np.searchsorted(end, send_s, side="right")
    anchor = np.concatenate(([0.0], end)) + rng.uniform(0.0, interval, len(end) + 1)
    first = np.ceil((send_s - anchor[connection]) / interval - 1e-9)
    event = np.empty_like(first)
    m = link.max_notifications_per_event
    for c in np.unique(connection):
        members = np.flatnonzero(connection == c)
        f = first[members]
        e = np.empty_like(f)
        for r in range(m):
            rank = np.arange(len(f[r::m]))
            e[r::m] = np.maximum.accumulate(f[r::m] - rank) + rank
        event[members] = e
    return anchor[connection] + event * interval


def _host_times(event_s: np.ndarray, link: LinkParams, rng: np.random.Generator) -> np.ndarray:
    """Arrival at the application, s: event + exponential delay, held by stalls, kept in order."""
    host = event_s + rng.exponential(link.host_jitter_mean_s, len(event_s))
    if link.stall_rate_hz > 0.0 and len(host):
        span = host[-1] + 1.0
        start = np.sort(rng.uniform(0.0, span, rng.poisson(link.stall_rate_hz * span)))
        end = np.maximum.accumulate(start + rng.uniform(link.stall_min_s, link.stall_max_s, len(start)))
        window = np.searchsorted(start, host, side="right") - 1
        held = (window >= 0) & (host < np.append(end, -np.inf)[window])  # -1: before any stall
        host[held] = end[window[held]]
    return np.maximum.accumulate(host)


def _reorder(
    items: np.ndarray, host_s: np.ndarray, n_data: int, prob: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Swap randomly chosen adjacent pairs of data packets; both arrive at the later time."""
    is_data = items < n_data
    pick = (rng.random(len(items)) < prob) & is_data & np.append(is_data[1:], False)
    pick &= ~np.append(False, pick[:-1])  # swaps must not overlap
    i = np.flatnonzero(pick)
    items, host_s = items.copy(), host_s.copy()
    items[i], items[i + 1] = items[i + 1], items[i]
    host_s[i] = host_s[i + 1]
    return items, host_s, len(i)


def _duplicate(
    items: np.ndarray, host_s: np.ndarray, n_data: int, prob: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Deliver randomly chosen data packets twice, the copy right after the original."""
    twice = (rng.random(len(items)) < prob) & (items < n_data)
    repeats = 1 + twice.astype(np.int64)
    return np.repeat(items, repeats), np.repeat(host_s, repeats), int(twice.sum())


def _stats(
    packet_fate: np.ndarray,
    status_fate: np.ndarray,
    count: np.ndarray,
    duplicates: int,
    reordered: int,
) -> DeliveryStats:
    lost = packet_fate != Fate.DELIVERED
    return DeliveryStats(
        packets_sent=len(packet_fate),
        packets_lost_random=int((packet_fate == Fate.LOST_RANDOM).sum()),
        packets_lost_burst=int((packet_fate == Fate.LOST_BURST).sum()),
        packets_lost_disconnect=int((packet_fate == Fate.LOST_DISCONNECT).sum()),
        duplicates=duplicates,
        reordered=reordered,
        samples_lost=int(count[lost].sum()),
        status_sent=len(status_fate),
        status_lost=int((status_fate != Fate.DELIVERED).sum()),
    )
