"""IMU synthesis: what a strapped-on accelerometer and gyroscope read on a moving segment.

Frames: world X forward, Y up, Z right (gravity along -Y); segment frames per ISB (X anterior,
Y superior, Z right, identity in quiet standing, origin at the ankle joint centre for both the
shank and the foot); the sensor frame is the IMU chip's own axes, related to the segment by a
:class:`Mounting` that downstream calibration must find from the data.

Two steps: :func:`ideal_imu` gives the error-free signals on the motion grid, and
:func:`synthesize_imu` samples them at the sensor's (drifting, jittered) sampling instants and
adds the errors of an :class:`ImuErrorModel`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from anklet.errors import ValidationError
from anklet.geometry import (
    GRAVITY_MPS2,
    GRAVITY_WORLD,
    body_angular_velocity,
    rotation_x,
    rotation_y,
    rotation_z,
)
from anklet.sim._motion import SegmentTrajectory

Segment = Literal["shank", "foot"]


def _axis_assignments() -> np.ndarray:
    """The 24 proper rotations that map axes onto signed axes, (24, 3, 3)."""
    mats = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            m = np.zeros((3, 3))
            m[range(3), perm] = signs
            if np.linalg.det(m) > 0:
                mats.append(m)
    return np.array(mats)


AXIS_ASSIGNMENTS = _axis_assignments()
"""Every way a chip's axes can sit in a box-shaped case: signed permutations with det +1."""


@dataclass(frozen=True, slots=True)
class Mounting:
    """Where and how a sensor sits on its segment; constant for a session.

    Attributes:
        rotation_segment_sensor: (3, 3) rotation taking sensor-frame vectors to the segment frame.
        offset_m: (3,) position of the sensor in the segment frame, m, from the segment origin
            (the ankle joint centre).
        face_normal: (3,) unit normal of the case's face, pointing away from the limb, segment
            frame; None: the chip's own Z axis (a chip lying flat in its case).
    """

    rotation_segment_sensor: np.ndarray
    offset_m: np.ndarray
    face_normal: np.ndarray | None = None

    def face_normal_sensor(self) -> np.ndarray:
        """(3,) unit normal of the case's face, away from the limb, in the sensor frame."""
        if self.face_normal is None:
            return np.array([0.0, 0.0, 1.0])
        return self.rotation_segment_sensor.T @ self.face_normal


def random_mounting(segment: Segment, rng: np.random.Generator) -> Mounting:
    """A plausible, unknown-to-downstream placement of a sensor on ``segment``.

    Shank: on the skin 4-5 cm from the long axis, anywhere around it, 10-25 cm above the ankle,
    case face outward with ±5° of tilt where the calf tapers. Foot: on the laces/instep 5-8 cm
    forward of and 4-6 cm above the ankle centre (±1 cm sideways), yaw ±30°, pitch and roll
    ±20°. Either way the chip's axes take any of the 24 axis assignments within the case
    (strapped upside down, sideways, ...).
    """
    assignment = AXIS_ASSIGNMENTS[rng.integers(len(AXIS_ASSIGNMENTS))]
    if segment == "shank":
        azimuth = rng.uniform(0.0, 2.0 * math.pi)
        radius, height = rng.uniform(0.04, 0.05), rng.uniform(0.10, 0.25)
        offset = np.array([radius * math.cos(azimuth), height, radius * math.sin(azimuth)])
        # Yaw -azimuth turns the case's X (its face normal) onto the outward radial direction.
        case = _case_rotation(-azimuth, tilt_rad=math.radians(5.0), rng=rng)
    elif segment == "foot":
        offset = np.array(
            [rng.uniform(0.05, 0.08), rng.uniform(0.04, 0.06), rng.uniform(-0.01, 0.01)]
        )
        yaw = rng.uniform(-math.radians(30.0), math.radians(30.0))
        case = _case_rotation(yaw, tilt_rad=math.radians(20.0), rng=rng)
        # on the laces the case's face looks up: its Y
        return Mounting(case @ assignment, offset, case[:, 1])
    else:
        raise ValueError(f"segment must be 'shank' or 'foot', not {segment!r}")
    return Mounting(case @ assignment, offset, case[:, 0])


def shoe_side_mounting(side: str, rng: np.random.Generator) -> Mounting:
    """A foot sensor clipped to the outer side of the shoe instead of the laces: on the upper
    or heel counter 5-7 cm out from the ankle centre, 2-5 cm below it and anywhere from 5 cm
    behind to 3 cm ahead of it, the case face pointing outward (yaw ±15°, pitch and roll
    ±10°); the chip's axes take any of the 24 axis assignments within the case."""
    outward = 1.0 if side == "right" else -1.0  # the foot frame's Z points right on both feet
    offset = np.array(
        [rng.uniform(-0.05, 0.03), rng.uniform(-0.05, -0.02), outward * rng.uniform(0.05, 0.07)]
    )
    # Yaw -90 deg turns the case's X (its face normal) onto +Z, +90 deg onto -Z.
    yaw = -outward * math.pi / 2 + rng.uniform(-math.radians(15.0), math.radians(15.0))
    case = _case_rotation(yaw, tilt_rad=math.radians(10.0), rng=rng)
    return Mounting(case @ AXIS_ASSIGNMENTS[rng.integers(len(AXIS_ASSIGNMENTS))], offset, case[:, 0])


def _case_rotation(yaw_rad: float, tilt_rad: float, rng: np.random.Generator) -> np.ndarray:
    """Segment<-case rotation (3, 3): ``yaw_rad`` about Y, then pitch (Z) and roll (X) uniform
    within ±``tilt_rad``."""
    pitch, roll = rng.uniform(-tilt_rad, tilt_rad, 2)
    return (rotation_y(yaw_rad) @ rotation_z(pitch) @ rotation_x(roll))[0]


def ideal_imu(trajectory: SegmentTrajectory, mounting: Mounting) -> tuple[np.ndarray, np.ndarray]:
    """Error-free accelerometer and gyroscope on the motion grid, sensor frame.

    The accelerometer reads specific force, R_ws^T (a_site - g_world), where a_site is the
    second time derivative of the sensor site p + R r (so it includes the tangential and
    centripetal terms of the lever arm r), by fourth-order finite differences on the grid. The gyroscope reads the segment's body angular velocity rotated into the sensor
    frame.

    Returns ``(acc, gyr)``: (n, 3) m/s² and (n, 3) rad/s, at ``trajectory.t``.
    """
    rot = trajectory.rotation
    site_m = trajectory.position_m + rot @ mounting.offset_m
    site_acc = _second_derivative(site_m, trajectory.rate_hz)
    specific_force_segment = np.einsum("nji,nj->ni", rot, site_acc - GRAVITY_WORLD)
    acc = specific_force_segment @ mounting.rotation_segment_sensor
    gyr = body_angular_velocity(rot, trajectory.rate_hz) @ mounting.rotation_segment_sensor
    return acc, gyr


_D2_INTERIOR = np.array([-1.0, 16.0, -30.0, 16.0, -1.0]) / 12.0
_D2_EDGE = np.array(
    [[45.0, -154.0, 214.0, -156.0, 61.0, -10.0], [10.0, -15.0, -4.0, 14.0, -6.0, 1.0]]
) / 12.0
"""Fourth-order second-derivative stencils: central, and for the first two grid points."""


def _second_derivative(x: np.ndarray, rate_hz: float) -> np.ndarray:
    """d²x/dt² of ``x`` (n, k), sampled at ``rate_hz``, n >= 6; fourth-order accurate."""
    d2 = np.empty_like(x)
    d2[2:-2] = sum(w * x[i : len(x) - 4 + i] for i, w in enumerate(_D2_INTERIOR))
    d2[:2] = _D2_EDGE @ x[:6]
    d2[-2:] = (_D2_EDGE @ x[::-1][:6])[::-1]
    return d2 * rate_hz**2


def _cubic_on_grid(y: np.ndarray, rate_hz: float, t: np.ndarray) -> np.ndarray:
    """``y`` (n, k), sampled at i / rate_hz, interpolated at ``t`` (m,) s by 4-point Lagrange cubic.

    Times outside the grid are clamped to its ends; n >= 4.
    """
    u = np.clip(t * rate_hz, 0.0, len(y) - 1.0)
    i = np.clip(np.floor(u).astype(np.int64), 1, len(y) - 3)
    s = (u - i)[:, None]
    return (
        -s * (s - 1.0) * (s - 2.0) / 6.0 * y[i - 1]
        + (s + 1.0) * (s - 1.0) * (s - 2.0) / 2.0 * y[i]
        - (s + 1.0) * s * (s - 2.0) / 2.0 * y[i + 1]
        + (s + 1.0) * s * (s - 1.0) / 6.0 * y[i + 2]
    )


@dataclass(frozen=True, slots=True)
class TriadErrors:
    """The errors of one three-axis sensor (accelerometer or gyroscope), in its unit u (m/s² or rad/s)."""

    noise_density: float  # u/√Hz
    bias_sd: float  # u
    bias_walk: float  # u/√s
    scale_sd: float  # fraction
    misalignment_sd: float  # rad
    full_scale: float  # u


@dataclass(frozen=True, slots=True)
class ImuErrorModel:
    """Errors of one consumer MEMS IMU (BMI270 / ICM-42688-P class); SI units throughout.

    Per-sensor constants (bias, scale, misalignment) are drawn once per synthesis; noise and
    bias walk are drawn per sample. Defaults are datasheet-typical values, see
    ``docs/simulator-sensors.md``.

    Attributes:
        acc_noise_density: accelerometer white noise, m/s²/√Hz (150 µg/√Hz).
        gyr_noise_density: gyroscope white noise, rad/s/√Hz (0.007 °/s/√Hz).
        acc_bias_sd: accelerometer constant bias, SD per axis, m/s² (~10 mg).
        gyr_bias_sd: gyroscope constant bias, SD per axis, rad/s (0.5 °/s).
        acc_bias_walk: accelerometer bias random walk, m/s²/√s.
        gyr_bias_walk: gyroscope bias random walk, rad/s/√s (≈0.1 °/s after 10 min).
        acc_scale_sd, gyr_scale_sd: scale factor error, SD per axis, fraction (0.5 %).
        misalignment_sd: cross-axis coupling, SD of each off-diagonal term, rad (≈1 %).
        acc_range_g: accelerometer full scale, g; readings saturate there.
        gyr_range_dps: gyroscope full scale, deg/s; readings saturate there.
        sample_jitter_s: SD of the sampling instant about its nominal time, s.
    """

    acc_noise_density: float = 150e-6 * GRAVITY_MPS2
    gyr_noise_density: float = math.radians(0.007)
    acc_bias_sd: float = 0.1
    gyr_bias_sd: float = math.radians(0.5)
    acc_bias_walk: float = 1e-4
    gyr_bias_walk: float = math.radians(0.004)
    acc_scale_sd: float = 0.005
    gyr_scale_sd: float = 0.005
    misalignment_sd: float = 0.01
    acc_range_g: int = 16
    gyr_range_dps: int = 2000
    sample_jitter_s: float = 3e-6

    def __post_init__(self) -> None:
        negative = [f.name for f in fields(self) if getattr(self, f.name) < 0]
        if negative:
            raise ValidationError(f"IMU error parameters must not be negative: {', '.join(negative)}")

    @classmethod
    def ideal(cls) -> ImuErrorModel:
        """No errors at all (the ranges stay, so saturation still applies)."""
        return cls(
            acc_noise_density=0.0,
            gyr_noise_density=0.0,
            acc_bias_sd=0.0,
            gyr_bias_sd=0.0,
            acc_bias_walk=0.0,
            gyr_bias_walk=0.0,
            acc_scale_sd=0.0,
            gyr_scale_sd=0.0,
            misalignment_sd=0.0,
            sample_jitter_s=0.0,
        )

    def accelerometer(self) -> TriadErrors:
        """The accelerometer's share of the model, m/s² based."""
        return TriadErrors(
            self.acc_noise_density,
            self.acc_bias_sd,
            self.acc_bias_walk,
            self.acc_scale_sd,
            self.misalignment_sd,
            self.acc_range_g * GRAVITY_MPS2,
        )

    def gyroscope(self) -> TriadErrors:
        """The gyroscope's share of the model, rad/s based."""
        return TriadErrors(
            self.gyr_noise_density,
            self.gyr_bias_sd,
            self.gyr_bias_walk,
            self.gyr_scale_sd,
            self.misalignment_sd,
            math.radians(self.gyr_range_dps),
        )


@dataclass(frozen=True, slots=True)
class ImuSamples:
    """What one IMU measured.

    Attributes:
        t: (m,) true time of each sample, s (session time axis, jitter included).
        acc: (m, 3) accelerometer, m/s², sensor frame.
        gyr: (m, 3) gyroscope, rad/s, sensor frame.
    """

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray


def synthesize_imu(
    trajectory: SegmentTrajectory,
    mounting: Mounting,
    errors: ImuErrorModel,
    sample_times_s: np.ndarray,
    rng: np.random.Generator,
    *,
    ideal: tuple[np.ndarray, np.ndarray] | None = None,
) -> ImuSamples:
    """Sample the sensor at ``sample_times_s`` (m,), true s, and apply ``errors``.

    The ideal signals (``ideal``, as returned by :func:`ideal_imu`, or computed here) are
    interpolated (4-point cubic) at the jittered instants, clamped to the trajectory's span.
    Each triad then gets reading = clip(M x + b + walk(t) + noise, ±range), with M = I + scale
    errors on the diagonal + misalignment off it, b a constant bias, walk the cumulative sum of
    white increments scaled by √dt, and noise white at density·√(rate/2).
    """
    acc_ideal, gyr_ideal = ideal_imu(trajectory, mounting) if ideal is None else ideal
    t = sample_times_s + errors.sample_jitter_s * rng.standard_normal(len(sample_times_s))
    both = _cubic_on_grid(np.hstack([acc_ideal, gyr_ideal]), trajectory.rate_hz, t)
    rate_hz = (len(t) - 1) / (t[-1] - t[0])
    sqrt_dt = np.sqrt(np.diff(t, prepend=t[0]))
    acc = _corrupt(both[:, :3], sqrt_dt, rate_hz, errors.accelerometer(), rng)
    gyr = _corrupt(both[:, 3:], sqrt_dt, rate_hz, errors.gyroscope(), rng)
    return ImuSamples(t, acc, gyr)


def _corrupt(
    x: np.ndarray, sqrt_dt: np.ndarray, rate_hz: float, e: TriadErrors, rng: np.random.Generator
) -> np.ndarray:
    """Apply one triad's errors to its ideal readings ``x`` (m, 3); ``sqrt_dt`` (m,) is the
    square root of the time since the previous sample, √s (0 for the first)."""
    m = len(x)
    gain = np.eye(3) + np.diag(e.scale_sd * rng.standard_normal(3))
    gain += (1.0 - np.eye(3)) * (e.misalignment_sd * rng.standard_normal((3, 3)))
    out = x @ gain.T
    out += e.bias_sd * rng.standard_normal(3)
    steps = rng.standard_normal((m, 3))
    steps *= (e.bias_walk * sqrt_dt)[:, None]
    out += np.cumsum(steps, axis=0)
    out += (e.noise_density * math.sqrt(rate_hz / 2.0)) * rng.standard_normal((m, 3))
    return np.clip(out, -e.full_scale, e.full_scale, out=out)
