"""Analysed sessions for the report's parts (the simulated CSVs come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from anklet.files import read_imu_csv
from anklet.gait import analyze_table, load_athlete


@pytest.fixture(scope="package")
def run_analysis(run_csv):
    return analyze_table(read_imu_csv(run_csv), load_athlete())


@pytest.fixture(scope="package")
def squats_analysis(squats_csv):
    return analyze_table(read_imu_csv(squats_csv), load_athlete())
