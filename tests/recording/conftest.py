"""A short simulated session, recorded, for the recording tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from anklet.sim import load_scenario, simulate

from .sessions import record, session_info


@pytest.fixture(scope="package")
def simulated():
    return simulate(load_scenario("easy_run"), seed=3, duration_s=12)


@pytest.fixture(scope="package")
def recorded(simulated, tmp_path_factory) -> Path:
    """easy_run for 12 s, recorded whole, with a mark."""
    path = tmp_path_factory.mktemp("recorded") / "easy_run.mcap"
    recorder = record(path, simulated.notifications(), session_info(simulated), finish=False)
    recorder.mark(4.5, "default")
    recorder.end()
    return path
