"""IMU synthesis: physics of the ideal signals, and each error of the error model."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anklet.errors import ValidationError
from anklet.geometry import GRAVITY_MPS2, rotation_x, rotation_y, rotation_z
from anklet.sim._firmware import SensorClock
from anklet.sim._imu import (
    ImuErrorModel,
    Mounting,
    ideal_imu,
    random_mounting,
    synthesize_imu,
)
from anklet.sim._motion import SegmentTrajectory

IDEAL = ImuErrorModel.ideal()
AT_ORIGIN = Mounting(np.eye(3), np.zeros(3))


def trajectory(rotation_of_t, position_of_t, duration_s: float, rate_hz: float) -> SegmentTrajectory:
    """A SegmentTrajectory sampled from analytic rotation (n,3,3) and position (n,3) functions."""
    t = np.arange(round(duration_s * rate_hz) + 1) / rate_hz
    return SegmentTrajectory(rate_hz, position_of_t(t), rotation_of_t(t))


def still(duration_s: float = 2.0, rate_hz: float = 200.0) -> SegmentTrajectory:
    return trajectory(lambda t: np.broadcast_to(np.eye(3), (len(t), 3, 3)), lambda t: np.zeros((len(t), 3)), duration_s, rate_hz)


def tumbling(t: np.ndarray) -> np.ndarray:
    """A 10 s motion turning about all three axes, up to ~5 rad/s."""
    return (
        rotation_z(0.8 * np.sin(2 * math.pi * 1.3 * t))
        @ rotation_y(0.9 * t + 0.4 * np.sin(2 * math.pi * 0.7 * t))
        @ rotation_x(0.6 * np.sin(2 * math.pi * 1.9 * t + 0.3))
    )


def grid_times(duration_s: float, rate_hz: float) -> np.ndarray:
    return np.arange(round(duration_s * rate_hz)) / rate_hz


@pytest.mark.parametrize("segment", ["shank", "foot"])
def test_resting_sensor_reads_gravity_and_no_rotation(segment):
    rng = np.random.default_rng(3)
    for _ in range(10):
        mounting = random_mounting(segment, rng)
        imu = synthesize_imu(still(), mounting, IDEAL, grid_times(1.0, 100.0), rng)
        np.testing.assert_allclose(np.linalg.norm(imu.acc, axis=1), GRAVITY_MPS2, atol=1e-9)
        expected = mounting.rotation_segment_sensor.T @ np.array([0.0, GRAVITY_MPS2, 0.0])
        np.testing.assert_allclose(imu.acc, np.broadcast_to(expected, imu.acc.shape), atol=1e-9)
        np.testing.assert_allclose(imu.gyr, 0.0, atol=1e-12)


def test_integrated_gyroscope_recovers_orientation():
    rng = np.random.default_rng(5)
    mounting = random_mounting("foot", rng)
    motion = trajectory(tumbling, lambda t: np.zeros((len(t), 3)), 10.0, 500.0)
    clock = SensorClock(offset_us=0.0, drift_ppm=40.0)
    times = clock.sample_times(10.0, 200.0)
    imu = synthesize_imu(motion, mounting, IDEAL, times, rng)

    truth = Rotation.from_matrix(tumbling(imu.t) @ mounting.rotation_segment_sensor)
    omega_mid = 0.5 * (imu.gyr[:-1] + imu.gyr[1:]) * np.diff(imu.t)[:, None]
    steps = Rotation.from_rotvec(omega_mid)
    estimate = [truth[0]]
    for step in steps:
        estimate.append(estimate[-1] * step)
    error_deg = np.degrees((Rotation.concatenate(estimate).inv() * truth).magnitude())
    assert np.abs(imu.gyr).max() > 3.0  # the motion really is fast
    assert error_deg.max() < 0.5


def test_lever_arm_on_spinning_segment_gives_centripetal_specific_force():
    omega, radius = 2 * math.pi * 1.5, 0.1
    motion = trajectory(lambda t: rotation_y(omega * t), lambda t: np.zeros((len(t), 3)), 3.0, 400.0)
    mounting = Mounting(np.eye(3), np.array([radius, 0.0, 0.0]))
    acc, gyr = ideal_imu(motion, mounting)
    expected = np.array([-(omega**2) * radius, GRAVITY_MPS2, 0.0])
    np.testing.assert_allclose(acc, np.broadcast_to(expected, acc.shape), atol=1e-3)
    np.testing.assert_allclose(gyr, np.broadcast_to([0.0, omega, 0.0], gyr.shape), atol=1e-9)


def test_circular_translation_matches_analytic_specific_force():
    omega, radius = 2 * math.pi * 0.8, 0.5

    def circle(t):
        return radius * np.stack((np.cos(omega * t), np.zeros_like(t), np.sin(omega * t)), axis=1)

    motion = trajectory(lambda t: np.broadcast_to(np.eye(3), (len(t), 3, 3)), circle, 4.0, 200.0)
    acc, _ = ideal_imu(motion, AT_ORIGIN)
    expected = -(omega**2) * circle(motion.t) + np.array([0.0, GRAVITY_MPS2, 0.0])
    np.testing.assert_allclose(acc, expected, atol=1e-3)


def test_readings_saturate_at_the_full_scale_range():
    f_hz = 5.0
    amplitude = 40 * GRAVITY_MPS2 / (2 * math.pi * f_hz) ** 2  # 40 g peak

    def shake(t):
        return np.stack((amplitude * np.sin(2 * math.pi * f_hz * t), 0 * t, 0 * t), axis=1)

    spin = math.radians(3000.0)
    motion = trajectory(lambda t: rotation_y(spin * t), shake, 1.0, 1000.0)
    imu = synthesize_imu(motion, AT_ORIGIN, IDEAL, grid_times(1.0, 1000.0), np.random.default_rng(0))
    assert imu.acc[:, 0].max() == pytest.approx(16 * GRAVITY_MPS2)
    assert imu.acc[:, 0].min() == pytest.approx(-16 * GRAVITY_MPS2)
    np.testing.assert_allclose(imu.gyr[:, 1], math.radians(2000.0))


def test_white_noise_sd_matches_density():
    rate_hz = 400.0
    errors = dataclasses.replace(IDEAL, acc_noise_density=1.5e-3, gyr_noise_density=1.2e-4)
    imu = synthesize_imu(still(20.0), AT_ORIGIN, errors, grid_times(20.0, rate_hz), np.random.default_rng(1))
    acc_sd = (imu.acc - imu.acc.mean(axis=0)).std(axis=0)
    np.testing.assert_allclose(acc_sd, 1.5e-3 * math.sqrt(rate_hz / 2), rtol=0.1)
    np.testing.assert_allclose(imu.gyr.std(axis=0), 1.2e-4 * math.sqrt(rate_hz / 2), rtol=0.1)


def test_bias_random_walk_grows_like_sqrt_time():
    walk = 1e-3  # rad/s/√s
    errors = dataclasses.replace(IDEAL, gyr_bias_walk=walk)
    rng = np.random.default_rng(2)
    times = grid_times(10.0, 100.0)
    runs = np.array([synthesize_imu(still(10.0), AT_ORIGIN, errors, times, rng).gyr for _ in range(200)])
    sd_early = runs[:, 250].std()  # t = 2.5 s
    sd_late = runs[:, 999].std()  # t = 9.99 s
    assert sd_early == pytest.approx(walk * math.sqrt(2.5), rel=0.15)
    assert sd_late == pytest.approx(walk * math.sqrt(9.99), rel=0.15)
    assert sd_late / sd_early == pytest.approx(2.0, rel=0.15)


def test_constant_errors_are_drawn_once_per_sensor():
    errors = dataclasses.replace(IDEAL, gyr_bias_sd=0.01, acc_scale_sd=0.01, misalignment_sd=0.01)
    imu = synthesize_imu(still(), AT_ORIGIN, errors, grid_times(1.0, 100.0), np.random.default_rng(4))
    np.testing.assert_allclose(imu.gyr, np.broadcast_to(imu.gyr[0], imu.gyr.shape))
    assert np.abs(imu.gyr[0]).max() > 1e-4
    assert np.linalg.norm(imu.acc[0]) != pytest.approx(GRAVITY_MPS2, abs=1e-6)


def test_sampling_jitter_moves_the_sampling_instants():
    times = grid_times(2.0, 100.0)
    errors = dataclasses.replace(IDEAL, sample_jitter_s=5e-6)
    imu = synthesize_imu(still(), AT_ORIGIN, errors, times, np.random.default_rng(6))
    assert (imu.t - times).std() == pytest.approx(5e-6, rel=0.2)


def test_precomputed_ideal_signals_give_the_same_samples():
    motion = trajectory(tumbling, lambda t: np.zeros((len(t), 3)), 2.0, 200.0)
    mounting = random_mounting("shank", np.random.default_rng(7))
    times = grid_times(2.0, 150.0)
    fresh = synthesize_imu(motion, mounting, ImuErrorModel(), times, np.random.default_rng(8))
    reused = synthesize_imu(
        motion, mounting, ImuErrorModel(), times, np.random.default_rng(8), ideal=ideal_imu(motion, mounting)
    )
    np.testing.assert_array_equal(fresh.acc, reused.acc)
    np.testing.assert_array_equal(fresh.gyr, reused.gyr)


def test_random_mountings_cover_the_plausible_placements():
    rng = np.random.default_rng(9)
    shank = [random_mounting("shank", rng) for _ in range(300)]
    foot = [random_mounting("foot", rng) for _ in range(300)]
    for m in shank + foot:
        r = m.rotation_segment_sensor
        np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(r) == pytest.approx(1.0)
    offsets = np.array([m.offset_m for m in shank])
    assert np.all((np.hypot(offsets[:, 0], offsets[:, 2]) >= 0.04) & (np.hypot(offsets[:, 0], offsets[:, 2]) <= 0.05))
    assert np.all((offsets[:, 1] >= 0.10) & (offsets[:, 1] <= 0.25))
    azimuth = np.arctan2(offsets[:, 2], offsets[:, 0])
    assert np.histogram(azimuth, bins=4, range=(-math.pi, math.pi))[0].min() > 40
    foot_offsets = np.array([m.offset_m for m in foot])
    assert np.all((foot_offsets[:, 0] >= 0.05) & (foot_offsets[:, 0] <= 0.08))
    assert np.all((foot_offsets[:, 1] >= 0.04) & (foot_offsets[:, 1] <= 0.06))
    for mountings in (shank, foot):
        # Which signed sensor axis points closest to the segment's long axis: all six occur.
        up = np.array([m.rotation_segment_sensor[1] for m in mountings])  # segment Y in sensor frame
        nearest = {(int(np.argmax(np.abs(u))), bool(u[np.argmax(np.abs(u))] > 0)) for u in up}
        assert len(nearest) == 6


def test_negative_error_parameters_are_refused():
    with pytest.raises(ValidationError, match="gyr_bias_sd"):
        ImuErrorModel(gyr_bias_sd=-0.1)
