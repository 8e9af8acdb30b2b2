"""The frozen feeds, simulated once per test session (simulating is the slow part), and a
private tmux server for the real-terminal tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .feeds import FEEDS, demo_messages


@pytest.fixture(scope="session")
def feeds() -> dict[str, list[dict[str, Any]]]:
    return {scenario: demo_messages(scenario, duration_s) for scenario, duration_s in FEEDS.items()}


ANKLET = Path(sys.executable).parent / "anklet"
"""The console script of the environment running the tests."""


@pytest.fixture
def tmux():
    """``tmux(*args)`` on a tmux server of the test's own, killed afterwards; returns stdout."""
    socket = f"anklet-test-{os.getpid()}"

    def run(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=True).stdout

    yield run
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
