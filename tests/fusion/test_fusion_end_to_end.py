"""Calibration + SensorOrientation + AnkleAngles on simulated sessions against the truth.

The product target: dorsiflexion within 2 deg RMS of the truth per side, with almost every row
answered. Sensors strapped on at random, default IMU errors, the scenarios' own BLE loss.
"""

import numpy as np
import pytest

from anklet.calibration import CalibrationParams, calibrate
from anklet.fusion import AnkleAngles, SensorOrientation
from anklet.geometry import SIDES

from .truth import RATE_HZ

SETTLED_S = 10.0  # past standing, calibration's movement and VQF's first convergence


@pytest.fixture(scope="module")
def fused(simulated):
    """``fused(scenario, seed)`` -> (session, table, calibration, {side: (n, 3) angles, rad})
    from one offline call per stage, 60 s."""
    cache = {}

    def run(scenario: str, seed: int):
        if (scenario, seed) not in cache:
            session, table = simulated(scenario, seed, 60.0)
            calibration = calibrate(table.acc, table.gyr, RATE_HZ, CalibrationParams())
            chunks = {
                name: SensorOrientation(RATE_HZ, calibration.gyr_bias_rads[name]).update(table.gyr[name], table.acc[name])
                for name in table.sensors
            }
            angles = AnkleAngles(calibration.legs, RATE_HZ).update(
                {side: chunks[f"{side}_shank"] for side in SIDES}, {side: chunks[f"{side}_foot"] for side in SIDES}
            )
            cache[scenario, seed] = session, table, calibration, angles
        return cache[scenario, seed]

    return run


def _dorsiflexion_error(fused, scenario, seed, side):
    session, table, _, angles = fused(scenario, seed)
    late = table.t > SETTLED_S
    error_deg = np.degrees(angles[side][late, 0] - session.truth_angles_on_grid()[side][late, 0])
    return float(np.sqrt(np.nanmean(error_deg**2))), float(np.isnan(error_deg).mean())


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("scenario", ["squats", "easy_run"])
def test_dorsiflexion_meets_the_product_target(fused, scenario, side):
    rmse_deg, missing = _dorsiflexion_error(fused, scenario, 0, side)
    # Measured (seed 0): squats 0.11 / 0.26 deg (left / right), easy run 0.83 / 1.09 deg; the
    # product target is 2 deg RMS.
    assert rmse_deg <= 2.0, rmse_deg
    # Rows are NaN only where a sample of either sensor was lost: 0.2 % / 0.15 % here.
    assert missing < 0.02, missing


def test_a_one_second_dropout_keeps_the_target(fused):
    """easy_run seed 1: the right leg's dorsiflexion RMSE is 9.5 deg after 10 s (left: 1.4 deg);
    with the bridge's end offsets faded over 20 ms instead, 1.5 deg. Only the RMSE is asserted:
    the 2.65 % NaN on that side are the lost samples themselves."""
    rmse_deg, _ = _dorsiflexion_error(fused, "easy_run", 1, "right")
    assert rmse_deg <= 2.0, rmse_deg


def test_live_chunks_give_the_offline_angles(fused):
    """The same calibration, then every sensor fed in the live pipeline's way: chunks of
    varying size, all four sensors cut at the same rows."""
    _, table, calibration, offline = fused("easy_run", 0)
    n = len(table.t)
    rng = np.random.default_rng(7)
    bounds = np.concatenate([[0], np.cumsum(rng.integers(1, 60, n))])
    bounds = np.append(bounds[bounds < n], n)
    orientation = {name: SensorOrientation(RATE_HZ, calibration.gyr_bias_rads[name]) for name in table.sensors}
    ankle = AnkleAngles(calibration.legs, RATE_HZ)
    live = {side: [] for side in SIDES}
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        chunks = {name: filt.update(table.gyr[name][start:stop], table.acc[name][start:stop])
                  for name, filt in orientation.items()}
        angles = ankle.update({side: chunks[f"{side}_shank"] for side in SIDES}, {side: chunks[f"{side}_foot"] for side in SIDES})
        for side in SIDES:
            live[side].append(angles[side])
    for side in SIDES:
        angles = np.vstack(live[side])
        np.testing.assert_array_equal(np.isnan(angles), np.isnan(offline[side]))
        np.testing.assert_allclose(angles, offline[side], rtol=0, atol=1e-12)
