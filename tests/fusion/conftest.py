import functools

import pytest

from anklet.sim import load_scenario, simulate


@functools.cache
def _simulated(name: str, seed: int, duration_s: float):
    session = simulate(load_scenario(name), seed=seed, duration_s=duration_s)
    return session, session.imu_table()


@pytest.fixture(scope="session")
def simulated():
    """``simulated(name, seed, duration_s) -> (SimulatedSession, ImuTable)``, each built once
    for the whole fusion run (about 0.4 s per 60 s scenario)."""
    return _simulated
