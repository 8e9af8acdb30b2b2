"""``ClockSync.update_in_order`` (a replay's array path) against ``update_one`` (the live path)."""

import numpy as np
import pytest

from anklet.timing import ClockSync, PacketArrivals

from .synthetic import SyntheticLink, synthesize


def _one_by_one(packets: PacketArrivals) -> tuple[list[np.ndarray], ClockSync]:
    sync = ClockSync()
    rows = zip(*(column.tolist() for column in packets))
    timed = [sync.update_one(tick, n, rate, seq, reset, host) for tick, n, rate, seq, reset, host in rows]
    return [np.array(column) for column in zip(*timed)], sync


def _in_windows(packets: PacketArrivals, size: int) -> tuple[list[np.ndarray], ClockSync]:
    sync, parts = ClockSync(), []
    for start in range(0, len(packets.host_time_s), size):
        parts.append(sync.update_in_order(PacketArrivals(*(column[start : start + size] for column in packets))))
    return [np.concatenate(column) for column in zip(*parts)], sync


def _long_baseline(sync: ClockSync) -> np.ndarray:
    """The arrival minima the current epoch's drift figure is drawn from, (n, 2)."""
    tracker = sync._state.current.long_baseline
    return np.column_stack((tracker._x[: tracker._n], tracker._d[: tracker._n]))


@pytest.mark.parametrize(("seed", "size"), [(0, 7), (1, 50), (2, 100_000)])
def test_in_order_gives_exactly_the_numbers_of_one_packet_at_a_time(seed, size):
    """Bit for bit, through the whole chaos link (loss, duplicates, reorders, a disconnect, a
    reboot, a tick wrap), whatever the windows the packets come in."""
    packets = synthesize(SyntheticLink(seed=seed)).packets
    expected, one_sync = _one_by_one(packets)
    got, window_sync = _in_windows(packets, size)
    for name, want, have in zip(("first_s", "period_s", "epoch", "tick_us"), expected, got, strict=True):
        assert np.array_equal(want, have), name
    assert len(np.unique(got[2])) == 2  # the reboot went through
    assert len(_long_baseline(one_sync)) > 10
    assert np.array_equal(_long_baseline(one_sync), _long_baseline(window_sync))
