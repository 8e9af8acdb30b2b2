"""Sequence bookkeeping: duplicates dropped, loss counted exactly, seq wraps, late packets."""

import dataclasses

import numpy as np
import pytest

from anklet.protocol import decode_packets
from anklet.sim import load_scenario, simulate
from anklet.timing import ClockSync, PacketArrivals, SequenceTracker, first_copies, sync_offline


def test_loss_and_duplicates_are_counted_exactly(session_run):
    session, _, tracker, _, keep = session_run
    assert np.array_equal(keep, ~session.is_duplicate)
    assert tracker.duplicates_ == session.is_duplicate.sum()
    assert tracker.lost_packets_ == session.lost_packets
    assert tracker.lost_samples_ == session.lost_samples
    assert tracker.received_ == (~session.is_duplicate).sum()
    expected_pct = 100 * session.lost_packets / (session.lost_packets + tracker.received_)
    assert np.isclose(tracker.loss_pct_, expected_pct)


def _packets(seq, tick_us, host_s, n=4):
    k = len(seq)
    return PacketArrivals.from_arrays(
        tick_us=np.asarray(tick_us) % 2**32, n_samples=np.full(k, n), sample_rate_hz=np.full(k, 200),
        sequence=np.asarray(seq) % 65536, clock_reset=np.zeros(k, bool), host_time_s=host_s,
    )


def test_a_long_disconnect_where_the_sequence_wrapped():
    # 50 Hz of 20 ms packets; a 30-min gap: 90_000 packets, the 16-bit sequence wraps once
    gap = 90_000
    seq = [10, 11, 12, 12 + gap, 13 + gap]
    tick = np.array([0, 1, 2, 2 + gap, 3 + gap]) * 20_000 + 5_000
    host = tick * 1e-6 + 1.0 + 0.021
    packets = _packets(seq, tick, host)
    tracker = SequenceTracker()
    tracker.update(packets, ClockSync().update(packets))
    assert tracker.lost_packets_ == gap - 1
    assert tracker.lost_samples_ == (gap - 1) * 4


@pytest.mark.parametrize("size", [2, 3])
def test_in_order_counts_as_one_by_one_across_a_sequence_wrap(size):
    """The array path of a replay (``update_in_order``) counts a gap that is whole wraps of
    the 16-bit sequence off, and a plain loss, as ``update_one`` does packet by packet."""
    gap = 90_000
    seq = [10, 11, 12, 12 + gap, 13 + gap, 15 + gap, 16 + gap]
    tick = np.array([0, 1, 2, 2 + gap, 3 + gap, 5 + gap, 6 + gap]) * 20_000 + 5_000
    packets = _packets(seq, tick, tick * 1e-6 + 1.0 + 0.021)
    synced = ClockSync().update(packets)
    columns = (synced.epoch, packets.sequence, synced.tick_us, packets.n_samples, packets.sample_rate_hz)
    one, many, expected_lost, got_lost = SequenceTracker(), SequenceTracker(), [], []
    for row in zip(*(column.tolist() for column in columns), strict=True):
        before = one.lost_packets_
        one.update_one(*row)
        expected_lost.append(one.lost_packets_ - before)
    for start in range(0, len(seq), size):
        keep, lost = many.update_in_order(*(column[start : start + size] for column in columns))
        assert keep.all()
        got_lost += lost.tolist()
    assert got_lost == expected_lost and sum(got_lost) == gap  # gap - 1 over the disconnect, one after
    assert (many.lost_packets_, many.lost_samples_, many.received_) == (one.lost_packets_, one.lost_samples_, one.received_)


def test_a_late_packet_fills_its_hole():
    seq = [0, 1, 3, 2, 4]
    tick = np.array(seq) * 20_000
    host = np.array([0, 1, 3, 3.1, 4]) * 0.02 + 0.021
    packets = _packets(seq, tick, host)
    tracker = SequenceTracker()
    keep = tracker.update(packets, ClockSync().update(packets))
    assert keep.all() and tracker.lost_packets_ == 0 and tracker.lost_samples_ == 0


def test_first_copies_keeps_what_the_tracker_keeps(session_run):
    session, _, _, live, keep = session_run
    assert np.array_equal(first_copies(session.packets, live), keep)


@pytest.fixture(scope="module")
def copied_and_swapped():
    """Each sensor's data packets over chaos's link with many more duplicates and reorders."""
    scenario = load_scenario("chaos")
    link = {**scenario.link, "duplicate_prob": 0.05, "reorder_prob": 0.05}
    session = simulate(dataclasses.replace(scenario, link=link), seed=3, duration_s=90.0)
    sensors = []
    for sensor in session.sensors.values():
        data = [n for n in sensor.delivery.notifications if n.channel == "data"]
        packets = PacketArrivals.from_batch(decode_packets([n.payload for n in data]), [n.host_time_s for n in data])
        sensors.append((packets, sensor.delivery.stats))
    return sensors


def test_first_copies_agrees_with_the_tracker_on_simulated_links(copied_and_swapped):
    for packets, stats in copied_and_swapped:
        assert stats.duplicates > 50 and stats.reordered > 50  # the case is really exercised
        synced = sync_offline(packets)
        keep = first_copies(packets, synced)
        assert np.array_equal(keep, SequenceTracker().update(packets, synced))
        assert (~keep).sum() == stats.duplicates


def test_first_copies_drops_a_copy_however_late(copied_and_swapped):
    packets, _ = copied_and_swapped[0]
    k = 100
    at = int(np.searchsorted(packets.host_time_s, packets.host_time_s[k] + 20.0))  # ~1000 packets on
    assert at - k > 512  # beyond the live tracker's memory, within the clock sync's max_delay_s
    late = PacketArrivals(*(np.insert(column, at, column[k]) for column in packets))
    late = late._replace(host_time_s=np.insert(packets.host_time_s, at, packets.host_time_s[at]))
    synced = sync_offline(late)
    keep = first_copies(late, synced)
    assert keep[k] and not keep[at]
    tracked = SequenceTracker().update(late, synced)
    assert tracked[at] and np.array_equal(np.delete(keep, at), np.delete(tracked, at))


def test_first_copies_tells_a_reboot_and_a_sequence_wrap_from_a_copy():
    # a reboot restarts tick and sequence (same keys, new epoch); 65536 packets on, the sequence
    # repeats with a new tick; the last packet is a real copy
    seq = [65535, 0, 1, 0, 1, 1 + 65536, 1 + 65536]
    tick = np.array([0, 1, 2, 1, 2, 2 + 65536, 2 + 65536]) * 20_000 + 1_000
    host = np.array([0, 1, 2, 60, 61, 61 + 65535, 61 + 65535]) * 0.02 + 0.021
    packets = _packets(seq, tick, host)._replace(clock_reset=np.arange(7) == 3)
    synced = ClockSync().update(packets)
    keep = first_copies(packets, synced)
    assert list(keep) == [True] * 6 + [False]
    assert np.array_equal(keep, SequenceTracker().update(packets, synced))
