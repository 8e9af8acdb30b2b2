"""A plain aiomqtt subscriber beside the code under test: what a broker delivered, by topic."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import aiomqtt

MESSAGE_TYPES = {"angles", "event", "stride", "rep", "flag", "assessment", "status"}  # DESIGN.md


async def subscribed(
    port: int, received: list[tuple[str, bytes]], ready: asyncio.Event, topic: str = "anklet/#", **login: Any
) -> None:
    """Collect every (topic, payload) on ``topic`` into ``received`` until cancelled; ``ready``
    is set once subscribed. ``login``: aiomqtt.Client's username, password, tls_context."""
    async with aiomqtt.Client("127.0.0.1", port, **login) as client:
        await client.subscribe(topic, qos=1)
        ready.set()
        async for message in client.messages:
            received.append((str(message.topic), bytes(message.payload)))


async def run_cli_while_subscribed(
    port: int,
    argv: Sequence[str],
    *,
    topic: str = "anklet/#",
    env: dict[str, str] | None = None,
    settle_s: float = 0.5,
    **login: Any,
):
    """Run ``python -m anklet argv`` with a subscriber on ``topic``; returns (the completed
    process's code, stdout, stderr) and what the subscriber received."""
    received: list[tuple[str, bytes]] = []
    ready = asyncio.Event()
    listener = asyncio.create_task(subscribed(port, received, ready, topic, **login))
    await asyncio.wait_for(ready.wait(), 10)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "anklet", *argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    await asyncio.sleep(settle_s)  # the last QoS 1 messages on their way to the subscriber
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)
    return (process.returncode, out.decode(), err.decode()), received


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def retained(port: int, topic: str = "anklet/#") -> list[tuple[str, bytes]]:
    """What a subscriber arriving now gets at once: the retained messages."""
    async def collect() -> list[tuple[str, bytes]]:
        received: list[tuple[str, bytes]] = []
        ready = asyncio.Event()
        listener = asyncio.create_task(subscribed(port, received, ready, topic))
        await asyncio.wait_for(ready.wait(), 10)
        await asyncio.sleep(0.3)
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        return received

    return asyncio.run(collect())
