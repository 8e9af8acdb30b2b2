"""BLE delivery: exact loss/duplicate/reorder accounting, timing, disconnects, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from anklet.errors import ValidationError
from anklet.protocol import decode_packets
from anklet.sim._ble import Fate, LinkParams, deliver
from anklet.sim._firmware import FirmwareParams, SensorClock, emulate_firmware
from anklet.sim._imu import ImuSamples


@pytest.fixture(scope="module")
def firmware():
    """60 s of a 200 Hz sensor: 3000 data packets of 4 samples, 59 status messages."""
    clock = SensorClock(offset_us=0.0, drift_ppm=0.0)
    times = clock.sample_times(60.0, 200)
    zeros = np.zeros((len(times), 3))
    return emulate_firmware(ImuSamples(times, zeros, zeros), clock.tick_us(times), FirmwareParams(sample_rate_hz=200))


def data_sequences(delivery) -> np.ndarray:
    """Sequence numbers of the data notifications in arrival order."""
    payloads = [n.payload for n in delivery.notifications if n.channel == "data"]
    return decode_packets(payloads).sequence.astype(int)


def test_losses_are_counted_exactly(firmware):
    link = LinkParams(loss_prob=0.03, burst_enter_prob=0.005, mean_burst_len=6.0)
    delivery = deliver(firmware, link, "left_foot", np.random.default_rng(1))
    stats = delivery.stats
    arrived = set(data_sequences(delivery))
    missing = np.setdiff1d(firmware.data.sequence, list(arrived))
    assert stats.packets_sent == len(firmware.data.payloads) == 3000
    assert stats.packets_lost == len(missing) > 0
    assert stats.packets_lost_random > 0 and stats.packets_lost_burst > 0
    assert stats.samples_lost == firmware.data.count[np.isin(firmware.data.sequence, missing)].sum()
    np.testing.assert_array_equal(np.flatnonzero(delivery.packet_fate != Fate.DELIVERED), missing)
    status = [n for n in delivery.notifications if n.channel == "status"]
    assert len(status) == stats.status_sent - stats.status_lost


def test_duplicates_and_reorders_are_counted_exactly(firmware):
    link = LinkParams.perfect(duplicate_prob=0.02, reorder_prob=0.02)
    delivery = deliver(firmware, link, "left_foot", np.random.default_rng(2))
    sequence = data_sequences(delivery)
    repeated = np.diff(sequence) == 0
    distinct = sequence[np.append(True, ~repeated)]
    assert repeated.sum() == delivery.stats.duplicates > 0
    assert (np.diff(distinct) < 0).sum() == delivery.stats.reordered > 0
    np.testing.assert_array_equal(np.sort(distinct), firmware.data.sequence)
    hosts = np.array([n.host_time_s for n in delivery.notifications])
    assert np.all(np.diff(hosts) >= 0)
    assert np.all(delivery.packet_host_time_s >= firmware.data.send_time_s)


def test_disconnect_drops_exactly_the_packets_sent_or_queued_in_it(firmware):
    send = firmware.data.send_time_s
    start, end = send[1000] + 1e-4, send[1150] + 1e-4  # packet 1000 is still queued at start
    link = LinkParams.perfect(disconnects=((start, end - start),))
    delivery = deliver(firmware, link, "left_foot", np.random.default_rng(3))
    lost = delivery.packet_fate == Fate.LOST_DISCONNECT
    np.testing.assert_array_equal(np.flatnonzero(lost), np.arange(1000, 1151))
    assert delivery.stats.packets_lost == delivery.stats.packets_lost_disconnect == 151
    assert delivery.stats.samples_lost == 151 * 4
    hosts = np.array([n.host_time_s for n in delivery.notifications])
    assert not np.any((hosts >= start) & (hosts < end))


def test_arrivals_follow_sends_in_order_and_within_a_bounded_delay(firmware):
    link = LinkParams(stall_rate_hz=1.0)
    delivery = deliver(firmware, link, "right_shank", np.random.default_rng(4))
    hosts = np.array([n.host_time_s for n in delivery.notifications])
    assert np.all(np.diff(hosts) >= 0)
    ok = delivery.packet_fate == Fate.DELIVERED
    latency = delivery.packet_host_time_s[ok] - firmware.data.send_time_s[ok]
    assert latency.min() >= 0.0
    assert latency.max() < 0.015 + 0.030 + 0.05
    assert np.isnan(delivery.packet_host_time_s[~ok]).all()
    assert {n.sensor for n in delivery.notifications} == {"right_shank"}


def test_connection_events_carry_at_most_their_share(firmware):
    link = LinkParams.perfect(connection_interval_s=0.05, max_notifications_per_event=3)
    delivery = deliver(firmware, link, "left_foot", np.random.default_rng(5))
    hosts = np.array([n.host_time_s for n in delivery.notifications])
    phase = np.mod(hosts, 0.05)
    np.testing.assert_allclose(phase, phase[0], atol=1e-9)  # only at connection events
    _, per_event = np.unique(np.round(hosts / 0.05), return_counts=True)
    assert per_event.max() == 3


def test_same_seed_same_delivery_other_seed_other_delivery(firmware):
    link = LinkParams(loss_prob=0.01, duplicate_prob=0.01, reorder_prob=0.01)
    a = deliver(firmware, link, "left_foot", np.random.default_rng(6))
    b = deliver(firmware, link, "left_foot", np.random.default_rng(6))
    c = deliver(firmware, link, "left_foot", np.random.default_rng(7))
    assert a.notifications == b.notifications and a.stats == b.stats
    assert a.notifications != c.notifications


def mean_run_length(lost: np.ndarray) -> float:
    starts = np.flatnonzero(np.diff(np.append(0, lost.astype(int))) == 1)
    return lost.sum() / len(starts)


def test_burst_losses_cluster_random_losses_do_not(firmware):
    bursty = deliver(firmware, LinkParams.perfect(burst_enter_prob=0.01, mean_burst_len=10.0), "x", np.random.default_rng(8))
    scattered = deliver(firmware, LinkParams.perfect(loss_prob=0.09), "x", np.random.default_rng(8))
    assert mean_run_length(bursty.packet_fate == Fate.LOST_BURST) == pytest.approx(10.0, rel=0.35)
    assert mean_run_length(scattered.packet_fate == Fate.LOST_RANDOM) < 1.3


def test_a_session_without_any_stall_is_delivered(firmware):
    link = LinkParams(stall_rate_hz=1e-9)
    delivery = deliver(firmware, link, "left_foot", np.random.default_rng(9))
    assert len(delivery.notifications) > 0


@pytest.mark.parametrize(
    "field", [{"loss_prob": 1.5}, {"mean_burst_len": 0.5}, {"max_notifications_per_event": 0}, {"disconnects": ((1.0, -2.0),)}]
)
def test_impossible_link_parameters_are_refused(field):
    with pytest.raises(ValidationError):
        LinkParams(**field)
