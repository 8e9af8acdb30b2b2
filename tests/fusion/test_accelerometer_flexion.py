"""Both accelerometers, moved to the ankle's centre, steer the integrated dorsiflexion
(AccelerometerFlexion): what a burst of lost samples leaves in one sensor's orientation is
taken out within about half a second instead of fading over VQF's 1.5 s.

Sessions under the bench conditions (random mounting, IMU errors, 5 % loss half in bursts,
50 ppm clocks), through the offline pipeline with and without the steering.
"""

import functools

import numpy as np

from anklet.bench import BenchConditions
from anklet.pipeline import AngleEstimator, AngleParams, angles_from_table, table_from_notifications
from anklet.sim import load_scenario, simulate

SCORED_FROM_S = 5.0


@functools.cache
def _session(scenario: str, seed: int, duration_s: float):
    session = simulate(BenchConditions().apply(load_scenario(scenario)), seed=seed, duration_s=duration_s)
    return session, table_from_notifications(session.notifications())


@functools.cache
def _errors_deg(scenario: str, seed: int, duration_s: float, steered: bool) -> dict[str, np.ndarray]:
    """Dorsiflexion estimate - truth per side, deg, on the rows with an estimate."""
    session, table = _session(scenario, seed, duration_s)
    params = AngleParams(accelerometer_tau_s=0.5 if steered else None)
    chunk, _ = angles_from_table(table, session.sample_rate_hz, params)
    scored = chunk.t >= SCORED_FROM_S
    errors = {}
    for side, angles in chunk.angles.items():
        truth = np.interp(chunk.t[scored], session.motion.t, session.motion.truth.angles_rad[side][:, 0])
        error = np.degrees(angles[scored, 0] - truth)
        errors[side] = error[~np.isnan(error)]
    return errors


def _rms(errors: np.ndarray) -> float:
    return float(np.sqrt(np.mean(errors**2)))


def test_steering_shrinks_the_running_error_under_bursty_loss():
    """Pooled over three seeds and both sides, and never much worse on any one of them.
    Measured (easy_run, 120 s), per side: 1.26-2.28 -> 0.83-1.32 deg; pooled 1.81 -> 1.12.
    (Over the first minute the gain is smaller, 1.63 -> 1.37: the constant offset is still
    being learnt.)"""
    pooled = {False: [], True: []}
    for seed in (0, 1, 2):
        plain, steered = _errors_deg("easy_run", seed, 120.0, False), _errors_deg("easy_run", seed, 120.0, True)
        for side in plain:
            assert len(steered[side]) == len(plain[side])  # steering never withholds a row
            assert _rms(steered[side]) < 1.1 * _rms(plain[side]), (seed, side, _rms(steered[side]), _rms(plain[side]))
            pooled[False].append(plain[side])
            pooled[True].append(steered[side])
    plain_rms, steered_rms = _rms(np.concatenate(pooled[False])), _rms(np.concatenate(pooled[True]))
    assert steered_rms < 0.75 * plain_rms, (steered_rms, plain_rms)


def test_slow_movement_is_left_to_the_integrated_angle():
    """Squats turn at 1-2 rad/s, where the levers are too poorly known for the accelerometers to
    beat the integrated angle (0.1-0.4 deg): not one row is steered."""
    plain, steered = _errors_deg("squats", 0, 40.0, False), _errors_deg("squats", 0, 40.0, True)
    for side in plain:
        assert np.array_equal(plain[side], steered[side])


def test_a_walk_is_steered_little_and_never_for_the_worse():
    """A walk's swing turns fast but with about 1 g of force: too little evidence to overrule the
    integrated angle, which is good to a degree there. Measured (walking, 60 s, seeds 0-1), per
    side: the steering moves the angle by 0.26-0.39 deg on average and the RMSE goes
    0.63-1.37 -> 0.57-1.17 deg; steered without the prior it moved 0.68-1.03 deg and made
    one side worse (0.63 -> 0.99)."""
    moved_deg = {}
    for seed in (0, 1):
        plain, steered = _errors_deg("walking", seed, 60.0, False), _errors_deg("walking", seed, 60.0, True)
        for side in plain:
            assert _rms(steered[side]) <= _rms(plain[side]), (seed, side, _rms(steered[side]), _rms(plain[side]))
            moved_deg[seed, side] = np.mean(np.abs(steered[side] - plain[side]))
    assert max(moved_deg.values()) < 0.5, moved_deg


def test_a_stream_cut_anywhere_is_steered_as_one_call():
    """The correction of a row uses only the rows before it (the angular acceleration's central
    difference needs the next one), so live chunks and a whole file agree exactly."""
    _, table = _session("easy_run", 2, 40.0)
    whole, _ = angles_from_table(table, 200.0)
    estimator = AngleEstimator(200.0)
    rng = np.random.default_rng(7)
    pieces, start = [], 0
    while start < len(table.t):
        stop = start + int(rng.integers(1, 40))
        pieces.append(estimator.update(table.rows(slice(start, stop))))
        start = stop
    pieces.append(estimator.finish())
    for side, angles in whole.angles.items():
        streamed = np.vstack([piece.angles[side] for piece in pieces if len(piece)])
        np.testing.assert_allclose(streamed, angles, atol=1e-9, equal_nan=True)
