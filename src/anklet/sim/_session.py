"""A whole simulated session: motion -> IMU synthesis -> firmware -> BLE, with ground truth.

``simulate`` builds everything a scenario asks for, deterministically per seed. The session
then offers what its consumers need: the notifications a host would receive (for the live
pipeline), the IMU samples on the host timeline (the anklet IMU CSV), and the ground truth.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from anklet.errors import ValidationError
from anklet.files import ImuTable
from anklet.sim._ble import Delivery, LinkParams, deliver
from anklet.sim._firmware import FirmwareOutput, FirmwareParams, SensorClock, emulate_firmware
from anklet.sim._imu import (
    ImuErrorModel,
    ImuSamples,
    Mounting,
    ideal_imu,
    random_mounting,
    shoe_side_mounting,
    synthesize_imu,
)
from anklet.sim._mobility import (
    KneeToWallParams,
    SplitSquatParams,
    TallKneelingParams,
    make_knee_to_wall,
    make_split_squat,
    make_tall_kneeling,
)
from anklet.sim._motion import Motion
from anklet.sim._running import RunningParams, make_running
from anklet.sim._scenario import Scenario, build_params
from anklet.sim._squat import SquatParams, make_squat
from anklet.sim._tap import tap_acceleration
from anklet.sim._walking import WalkingParams, make_walking
from anklet.timing import resample
from anklet.transport import Notification

MOTION_RATE_HZ = 1000.0
"""Rate of the motion grid the IMU signals are interpolated from, Hz."""

_MOTIONS: dict[str, tuple[type, Any]] = {
    "running": (RunningParams, make_running),
    "walking": (WalkingParams, make_walking),
    "squat": (SquatParams, make_squat),
    "knee_to_wall": (KneeToWallParams, make_knee_to_wall),
    "tall_kneeling": (TallKneelingParams, make_tall_kneeling),
    "split_squat": (SplitSquatParams, make_split_squat),
}
MOTION_KINDS = tuple(_MOTIONS)


@dataclass(frozen=True)
class SimulatedSensor:
    """One virtual sensor of a session: where it sits, its clock, what it measured and sent."""

    name: str
    mounting: Mounting
    clock: SensorClock
    samples: ImuSamples
    firmware: FirmwareOutput
    delivery: Delivery


@dataclass(frozen=True)
class SimulatedSession:
    """Everything one scenario produced for one seed."""

    scenario: Scenario
    seed: int
    motion: Motion
    sensors: dict[str, SimulatedSensor]

    @property
    def duration_s(self) -> float:
        return self.motion.duration_s

    @property
    def sample_rate_hz(self) -> float:
        return self.scenario.sample_rate_hz

    def notifications(self) -> list[Notification]:
        """All sensors' notifications in arrival order, as a host would receive them."""
        streams = [sensor.delivery.notifications for sensor in self.sensors.values()]
        return list(heapq.merge(*streams, key=lambda notification: notification.host_time_s))

    def host_grid(self) -> np.ndarray:
        """The common host timeline at the scenario's sample rate, s."""
        return np.arange(math.floor(self.duration_s * self.sample_rate_hz)) / self.sample_rate_hz

    def imu_table(self) -> ImuTable:
        """What a perfectly synchronised host holds: every sensor on the host grid, NaN where lost.

        The timing stage's own resampler puts the true sample times on the grid, so the CSV
        is what clock sync would give with no error.
        """
        grid = self.host_grid()
        acc, gyr = {}, {}
        for name, sensor in self.sensors.items():
            received = _received_samples(sensor)
            acc[name] = resample(sensor.samples.t[received], sensor.samples.acc[received], grid, max_gap_periods=1.5)
            gyr[name] = resample(sensor.samples.t[received], sensor.samples.gyr[received], grid, max_gap_periods=1.5)
        return ImuTable(grid, acc, gyr)

    def truth_angles_on_grid(self) -> dict[str, np.ndarray]:
        """Ground-truth ankle angles (rad) per side on the host grid."""
        grid, motion_t = self.host_grid(), self.motion.t
        return {
            side: np.column_stack([np.interp(grid, motion_t, column) for column in angles.T])
            for side, angles in self.motion.truth.angles_rad.items()
        }


def simulate(scenario: Scenario, *, seed: int = 0, duration_s: float | None = None) -> SimulatedSession:
    """Run ``scenario`` for ``duration_s`` (default: the scenario's own), deterministic per ``seed``."""
    duration_s = scenario.duration_s if duration_s is None else duration_s
    if not duration_s > 0:
        raise ValidationError(f"duration must be positive, not {duration_s} s")
    if scenario.kind not in _MOTIONS:
        raise ValidationError(
            f"scenario {scenario.name} has kind {scenario.kind!r}; known kinds: {', '.join(MOTION_KINDS)}"
        )
    motion_seed, *sensor_seeds = np.random.SeedSequence(seed).spawn(1 + len(scenario.sensors))
    params_cls, generate = _MOTIONS[scenario.kind]
    params = build_params(params_cls, scenario.motion, "[motion]")
    motion = generate(params, duration_s, MOTION_RATE_HZ, np.random.default_rng(motion_seed))
    errors = build_params(ImuErrorModel, scenario.imu, "[imu]")
    sensors = {
        name: _simulate_sensor(scenario, name, motion, errors, np.random.default_rng(sensor_seed))
        for name, sensor_seed in zip(scenario.sensors, sensor_seeds, strict=True)
    }
    return SimulatedSession(scenario, seed, motion, sensors)


def _simulate_sensor(
    scenario: Scenario, name: str, motion: Motion, errors: ImuErrorModel, rng: np.random.Generator
) -> SimulatedSensor:
    mounting = _mounting(scenario.mounting, name, rng)
    firmware_params = build_params(
        FirmwareParams,
        {"sample_rate_hz": int(scenario.sample_rate_hz), **scenario.firmware,
         **scenario.per_sensor_firmware.get(name, {})},
        f"[firmware.{name}]",
    )
    link = link_params(scenario, name)
    clock = SensorClock.random(rng, drift_ppm=firmware_params.clock_drift_ppm)
    trajectory = motion.segments[name]
    sample_times = clock.sample_times(motion.duration_s - 1.0 / MOTION_RATE_HZ, firmware_params.sample_rate_hz)
    acc, gyr = ideal_imu(trajectory, mounting)
    taps = [tap for tap in scenario.taps if tap.sensor == name]
    if taps:  # pushed into the limb: against the face's outward normal
        acc = acc - np.outer(tap_acceleration(taps, trajectory.t), mounting.face_normal_sensor())
    samples = synthesize_imu(trajectory, mounting, errors, sample_times, rng, ideal=(acc, gyr))
    firmware = emulate_firmware(samples, clock.tick_us(sample_times), firmware_params)
    return SimulatedSensor(name, mounting, clock, samples, firmware, deliver(firmware, link, name, rng))


def link_params(scenario: Scenario, name: str) -> LinkParams:
    """Sensor ``name``'s BLE link in ``scenario``: ``[link]`` with ``[link.<name>]`` over it."""
    return build_params(LinkParams, {**scenario.link, **scenario.per_sensor_link.get(name, {})}, f"[link.{name}]")


MOUNTINGS = ("random", "aligned", "shoe_side")
"""``[scenario] mounting``: sensors strapped on at random, aligned with their segments, or at
random with the foot sensors on the outer side of the shoe instead of the laces."""


def _mounting(kind: str, name: str, rng: np.random.Generator) -> Mounting:
    side, segment = name.split("_", 1)
    if kind == "shoe_side" and segment == "foot":
        return shoe_side_mounting(side, rng)
    if kind in ("random", "shoe_side"):
        return random_mounting(segment, rng)
    if kind == "aligned":
        if segment == "shank":  # on the shin's right side facing right; on the laces facing up
            return Mounting(np.eye(3), np.array([0.0, 0.15, 0.05]), np.array([0.0, 0.0, 1.0]))
        return Mounting(np.eye(3), np.array([0.06, 0.05, 0.0]), np.array([0.0, 1.0, 0.0]))
    raise ValidationError(f"[scenario] mounting must be one of {', '.join(MOUNTINGS)}, not {kind!r}")


def _received_samples(sensor: SimulatedSensor) -> np.ndarray:
    """Boolean (m,) mask of the samples whose packet reached the host."""
    data = sensor.firmware.data
    delivered = ~np.isnan(sensor.delivery.packet_host_time_s)
    received = np.zeros(len(sensor.samples.t), dtype=bool)
    starts, counts = data.first_sample[delivered], data.count[delivered]
    received[_ranges(starts, counts)] = True
    return received


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + count)`` for every pair, without a Python loop."""
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(counts.sum())
