"""Firmware emulation: batching, the flush deadline, wraps, reboots, status and the encoding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anklet.errors import ValidationError
from anklet.protocol import decode_packets, decode_status, quantize_acc, quantize_gyr
from anklet.sim._firmware import (
    FirmwareParams,
    SensorClock,
    emulate_firmware,
)
from anklet.sim._imu import ImuSamples

CLOCK = SensorClock(offset_us=1_234_567.0, drift_ppm=25.0)


def run(duration_s: float, params: FirmwareParams, clock: SensorClock = CLOCK, seed: int = 0):
    """Random in-range samples at the clock's sampling instants, through the firmware."""
    times = clock.sample_times(duration_s, params.sample_rate_hz)
    rng = np.random.default_rng(seed)
    samples = ImuSamples(times, rng.uniform(-100, 100, (len(times), 3)), rng.uniform(-20, 20, (len(times), 3)))
    return samples, emulate_firmware(samples, clock.tick_us(times), params)


def test_sensor_clock_round_trips_and_samples_on_its_own_ticks():
    t = np.array([0.0, 1.5, 3600.0])
    np.testing.assert_allclose(CLOCK.true_time_s(CLOCK.tick_us(t)), t, atol=1e-9)
    times = CLOCK.sample_times(2.0, 250.0)
    np.testing.assert_allclose(np.diff(CLOCK.tick_us(times)), 4000.0)
    assert times[-1] < 2.0 <= times[-1] + np.diff(times)[0]


@pytest.mark.parametrize(("rate_hz", "per_packet"), [(100, 2), (200, 4), (500, 10), (1000, 19)])
def test_samples_per_packet_follow_the_rate(rate_hz, per_packet):
    samples, out = run(3.0, FirmwareParams(sample_rate_hz=rate_hz))
    assert np.all(out.data.count[:-1] == per_packet)
    assert 1 <= out.data.count[-1] <= per_packet
    covered = np.concatenate([np.arange(f, f + c) for f, c in zip(out.data.first_sample, out.data.count)])
    np.testing.assert_array_equal(covered, np.arange(len(samples.t)))


@pytest.mark.parametrize("rate_hz", [100, 333, 1000])
def test_no_sample_waits_longer_than_the_flush_deadline(rate_hz):
    params = FirmwareParams(sample_rate_hz=rate_hz, flush_deadline_s=0.015)
    samples, out = run(3.0, params)
    first, last = out.data.first_sample, out.data.first_sample + out.data.count - 1
    assert np.all(out.data.send_time_s - samples.t[first] <= params.flush_deadline_s + 1e-12)
    assert np.all(out.data.send_time_s >= samples.t[last])
    assert np.all(np.diff(out.data.send_time_s) > 0)


def test_encoded_packets_decode_to_the_quantized_samples():
    params = FirmwareParams(sample_rate_hz=500, acc_range_g=8, gyr_range_dps=1000)
    samples, out = run(2.0, params)
    batch = decode_packets(out.data.payloads)
    np.testing.assert_array_equal(batch.sequence, out.data.sequence)
    np.testing.assert_array_equal(batch.n_samples, out.data.count)
    assert set(batch.acc_range_g) == {8} and set(batch.gyr_range_dps) == {1000}
    acc_lsb, gyr_lsb = 8 * 9.80665 / 32768, math.radians(1000) / 32768
    np.testing.assert_array_equal(np.rint(batch.acc / acc_lsb), quantize_acc(samples.acc, 8))
    np.testing.assert_array_equal(np.rint(batch.gyr / gyr_lsb), quantize_gyr(samples.gyr, 1000))
    expected_tick = np.rint(CLOCK.tick_us(samples.t[out.data.first_sample]))
    np.testing.assert_array_equal(batch.tick_us, expected_tick)


def test_sequence_numbers_wrap_at_65536():
    _, out = run(1.0, FirmwareParams(sample_rate_hz=1000, first_sequence=65_530))
    sequence = decode_packets(out.data.payloads).sequence.astype(int)
    np.testing.assert_array_equal(sequence, (65_530 + np.arange(len(sequence))) % 65_536)
    assert sequence.min() == 0


def test_tick_wraps_at_2_to_the_32():
    clock = SensorClock(offset_us=2**32 - 500_000.0, drift_ppm=-10.0)
    samples, out = run(1.0, FirmwareParams(sample_rate_hz=200), clock)
    tick = decode_packets(out.data.payloads).tick_us.astype(np.int64)
    wrapped = np.diff(tick) < 0
    assert wrapped.sum() == 1
    unwrapped = tick + 2**32 * np.cumsum(np.append(False, wrapped))
    np.testing.assert_array_equal(unwrapped, np.rint(clock.tick_us(samples.t[out.data.first_sample])))


def test_reboot_restarts_clock_and_sequence_and_skips_the_boot_time():
    params = FirmwareParams(sample_rate_hz=200, reboot_at_s=(5.0,), boot_duration_s=1.5, first_sequence=700)
    samples, out = run(10.0, params)
    batch = decode_packets(out.data.payloads)
    sent = np.zeros(len(samples.t), dtype=bool)
    for f, c in zip(out.data.first_sample, out.data.count):
        sent[f : f + c] = True
    assert not sent[(samples.t >= 5.0) & (samples.t < 6.5)].any()
    assert sent[samples.t >= 6.5].all()
    assert not np.any((out.data.send_time_s >= 5.0) & (out.data.send_time_s < 6.5))
    after = np.flatnonzero(out.data.send_time_s >= 6.5)[0]
    np.testing.assert_array_equal(np.flatnonzero(batch.clock_reset), [after])
    assert batch.sequence[after] == 0 and batch.sequence[after - 1] == 700 + after - 1
    # The clock restarted at the reboot: the first sample after boot reads ~1.5 s.
    assert batch.tick_us[after] == pytest.approx(1.5e6 * (1 + 25e-6), abs=5e3)
    np.testing.assert_array_equal(np.diff(batch.tick_us[after:].astype(int)), 5000 * batch.n_samples[after:-1])


def test_status_messages_carry_time_sync_battery_and_last_sequence():
    params = FirmwareParams(sample_rate_hz=1000, battery_start_pct=50.0, reboot_at_s=(4.2,))
    _, out = run(10.0, params)
    status = [decode_status(p) for p in out.status.payloads]
    np.testing.assert_allclose(out.status.send_time_s, [1, 2, 3, 4, 6, 7, 8, 9])  # none while booting
    ticks = np.array([s.tick_us for s in status], dtype=float)
    np.testing.assert_allclose(ticks[:4], CLOCK.tick_us(out.status.send_time_s[:4]), atol=5.0)
    np.testing.assert_allclose(ticks[4:], (out.status.send_time_s[4:] - 4.2) * 1e6 * (1 + 25e-6), atol=5.0)
    for s, t in zip(status, out.status.send_time_s):
        last = np.flatnonzero(out.data.send_time_s <= t)[-1]
        assert s.last_sequence == out.data.sequence[last]
        assert s.sample_rate_hz == 1000 and s.streaming
    assert status[0].battery_pct == 50
    assert status[-1].battery_pct == round(50 - 10.0 * 9 / 3600)


@pytest.mark.parametrize(
    ("field", "name"), [({"flush_deadline_s": 0.05}, "flush_deadline_s"), ({"sample_rate_hz": 5}, "sample_rate_hz")]
)
def test_impossible_firmware_parameters_are_refused(field, name):
    with pytest.raises(ValidationError, match=name):
        FirmwareParams(**field)
