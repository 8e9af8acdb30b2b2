"""Bridging a short gap with the same phase one stride earlier beats a straight line.

While running, a foot or shank turns by tens of degrees within 100 ms; a straight line through
a lost stretch of gyroscope integrates to a wrong orientation, which the accelerometer then
pulls back only over seconds (VQF's tauAcc, 3 s). The error that matters is the inclination
(6D orientation has no meaningful heading): the up direction seen in the sensor frame.

Gaps of 50-300 ms are knocked out every 4 s after t = 12 s of a simulated easy run (default
IMU errors, the scenario's light BLE loss), and the inclination error in the 2 s after each
gap is compared between the periodic bridge and plain linear interpolation (the same code
with ``_copy_lag`` finding nothing to copy). The error is counted relative to the same stream
without the knocked-out gaps, bridged the same way, so it is the error the gaps add.
"""

import dataclasses
import functools
import math

import numpy as np
import pytest

from anklet.fusion import OrientationParams, SensorOrientation
from anklet.fusion import _orientation as orientation_module

from .truth import RATE_HZ, earth_from_sensor, inclination_error_deg, knock_out

# VQF's slower 3 s accelerometer correction (the default is 1.5 s), so the 2 s after a gap
# show what the bridge itself left behind rather than how fast VQF pulls it back
SLOW_CORRECTION = OrientationParams(tau_acc_s=3.0)

SEEDS = (0, 1, 2)
SENSORS = ("left_foot", "right_shank")
WINDOW_S = 2.0  # VQF pulls the inclination back with tauAcc = 3 s
SHORT = (0.05, 0.3)  # gap lengths, s


def _gaps(seed: int, length_s: tuple[float, float]) -> list[tuple[int, int]]:
    rng = np.random.default_rng(1000 + seed)
    starts = np.arange(12.0, 56.0, 4.0) + rng.uniform(0.0, 1.0, 11)  # any phase of the stride
    lengths = rng.uniform(*length_s, 11)
    return [(round(start * RATE_HZ), round((start + length) * RATE_HZ)) for start, length in zip(starts, lengths)]


@pytest.fixture(scope="module")
def added_error(simulated):
    """``added_error(seed, sensor, length_s, linear)`` -> (the inclination error each gap adds
    on average over the ``WINDOW_S`` after it, deg, (11,); the period each bridge found)."""

    @functools.cache
    def measure(seed: int, sensor: str, length_s: tuple[float, float], linear: bool):
        session, table = simulated("easy_run", seed, 60.0)
        gyr, acc = table.gyr[sensor], table.acc[sensor]
        bias = np.nanmean(gyr[100:500], axis=0)
        truth = earth_from_sensor(session, sensor, len(gyr))
        gaps = _gaps(seed, length_s)
        gapped_gyr, gapped_acc = knock_out(gyr, acc, gaps)
        periods = {}  # row after the gap -> period found
        real_bridge = orientation_module._bridge

        def recording_bridge(history, after, count, rate_hz, *args):
            row = int(np.flatnonzero((gapped_gyr == after[:3]).all(axis=1))[0])
            periods[row] = orientation_module._period_rows(history, rate_hz)
            return real_bridge(history, after, count, rate_hz, *args)

        # the line is forced (no copy, and never a restart instead) to compare with it
        params = dataclasses.replace(SLOW_CORRECTION, max_line_error_deg=math.inf) if linear else SLOW_CORRECTION
        with pytest.MonkeyPatch.context() as patch:
            if linear:
                patch.setattr(orientation_module, "_copy_lag", lambda *args: None)
            without = SensorOrientation(RATE_HZ, bias, params).update(gyr, acc)
            patch.setattr(orientation_module, "_bridge", recording_bridge)
            gapped = SensorOrientation(RATE_HZ, bias, params).update(gapped_gyr, gapped_acc)
        error_without = inclination_error_deg(without.quat, truth)
        error_gapped = inclination_error_deg(gapped.quat, truth)
        windows = [slice(stop, stop + round(WINDOW_S * RATE_HZ)) for _, stop in gaps]
        added = np.array([np.nanmean(error_gapped[w]) - np.nanmean(error_without[w]) for w in windows])
        return added, [periods.get(stop) for _, stop in gaps]

    return measure


@pytest.mark.parametrize("sensor", SENSORS)
@pytest.mark.parametrize("seed", SEEDS)
def test_the_stride_bridge_adds_far_less_error_than_a_line(added_error, seed, sensor):
    periodic, periods = added_error(seed, sensor, SHORT, linear=False)
    linear, _ = added_error(seed, sensor, SHORT, linear=True)
    # The periodic path really ran: every knocked-out gap found the stride (about 143 rows at
    # 168 steps/min) or twice it.
    assert all(p is not None and (125 <= p <= 165 or 260 <= p <= 320) for p in periods), periods
    # Measured here (seeds 0-2, both sensors): median over the 11 gaps 7-26 deg with the line,
    # 0.3-2.2 deg with the stride bridge (9-32 times less); means 17-35 deg and 1.0-3.6 deg
    # (5-19 times less). Over seeds 0-5 and all four sensors the median ratio is at least 5,
    # the mean ratio at least 2.3 (the mean suffers from the bridge's rare large errors, see
    # the xfail tests below). A line must add a lot, else the gaps test nothing.
    assert np.median(linear) > 5.0, linear
    assert np.median(periodic) < np.median(linear) / 3.0, (periodic, linear)
    assert np.mean(periodic) < np.mean(linear) / 2.0, (periodic, linear)


def test_no_short_gap_leaves_a_large_error(added_error):
    """Worst single 50-300 ms gap over seeds 0-4, both sensors. With the end offsets
    ramped across the whole gap it was 74.6 deg (seed 4, right_shank, a 0.30 s gap at 40.56 s
    whose after-sample sits on foot strike); faded out over 20 ms at most 10.9 deg (seeds 0-5,
    four sensors).
    Bound: 15 deg."""
    worst = max(added_error(seed, sensor, SHORT, linear=False)[0].max() for seed in range(5) for sensor in SENSORS)
    assert worst < 15.0, worst


def test_a_bridged_second_long_gap_stays_close(added_error):
    """Gaps of 0.5-1.5 s are still bridged (max_bridged_gap_s = 2 s), and the stride repeats
    just as well over them. Measured in the 2 s after each gap, seeds 0-2, both sensors: end
    offsets ramped across the gap added 18-58 deg (mean 38), a straight line 62-86 deg; faded
    out over 20 ms, 2-10 deg (mean 5). Bound: 10 deg on average."""
    added = [added_error(seed, sensor, (0.5, 1.5), linear=False)[0].mean() for seed in SEEDS for sensor in SENSORS]
    assert np.mean(added) < 10.0, added
