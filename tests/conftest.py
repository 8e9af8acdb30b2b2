"""Short simulated sessions as anklet IMU CSVs, shared by the tests of the commands that read
one (export, report): simulating and analysing is the slow part, so each is made once."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from anklet.files import write_imu_csv
from anklet.sim import load_scenario, simulate

# the library runs here as every anklet command runs it (anklet.cli.main): OpenBLAS on one thread
threadpool_limits(limits=1, user_api="blas")


def _session_csv(tmp_path_factory, scenario: str, duration_s: float, seed: int = 1):
    path = tmp_path_factory.mktemp(scenario) / "imu.csv"
    write_imu_csv(path, simulate(load_scenario(scenario), seed=seed, duration_s=duration_s).imu_table())
    return path


@pytest.fixture(scope="session")
def run_csv(tmp_path_factory):
    """30 s of simulator/restricted_pf_right.toml: standing, then running with a stiff right ankle."""
    return _session_csv(tmp_path_factory, "restricted_pf_right", 30)


@pytest.fixture(scope="session")
def squats_csv(tmp_path_factory):
    """30 s of simulator/squats_restricted.toml: standing, then squats that do not bend the ankles enough."""
    return _session_csv(tmp_path_factory, "squats_restricted", 30)


@pytest.fixture
def one_sentence(capsys):
    """A function returning the error the command printed, checked to be one ``anklet:`` sentence."""

    def error() -> str:
        text = capsys.readouterr().err.strip()
        assert text.startswith("anklet: ") and "\n" not in text and "Traceback" not in text
        return text

    return error


@pytest.fixture(scope="session")
def run_recording(tmp_path_factory):
    """20 s of simulator/restricted_pf_right.toml recorded as the live pipeline records it
    (its notifications, as they arrived, lost packets and all)."""
    from anklet.gait import load_athlete
    from anklet.recording import Recorder, SessionInfo

    session = simulate(load_scenario("restricted_pf_right"), seed=2, duration_s=20)
    path = tmp_path_factory.mktemp("recording") / "run.mcap"
    recorder = Recorder(path)
    recorder.begin(SessionInfo(tuple(session.sensors), session.scenario.kind, load_athlete(), session.sample_rate_hz,
                               title="restricted_pf_right", source="tests"))
    for notification in session.notifications():
        recorder.take(notification)
    recorder.end()
    return path
