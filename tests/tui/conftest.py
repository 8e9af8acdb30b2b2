"""The frozen feeds, simulated once per test session (simulating is the slow part)."""

from __future__ import annotations

from typing import Any

import pytest

from .feeds import FEEDS, demo_messages


@pytest.fixture(scope="session")
def feeds() -> dict[str, list[dict[str, Any]]]:
    return {scenario: demo_messages(scenario, duration_s) for scenario, duration_s in FEEDS.items()}
