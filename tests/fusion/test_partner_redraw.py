"""A clipped accelerometer is re-drawn from the other sensor of its leg (anklet.fusion._partner_redraw),
measured against the same session simulated with a 64 g full scale, where nothing clips."""

import dataclasses

import numpy as np
import pytest

from anklet.files import ImuTable
from anklet.fusion import TableDeclipper, at_full_scale, partner_redraws, saturated
from anklet.fusion._declip import ACC_FULL_SCALES_MPS2
from anklet.geometry import GRAVITY_MPS2
from anklet.pipeline import AngleEstimator
from anklet.sim import load_scenario, simulate

FULL_SCALE = 16 * GRAVITY_MPS2


@pytest.fixture(scope="module")
def fast_forefoot():
    """(table as the 16 g sensors report it, the same with a 64 g full scale, calibration)."""
    scenario = load_scenario("fast_forefoot")
    tables = [
        simulate(dataclasses.replace(scenario, imu={**scenario.imu, "acc_range_g": range_g}), seed=2, duration_s=40.0).imu_table()
        for range_g in (16, 64)
    ]
    estimator = AngleEstimator(scenario.sample_rate_hz)
    estimator.update(tables[0])
    assert estimator.calibration is not None
    return tables[0], tables[1], estimator.calibration


def _clipped_readings(acc: np.ndarray) -> np.ndarray:
    """Runs at 16 g (``saturated`` also takes two rows at 2, 4 or 8 g for a clipped run)."""
    return saturated(at_full_scale(acc, ACC_FULL_SCALES_MPS2)) & (np.abs(acc) > 0.99 * FULL_SCALE)


def _declipped(table: ImuTable, declipper: TableDeclipper) -> ImuTable:
    return ImuTable.concatenate([part for part in (declipper.update(table), declipper.finish()) if part is not None])


def test_the_clipped_impacts_are_redrawn_as_they_were(fast_forefoot):
    clipped, truth, calibration = fast_forefoot
    at_full_scale = _clipped_readings(clipped.acc["left_shank"])
    assert at_full_scale.any(axis=1).mean() > 0.03  # the shank clips in several % of its rows
    # the sessions differ only by the full scale (and the host grid's interpolation next to it)
    near_clipped = np.convolve(at_full_scale.any(axis=1), np.ones(3), "same") > 0
    np.testing.assert_array_equal(clipped.acc["left_shank"][~near_clipped], truth.acc["left_shank"][~near_clipped])
    lost = truth.acc["left_shank"][at_full_scale] - clipped.acc["left_shank"][at_full_scale]
    spline = _declipped(clipped, TableDeclipper()).acc["left_shank"][at_full_scale]
    partner = _declipped(clipped, TableDeclipper(partner_redraws(calibration))).acc["left_shank"][at_full_scale]
    truth_values = truth.acc["left_shank"][at_full_scale]
    spline_error, partner_error = spline - truth_values, partner - truth_values
    # what the inclination filter averages: the mean along the clipped axes
    assert np.nanmean(np.abs(lost)) > 30.0
    assert abs(np.nanmean(spline_error)) > 0.1 * np.nanmean(np.abs(lost)), np.nanmean(spline_error)
    assert abs(np.nanmean(partner_error)) < 0.05 * np.nanmean(np.abs(lost)), np.nanmean(partner_error)
    assert np.sqrt(np.nanmean(partner_error**2)) < 0.5 * np.sqrt(np.nanmean(spline_error**2))


def test_a_reading_is_never_redrawn_below_the_full_scale(fast_forefoot):
    clipped, _, calibration = fast_forefoot
    redrawn = _declipped(clipped, TableDeclipper(partner_redraws(calibration)))
    for name in clipped.sensors:
        at_16_g = _clipped_readings(clipped.acc[name])
        assert (np.abs(redrawn.acc[name][at_16_g]) >= FULL_SCALE * 0.999).all()
        at_any_full_scale = saturated(at_full_scale(clipped.acc[name], ACC_FULL_SCALES_MPS2))
        np.testing.assert_array_equal(redrawn.acc[name][~at_any_full_scale], clipped.acc[name][~at_any_full_scale])


@pytest.mark.parametrize("seed", range(3))
def test_streaming_gives_the_batch_result_however_the_stream_is_cut(fast_forefoot, seed):
    clipped, _, calibration = fast_forefoot
    table = clipped.rows(slice(20_000, 26_000))  # running: a few dozen clipped runs
    expected = _declipped(table, TableDeclipper(partner_redraws(calibration)))
    assert not np.allclose(np.nan_to_num(expected.acc["left_shank"]), np.nan_to_num(_declipped(table, TableDeclipper()).acc["left_shank"]))
    cuts = np.unique(np.random.default_rng(seed).integers(1, len(table.t), 300))
    declipper = TableDeclipper(partner_redraws(calibration))
    parts = [declipper.update(table.rows(slice(a, b))) for a, b in zip([0, *cuts], [*cuts, len(table.t)])]
    got = ImuTable.concatenate([part for part in (*parts, declipper.finish()) if part is not None])
    for name in table.sensors:
        np.testing.assert_array_equal(got.acc[name], expected.acc[name])
