"""Live clock sync on a synthetic chaotic BLE link: accuracy, drift, reboots, wraps, bounds."""

import numpy as np
import pytest

from anklet.errors import ValidationError
from anklet.timing import ClockSync, ClockSyncParams, PacketArrivals, SequenceTracker, sample_times

from .conftest import warm_mask
from .synthetic import SyntheticLink, feed_live, synthesize


def test_sample_times_within_a_millisecond_after_warmup(session_run):
    session, _, _, live, _ = session_run
    error_ms = np.abs(live.first_sample_time_s - session.true_first_s)[warm_mask(session)] * 1e3
    assert np.percentile(error_ms, 99) < 1.0
    assert np.median(error_ms) < 0.3


def test_reboot_starts_a_new_epoch_and_wrap_is_unwrapped(session_run):
    session, sync, _, live, _ = session_run
    assert np.array_equal(live.epoch, session.epoch)
    assert sync.epoch_ == 1
    first = session.epoch == 0
    ticks = live.tick_us[first & ~session.is_duplicate]
    assert ticks.max() > 2**32  # the generator wraps the 32-bit tick 20 s in
    order = np.argsort(session.sent_index[first & ~session.is_duplicate])
    assert (np.diff(ticks[order]) > 0).all()


def test_residual_and_drift_are_reported(session_run):
    _, sync, _, _, _ = session_run
    assert 0 < sync.residual_s_ < 0.005
    assert np.isfinite(sync.offset_s_)
    assert abs(sync.drift_ppm_ - 42.0) < 10  # second epoch: prior carried over the reboot


@pytest.mark.parametrize("drift_ppm", [-50.0, 42.0])
def test_drift_within_5_ppm_after_60_s(drift_ppm):
    session = synthesize(SyntheticLink(duration_s=64, drift_ppm=drift_ppm, reboot_at_s=None, seed=4))
    sync = ClockSync()
    feed_live(sync, session.packets)
    assert abs(sync.drift_ppm_ - drift_ppm) < 5


def test_reboot_detected_when_its_flagged_packet_is_lost():
    session = synthesize(SyntheticLink(duration_s=100, seed=2))
    keep = ~session.packets.clock_reset
    packets = PacketArrivals(*(column[keep] for column in session.packets))
    live = feed_live(ClockSync(), packets)
    assert np.array_equal(live.epoch, session.epoch[keep])
    error_ms = np.abs(live.first_sample_time_s - session.true_first_s[keep])
    assert np.percentile(error_ms[warm_mask(session)[keep]], 99) < 1e-3


def test_state_stays_bounded():
    sync = ClockSync(ClockSyncParams(window_s=20.0, bin_s=1.0))
    feed_live(sync, synthesize(SyntheticLink(duration_s=90, reboot_at_s=None, seed=3)).packets)
    epoch = sync._state.current
    assert len(epoch.bin_id) == 21 and sync.n_fit_bins_ <= 20


def test_grid_locked_connection_events_stay_within_the_phase_spacing():
    """Known limit: 20 ms packets vs a 15 ms event grid alias; the error is bounded, not < 1 ms."""
    session = synthesize(SyntheticLink(duration_s=90, conn_grid=True, drift_ppm=3.0, reboot_at_s=None, seed=5))
    live = feed_live(ClockSync(), session.packets)
    error_ms = np.abs(live.first_sample_time_s - session.true_first_s)[warm_mask(session)] * 1e3
    assert np.percentile(error_ms, 99) < 5.5


def test_sample_times_expand_packets():
    session = synthesize(SyntheticLink(duration_s=10, reboot_at_s=None, disconnect=None, seed=1))
    live = feed_live(ClockSync(), session.packets)
    times = sample_times(live, session.packets.n_samples)
    assert len(times) == session.packets.n_samples.sum()
    per_packet = np.split(times, np.cumsum(session.packets.n_samples)[:-1])
    assert all(np.allclose(np.diff(t), 0.005, atol=1e-6) for t in per_packet)


def test_no_work_in_init_and_reset_clears_state():
    sync = ClockSync()
    assert sync._state is None and np.isnan(sync.drift_ppm_)
    feed_live(sync, synthesize(SyntheticLink(duration_s=5, reboot_at_s=None, disconnect=None)).packets)
    assert sync.epoch_ == 0
    assert sync.reset() is sync and sync.epoch_ == -1


def test_bad_input_is_a_validation_error():
    with pytest.raises(ValidationError, match="n_samples"):
        PacketArrivals.from_arrays(
            tick_us=[0, 1], n_samples=[4], sample_rate_hz=[200, 200], sequence=[0, 1],
            clock_reset=[False, False], host_time_s=[0.0, 0.1],
        )


@pytest.mark.parametrize("seed", [0, 2])
def test_one_packet_at_a_time_gives_exactly_the_batch_numbers(seed):
    """``update_one`` (the live link's path) against ``update`` fed one packet at a time, through
    the whole chaos link: loss, duplicates, reorders, a disconnect, a reboot and a tick wrap.
    Exactly, not nearly: ``sync_offline(causal=True)`` reproduces live timing by running
    ``update``."""
    packets = synthesize(SyntheticLink(seed=seed)).packets
    batch = feed_live(ClockSync(), packets, max_batch=1)
    one, tracker = ClockSync(), SequenceTracker()
    rows = zip(*(column.tolist() for column in packets))
    timed = [one.update_one(tick, n, rate, seq, reset, host) for tick, n, rate, seq, reset, host in rows]
    first_s, period_s, epoch, tick_us = (np.array(column) for column in zip(*timed))
    assert np.array_equal(first_s, batch.first_sample_time_s)
    assert np.array_equal(period_s, batch.sample_period_s)
    assert np.array_equal(epoch, batch.epoch) and np.array_equal(tick_us, batch.tick_us)
    assert len(np.unique(epoch)) == 2  # the reboot went through the fallback and came out the same
    keep = [tracker.update_one(e, seq, tick, n, rate) for e, seq, tick, n, rate in
            zip(epoch.tolist(), packets.sequence.tolist(), tick_us.tolist(), packets.n_samples.tolist(),
                packets.sample_rate_hz.tolist())]
    batch_tracker = SequenceTracker()
    assert np.array_equal(keep, batch_tracker.update(packets, batch))
    assert (tracker.lost_packets_, tracker.lost_samples_, tracker.duplicates_) == (
        batch_tracker.lost_packets_, batch_tracker.lost_samples_, batch_tracker.duplicates_)
    assert tracker.duplicates_ > 0 and tracker.lost_packets_ > 0
