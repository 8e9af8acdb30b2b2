"""A plain aiomqtt subscriber beside the code under test: what a broker delivered, by topic."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
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


class HeadlessWatch:
    """``anklet watch --headless`` in a subprocess: ``start()`` returns once it is subscribed
    (a probe it printed proves it), ``stop()`` interrupts it and gives what it printed."""

    def __init__(self, port: int, *args: str) -> None:
        self.port = port
        self.args = args
        self.lines: list[str] = []

    def start(self, timeout_s: float = 20.0) -> HeadlessWatch:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "anklet", "watch", "--mqtt", f"mqtt://127.0.0.1:{self.port}", "--headless", *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self._reader.start()
        asyncio.run(self._probe(timeout_s))
        return self

    async def _probe(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        async with aiomqtt.Client("127.0.0.1", self.port) as client:
            while not any('"probe"' in line for line in self.lines):
                assert time.monotonic() < deadline, "anklet watch printed no probe"
                assert self.process.poll() is None, self.process.stderr.read()
                await client.publish("anklet/bench_probe/probe/status", b'{"v":1,"type":"status","state":"offline"}', qos=1)
                await asyncio.sleep(0.2)

    def stop(self) -> tuple[list[dict[str, Any]], str]:
        """The messages it printed (but the probes) and its stderr."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(10)
        self._reader.join(5)
        messages = [json.loads(line) for line in self.lines]
        return [m for m in messages if m["athlete"] != "probe"], self.process.stderr.read()
