"""What the timing stage consumes and produces: per-packet arrays, one row per data packet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from anklet.errors import ValidationError

class PacketArrivals(NamedTuple):
    """Data packets of ONE sensor as they reached the host, in arrival order, shape (n_pk,) each.

    Attributes:
        tick_us: sensor clock at the packet's first sample, µs, uint32 as sent (wraps at 2**32).
        n_samples: samples in the packet, 1-19.
        sample_rate_hz: nominal sample rate, Hz.
        sequence: packet sequence number, 0-65535 (wraps; restarts at 0 after a reboot).
        clock_reset: True for the first packet after a sensor reboot (tick restarted).
        host_time_s: host clock when the notification was received, s (session seconds).
    """

    tick_us: np.ndarray
    n_samples: np.ndarray
    sample_rate_hz: np.ndarray
    sequence: np.ndarray
    clock_reset: np.ndarray
    host_time_s: np.ndarray

    @classmethod
    def from_arrays(
        cls,
        *,
        tick_us: Any,
        n_samples: Any,
        sample_rate_hz: Any,
        sequence: Any,
        clock_reset: Any,
        host_time_s: Any,
    ) -> PacketArrivals:
        """Validate and normalise per-packet arrays (the boundary check of the timing stage).

        Raises ValidationError naming the array that is wrong.
        """
        host = np.asarray(host_time_s, dtype=np.float64).reshape(-1)
        n = len(host)
        columns = {
            "tick_us": np.asarray(tick_us).astype(np.int64, copy=False).reshape(-1),
            "n_samples": np.asarray(n_samples).astype(np.int64, copy=False).reshape(-1),
            "sample_rate_hz": np.asarray(sample_rate_hz).astype(np.float64, copy=False).reshape(-1),
            "sequence": np.asarray(sequence).astype(np.int64, copy=False).reshape(-1),
            "clock_reset": np.asarray(clock_reset).astype(bool, copy=False).reshape(-1),
        }
        for name, column in columns.items():
            if len(column) != n:
                raise ValidationError(f"timing: {name} has {len(column)} packets, host_time_s has {n}")
        if not np.isfinite(host).all():
            raise ValidationError("timing: host_time_s must be finite")
        if n and ((columns["tick_us"] < 0).any() or (columns["tick_us"] >= 2**32).any()):
            raise ValidationError("timing: tick_us must be a 32-bit unsigned sensor tick")
        if n and ((columns["n_samples"] < 1).any() or not (columns["sample_rate_hz"] > 0).all()):
            raise ValidationError("timing: every packet needs n_samples >= 1 and sample_rate_hz > 0")
        return cls(host_time_s=host, **columns)

    @classmethod
    def from_batch(cls, batch: Any, host_time_s: Any) -> PacketArrivals:
        """From an ``anklet.protocol.DecodedBatch`` and each packet's arrival time, s."""
        return cls.from_arrays(
            tick_us=batch.tick_us,
            n_samples=batch.n_samples,
            sample_rate_hz=batch.sample_rate_hz,
            sequence=batch.sequence,
            clock_reset=batch.clock_reset,
            host_time_s=host_time_s,
        )

    @classmethod
    def from_packets(cls, packets: Sequence[Any], host_time_s: Any) -> PacketArrivals:
        """From ``anklet.protocol.DataPacket`` objects and each packet's arrival time, s."""
        return cls.from_arrays(
            tick_us=[p.tick_us for p in packets],
            n_samples=[p.n_samples for p in packets],
            sample_rate_hz=[p.sample_rate_hz for p in packets],
            sequence=[p.sequence for p in packets],
            clock_reset=[p.clock_reset for p in packets],
            host_time_s=host_time_s,
        )


class SyncedPackets(NamedTuple):
    """Host timing of data packets, shape (n_pk,) each, in the order they were given.

    Attributes:
        first_sample_time_s: host time of each packet's first sample, s.
        sample_period_s: host seconds between consecutive samples of the packet (drift applied).
        epoch: clock epoch (0, 1, ...): a new one starts whenever the sensor clock restarts.
        tick_us: the first sample's sensor tick, unwrapped within its epoch, µs, int64.
    """

    first_sample_time_s: np.ndarray
    sample_period_s: np.ndarray
    epoch: np.ndarray
    tick_us: np.ndarray


def sample_times(synced: SyncedPackets, n_samples: Any) -> np.ndarray:
    """Host time of every sample, s, shape (sum(n_samples),), packets concatenated in order.

    ``n_samples`` is the per-packet sample count (the ``PacketArrivals.n_samples`` the
    ``SyncedPackets`` came from).
    """
    counts = np.asarray(n_samples, dtype=np.int64)
    if counts.size == 1:  # one packet (the live path): no repeats needed, the same numbers
        return synced.first_sample_time_s[0] + np.arange(int(counts.flat[0])) * synced.sample_period_s[0]
    starts = counts.cumsum() - counts  # (methods, not np.cumsum and np.repeat: a replay calls this each second)
    index_in_packet = np.arange(int(counts.sum())) - starts.repeat(counts)
    return synced.first_sample_time_s.repeat(counts) + index_in_packet * synced.sample_period_s.repeat(counts)
