"""Ground truth for the fusion tests, from the simulator, in the fusion stage's own frames.

The simulator's world frame has Y up (X forward, Z right); VQF's earth frame has Z up with an
arbitrary heading. ``EARTH_FROM_WORLD`` (+90 deg about X) takes world Y to earth Z, world X to
earth X and world Z to earth -Y.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from anklet.calibration import LegAlignment
from anklet.fusion import quaternion_to_matrix
from anklet.geometry import rotation_x

RATE_HZ = 200.0
EARTH_FROM_WORLD = rotation_x(np.pi / 2)[0]


def earth_from_sensor(session, name: str, n: int) -> np.ndarray:
    """True (n, 3, 3) earth<-sensor rotations of sensor ``name`` on the first n rows of the host
    grid: world<-segment (motion grid, 1 kHz, every 5th sample is a 200 Hz grid row) times
    segment<-sensor (the mounting), expressed in the Z-up earth frame."""
    step = round(session.motion.rate_hz / session.sample_rate_hz)
    world_segment = session.motion.segments[name].rotation[::step][:n]
    assert len(world_segment) == n
    return EARTH_FROM_WORLD @ world_segment @ session.sensors[name].mounting.rotation_segment_sensor


def quaternions(rotations: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotations -> (n, 4) [w, x, y, z], VQF's order."""
    return Rotation.from_matrix(rotations).as_quat(scalar_first=True)


def true_alignment(session, side: str) -> LegAlignment:
    """The leg's true sensor<-segment rotations, as a perfect calibration would find them."""
    shank = session.sensors[f"{side}_shank"].mounting.rotation_segment_sensor.T
    foot = session.sensors[f"{side}_foot"].mounting.rotation_segment_sensor.T
    return LegAlignment(shank, foot, hinge_rms_rads=0.0, axis_tilt_deg=0.0, foot_axis_from_motion=True)


def inclination_error_deg(quat: np.ndarray, true_earth_sensor: np.ndarray) -> np.ndarray:
    """Angle between the estimated and the true up direction, both seen in the sensor frame,
    deg, (n,); NaN where ``quat`` is NaN. Heading does not enter (6D orientation has none)."""
    up_estimated = quaternion_to_matrix(quat)[:, 2, :]  # earth Z in sensor coordinates
    up_true = true_earth_sensor[:, 2, :]
    cosine = np.clip(np.einsum("ij,ij->i", up_estimated, up_true), -1.0, 1.0)
    return np.degrees(np.arccos(cosine))


def knock_out(gyr: np.ndarray, acc: np.ndarray, gaps: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Copies of ``gyr``/``acc`` with rows [start, stop) of each gap missing (NaN)."""
    gyr, acc = gyr.copy(), acc.copy()
    for start, stop in gaps:
        gyr[start:stop] = np.nan
        acc[start:stop] = np.nan
    return gyr, acc
