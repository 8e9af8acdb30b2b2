"""Sequence bookkeeping: duplicates dropped, loss counted exactly, seq wraps, late packets."""

import numpy as np

from anklet.timing import ClockSync, PacketArrivals, SequenceTracker


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


def test_a_late_packet_fills_its_hole():
    seq = [0, 1, 3, 2, 4]
    tick = np.array(seq) * 20_000
    host = np.array([0, 1, 3, 3.1, 4]) * 0.02 + 0.021
    packets = _packets(seq, tick, host)
    tracker = SequenceTracker()
    keep = tracker.update(packets, ClockSync().update(packets))
    assert keep.all() and tracker.lost_packets_ == 0 and tracker.lost_samples_ == 0
