"""Simulated sessions shared by the pipeline tests (simulating is the slow part)."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest

from anklet.pipeline import AngleChunk, LivePipeline
from anklet.sim import load_scenario, simulate
from anklet.sim._virtual import VirtualSensorTransport


@pytest.fixture(scope="package")
def chaos_session():
    """Lossy bursts, duplicates, reordering, stalls and a 4 s disconnect (simulator/chaos.toml)."""
    return simulate(load_scenario("chaos"), seed=0, duration_s=60)


@pytest.fixture(scope="package")
def run_session():
    return simulate(load_scenario("easy_run"), seed=1, duration_s=45)


class AngleCollector:
    """A live stage that keeps the angle chunks and says nothing."""

    def __init__(self) -> None:
        self.chunks: list[AngleChunk] = []

    def on_rows(self, rows) -> list[dict]:
        return []

    def on_angles(self, chunk: AngleChunk) -> list[dict]:
        self.chunks.append(chunk)
        return []

    def finish(self) -> list[dict]:
        return []


def run_live(session, stages=(), **pipeline_kwargs) -> tuple[LivePipeline, AngleChunk, list[dict]]:
    """The session's notifications through the live pipeline (with ``stages`` after the
    angles), as fast as possible: the pipeline, every angle it computed and its messages."""
    collector = AngleCollector()
    pipeline = LivePipeline(list(session.sensors), stages=[collector, *stages], **pipeline_kwargs)
    chunks = collector.chunks
    subscription = pipeline.subscribe(maxsize=100_000)

    async def main() -> list[dict]:
        await pipeline.run(VirtualSensorTransport(session.notifications(), speed=math.inf))
        return [message async for message in subscription]

    messages = asyncio.run(main())
    t = np.concatenate([chunk.t for chunk in chunks])
    angles = {side: np.vstack([chunk.angles[side] for chunk in chunks]) for side in chunks[0].angles}
    return pipeline, AngleChunk(t, angles), messages
