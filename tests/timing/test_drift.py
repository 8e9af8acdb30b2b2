"""The long-baseline drift figure against the simulator's true clocks (anklet.sim).

A figure is either resolved (within ``TOLERANCE_PPM`` of the truth), a bound the truth is
below, or unknown before ``min_baseline_s``: never a wrong number.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from anklet.pipeline._link import SensorLink
from anklet.protocol import decode_packet
from anklet.sim import load_scenario, simulate
from anklet.timing import ClockSync, DriftParams, DriftReading
from anklet.timing._drift import DriftTracker, read_drift

TOLERANCE_PPM = 1.5
"""A resolved figure is within this of the simulator's true drift (docs/timing.md)."""

READ_EVERY_S = 30.0


def simulated(scenario: str, seed: int, duration_s: float, drift_ppm: dict[str, float]):
    """``scenario`` with only the sensors named in ``drift_ppm``, each at that size of drift."""
    base = load_scenario(scenario)
    firmware = {
        name: {**base.per_sensor_firmware.get(name, {}), "clock_drift_ppm": size} for name, size in drift_ppm.items()
    }
    chosen = dataclasses.replace(base, sensors=tuple(drift_ppm), per_sensor_firmware=firmware)
    return simulate(chosen, seed=seed, duration_s=duration_s)


def feed_packet(sync: ClockSync, notification) -> None:
    """One data notification through the live path, as ``SensorLink.on_data`` takes it."""
    packet = decode_packet(notification.payload)
    sync.update_one(
        packet.tick_us, packet.n_samples, float(packet.sample_rate_hz), packet.sequence, packet.clock_reset,
        notification.host_time_s,
    )


def live_readings(sensor) -> list[tuple[float, DriftReading]]:
    """Feed one simulated sensor's data packet by packet, as SensorLink does; read every 30 s."""
    sync, readings, next_read_s = ClockSync(), [], READ_EVERY_S
    for notification in sensor.delivery.notifications:
        if notification.channel != "data":
            continue
        if notification.host_time_s >= next_read_s:
            readings.append((next_read_s, sync.drift_reading()))
            next_read_s += READ_EVERY_S
        feed_packet(sync, notification)
    readings.append((next_read_s, sync.drift_reading()))
    return readings


def assert_never_wrong(readings: list[tuple[float, DriftReading]], truth_ppm: float) -> None:
    for t, reading in readings:
        if reading.ppm is not None:
            assert abs(reading.ppm - truth_ppm) <= TOLERANCE_PPM, (t, reading, truth_ppm)
        elif reading.below_ppm is not None:
            assert abs(truth_ppm) < reading.below_ppm, (t, reading, truth_ppm)


@pytest.fixture(scope="module")
def easy_run():
    """Two sensors far above the aliasing floor, one near it, one far below."""
    return simulated("easy_run", 3, 600.0, {"left_shank": 45.0, "left_foot": 70.0, "right_shank": 18.0, "right_foot": 3.0})


def test_easy_run_figures_are_never_wrong_and_resolve_in_time(easy_run):
    for sensor in easy_run.sensors.values():
        readings = live_readings(sensor)
        truth = sensor.clock.drift_ppm
        assert_never_wrong(readings, truth)
        early = [reading for t, reading in readings if t < DriftParams().min_baseline_s]
        assert all(reading.ppm is None and reading.below_ppm is None for reading in early)
        final = readings[-1][1]
        if abs(truth) >= 40.0:  # two 5 ms steps of the event grid within 250 s: resolved by 450 s
            resolved_at = min(t for t, reading in readings if reading.ppm is not None)
            assert resolved_at <= 450.0, (sensor.name, readings)
            assert final.ppm is not None
        if abs(truth) < 5.0:  # below the floor: the bound tightens as the baseline grows
            assert final.below_ppm is not None and final.below_ppm < 15.0, final


@pytest.mark.parametrize("seed", [0, 1])
def test_chaos_loss_disconnect_and_reboot(seed):
    """5 % loss with bursts, duplicates, stalls, left_foot away 4 s, right_shank reboots at 70 s."""
    session = simulated("chaos", seed, 420.0, {"left_foot": 100.0, "right_shank": 120.0})
    for sensor in session.sensors.values():
        readings = live_readings(sensor)
        assert_never_wrong(readings, sensor.clock.drift_ppm)
        assert readings[-1][1].ppm is not None, (sensor.name, readings)


def test_a_reboot_keeps_the_previous_epochs_figure_until_the_new_one_resolves():
    base = load_scenario("easy_run")
    rebooted = dataclasses.replace(
        base, sensors=("right_shank",),
        per_sensor_firmware={"right_shank": {"clock_drift_ppm": 120.0, "reboot_at_s": [330.0]}},
    )
    sensor = simulate(rebooted, seed=2, duration_s=400.0).sensors["right_shank"]
    sync, after_reboot = ClockSync(), []
    for notification in sensor.delivery.notifications:
        if notification.channel != "data":
            continue
        feed_packet(sync, notification)
        if sync.epoch_ == 1:
            after_reboot.append(sync.drift_reading())
    assert len(after_reboot) > 1000  # the new epoch alone is too short to resolve: 70 s
    for reading in after_reboot:
        assert reading.ppm is not None and abs(reading.ppm - sensor.clock.drift_ppm) <= TOLERANCE_PPM


def staircase(drift_ppm: float, span_s: float, step_s: float = 0.005, bin_s: float = 2.0, phase: float = 0.3):
    """Bin minima of an aliased link: the true line (a sensor ``drift_ppm`` fast takes fewer host
    seconds per sensor second) plus the least wait for a connection event, which sweeps one
    ``step_s`` at the drift rate: flat steps, then a jump of one step."""
    x = np.arange(0.0, span_s, bin_s) + 0.7
    return x, -drift_ppm * 1e-6 * x + (phase * step_s + drift_ppm * 1e-6 * x) % step_s


@pytest.mark.parametrize("drift_ppm", [-60.0, -25.0, 0.0, 2.0, 9.0, 33.0])
@pytest.mark.parametrize("phase", [0.05, 0.5, 0.95])
def test_staircase_resolves_or_bounds_the_truth(drift_ppm, phase):
    for span_s in (100.0, 200.0, 400.0, 800.0, 1600.0):
        x, d = staircase(drift_ppm, span_s, phase=phase)
        reading = read_drift(x, d, DriftParams())
        if span_s < DriftParams().min_baseline_s:
            assert reading.ppm is None and reading.below_ppm is None
        else:
            assert_never_wrong([(span_s, reading)], drift_ppm)
            if span_s * abs(drift_ppm) * 1e-6 >= 8 * 0.005:  # eight steps of the grid: resolved
                assert reading.ppm is not None, (span_s, reading)


def test_few_points_far_apart_give_a_bound_not_an_error():
    x, d = np.array([0.0, 100.0, 200.0]), np.array([0.0, 1e-3, 2e-3])  # one window: its first point least
    reading = read_drift(x, d, DriftParams())
    assert reading.ppm is None and reading.below_ppm is not None and reading.below_ppm >= 10.0
    assert read_drift(x[:2], d[:2], DriftParams()) == DriftReading(None, None, 0.0)


def test_memory_is_bounded_and_halving_keeps_the_lower_point():
    tracker = DriftTracker(DriftParams(capacity=16))
    x, d = staircase(40.0, 4000.0)
    for i, (xi, di) in enumerate(zip(x, d, strict=True)):
        tracker.add(i, float(xi), float(di))
    assert tracker._n <= 16
    kept = tracker._d[: tracker._n]
    merge = tracker._merge
    assert merge >= len(x) / 16
    groups = [d[i : i + merge].min() for i in range(0, len(d), merge)]
    np.testing.assert_array_equal(kept, groups)
    reading = tracker.reading()
    assert reading.ppm is not None and abs(reading.ppm - 40.0) <= TOLERANCE_PPM


def test_status_entries_carry_the_figure(easy_run):
    """``SensorLink.status``: null and null before the baseline, then a bound, then the figure."""
    sensor = easy_run.sensors["left_foot"]
    link, entries, next_s = SensorLink(sensor.name), [], 10.0
    for notification in sensor.delivery.notifications:
        if notification.channel == "data":
            link.on_data(notification.payload, notification.host_time_s)
        if notification.host_time_s >= next_s:
            entries.append(link.status(notification.host_time_s))
            next_s += 10.0
    states = [(entry["clock_drift_ppm"] is not None, entry["clock_drift_below_ppm"] is not None) for entry in entries]
    assert states[0] == (False, False)
    assert (False, True) in states and states[-1] == (True, False)
    assert abs(entries[-1]["clock_drift_ppm"] - sensor.clock.drift_ppm) <= TOLERANCE_PPM
    assert entries[-1]["clock_drift_ppm"] == round(link.clock.drift_reading().ppm, 1)
