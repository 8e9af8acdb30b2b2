"""Rotation and ankle-angle math (anklet.geometry)."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from anklet.geometry import (
    GRAVITY_WORLD,
    ankle_angles,
    ankle_relative_rotation,
    body_angular_velocity,
    force_at_point,
    lever_matrices,
    rotation_x,
    rotation_y,
    rotation_z,
)


def test_axis_rotations_are_right_handed():
    q = np.pi / 2
    np.testing.assert_allclose(rotation_z(q)[0] @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(rotation_x(q)[0] @ [0, 1, 0], [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(rotation_y(q)[0] @ [0, 0, 1], [1, 0, 0], atol=1e-12)
    assert rotation_z(np.zeros(5)).shape == (5, 3, 3)
    assert GRAVITY_WORLD[1] < 0


@pytest.mark.parametrize("side", ["left", "right"])
def test_known_rotations_round_trip_through_ankle_angles(side):
    rng = np.random.default_rng(1)
    n = 200
    angles = np.column_stack(
        [rng.uniform(-1.2, 1.2, n), rng.uniform(-0.5, 0.5, n), rng.uniform(-0.6, 0.6, n)]
    )
    shank = Rotation.random(n, random_state=2).as_matrix()
    foot = shank @ ankle_relative_rotation(*angles.T, side)
    np.testing.assert_allclose(ankle_angles(shank, foot, side), angles, atol=1e-10)


def test_sign_conventions():
    ident = np.eye(3)[None]
    # toes up relative to the shank = dorsiflexion
    assert ankle_angles(ident, rotation_z(0.3), "right")[0, 0] == pytest.approx(0.3)
    # shank tilted forward (knee ahead of the ankle) with the foot flat = dorsiflexion
    assert ankle_angles(rotation_z(-0.3), ident, "left")[0, 0] == pytest.approx(0.3)
    # the sole turned medially (towards -Z on the right, +Z on the left) = inversion
    right = ankle_angles(ident, rotation_x(0.1), "right")[0]
    left = ankle_angles(ident, rotation_x(-0.1), "left")[0]
    assert right[1] == pytest.approx(0.1) and left[1] == pytest.approx(0.1)
    # toes turned medially = internal rotation
    assert ankle_angles(ident, rotation_y(0.2), "right")[0, 2] == pytest.approx(0.2)
    assert ankle_angles(ident, rotation_y(-0.2), "left")[0, 2] == pytest.approx(0.2)
    np.testing.assert_allclose(ankle_angles(ident, ident, "left"), 0.0)


def test_angular_velocity_of_constant_rate_rotation():
    rate = 200.0
    t = np.arange(400) / rate
    omega_body = np.array([1.5, -4.0, 7.0])  # rad/s, constant in the body frame
    start = Rotation.from_euler("xyz", [0.3, -0.7, 1.1])
    rot = (start * Rotation.from_rotvec(t[:, None] * omega_body)).as_matrix()
    np.testing.assert_allclose(body_angular_velocity(rot, rate), np.tile(omega_body, (400, 1)), atol=1e-9)


def test_angular_velocity_is_in_the_body_frame():
    rate = 1000.0
    t = np.arange(1000) / rate
    # world-frame spin about world Y of a body that is tilted 90 deg about X
    rot = rotation_y(2.0 * t) @ rotation_x(np.pi / 2)
    w = body_angular_velocity(rot, rate)
    # world Y is body -Z for this body
    np.testing.assert_allclose(w, np.tile([0.0, 0.0, -2.0], (1000, 1)), atol=1e-9)


def test_force_at_a_point_of_a_spinning_body_is_the_centripetal_and_tangential_sum():
    """A body spinning at 10 rad/s about Z, speeding up at 100 rad/s²: a point 0.1 m out along X
    feels 10 m/s² towards the axis less (the centripetal pull) and 10 m/s² along Y (the
    tangential one) more than the sensor; the per-row matrices give the same."""
    gyr = np.array([[0.0, 0.0, 10.0]])
    alpha = np.array([[0.0, 0.0, 100.0]])
    acc = np.array([[0.0, 9.81, 0.0]])
    lever = np.array([0.1, 0.0, 0.0])
    np.testing.assert_allclose(force_at_point(acc, gyr, alpha, lever), [[-10.0, 9.81 + 10.0, 0.0]], atol=1e-12)
    rng = np.random.default_rng(0)
    gyr, alpha, acc = rng.normal(size=(3, 50, 3))
    np.testing.assert_allclose(force_at_point(acc, gyr, alpha, lever), acc + lever_matrices(gyr, alpha) @ lever, atol=1e-12)
