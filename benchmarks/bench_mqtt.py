"""Many stations publishing to one mosquitto, one ``anklet watch`` reading them all.

Usage: .venv/bin/python benchmarks/bench_mqtt.py [--stations 20] [--duration 60] [--workers 4]

Running 20 full live pipelines (20 athletes x 4 sensors x 200 Hz) does not fit this 2-core
machine, so each station replays a pre-computed message stream instead: what ``anklet demo
--headless`` gives for ``easy_run`` (angles 10/s, status 1/s, gait events, strides, flags, and
the burst of strides when calibration completes at ~25 s), put into a real
``anklet.mqtt.MqttPublisher`` at the pace of its session times, each station with its own
connection (stations start up to 1 s apart). The stations run as asyncio tasks in
``--workers`` processes. One mosquitto (``anklet.mqtt._mosquitto.LocalBroker``) and one
``anklet watch --headless`` subprocess, whose lines the bench stamps on arrival:

- end-to-end latency: arrival at the watcher - ``wall_s`` (when the publisher was handed the
  message), p50 / p99 / max, all messages and per class (angles; what happened);
- CPU, % of one core over the run (/proc utime + stime): the publishers (all workers together,
  and per station), mosquitto, the watcher;
- messages: published, received, dropped (the publishers' counters).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from anklet.cli import main as anklet_main
from anklet.mqtt import MqttPublisher, parse_broker_url
from anklet.mqtt._mosquitto import LocalBroker

KEPT = {"event", "stride", "rep", "flag", "assessment"}


def _message_stream(duration_s: float) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert anklet_main(["demo", "--headless", "--speed", "max", "--scenario", "easy_run", "--duration", str(duration_s)]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def _station(url: str, name: str, messages: list[dict], start_delay_s: float) -> dict:
    await asyncio.sleep(start_delay_s)
    async with MqttPublisher(parse_broker_url(url), name, "athlete") as publisher:
        started = time.monotonic()
        for message in messages:  # in the order the pipeline published them, at their session time
            delay = started + message["t"] - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            publisher.put(message)
    return publisher.counters()


async def _worker(url: str, names: list[str], messages: list[dict]) -> list[dict]:
    return await asyncio.gather(*(_station(url, name, messages, random.uniform(0, 1)) for name in names))


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ms = np.asarray(values) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms, max {ms.max():.1f} ms (n={len(ms)})"


def run(stations: int, duration_s: float, workers: int) -> None:
    messages = _message_stream(duration_s)
    print(f"stream: {len(messages)} messages per station over {duration_s:.0f} s of easy_run "
          f"({sum(m['type'] == 'angles' for m in messages)} angles before the publisher's 5 Hz decimation)")
    with tempfile.TemporaryDirectory() as tmp, LocalBroker(Path(tmp) / "mosquitto") as broker:
        stream_file = Path(tmp) / "stream.json"
        stream_file.write_text(json.dumps(messages))
        watcher = subprocess.Popen(
            [sys.executable, "-m", "anklet", "watch", "--mqtt", broker.url, "--headless", "--duration", str(duration_s + 15)],
            stdout=subprocess.PIPE, text=True,
        )
        arrivals: list[tuple[float, str]] = []
        reader = threading.Thread(target=lambda: arrivals.extend((time.time(), line) for line in watcher.stdout), daemon=True)
        reader.start()
        time.sleep(2.0)  # the watcher subscribed
        names = [f"station-{index:02d}" for index in range(stations)]
        cpu_broker0, cpu_watch0 = _cpu_s(broker.pid), _cpu_s(watcher.pid)
        wall0 = time.monotonic()
        procs = [
            subprocess.Popen([sys.executable, __file__, "--worker", broker.url, str(stream_file), *names[i::workers]],
                             stdout=subprocess.PIPE, text=True)
            for i in range(workers)
        ]
        cpu_publishers = 0.0
        counters: list[dict] = []
        for proc in procs:
            out, _ = proc.communicate()
            result = json.loads(out)
            cpu_publishers += result["cpu_s"]
            counters += result["counters"]
        time.sleep(1.0)  # the last messages on their way
        wall = time.monotonic() - wall0
        cpu_broker, cpu_watch = _cpu_s(broker.pid) - cpu_broker0, _cpu_s(watcher.pid) - cpu_watch0
        watcher.terminate()
        watcher.wait()
        reader.join(5)

    received = [(arrival, json.loads(line)) for arrival, line in arrivals]
    latency = [(m["type"], arrival - m["wall_s"]) for arrival, m in received if "wall_s" in m]
    print(f"{stations} stations in {workers} processes, {wall:.0f} s wall")
    print(f"messages: published {sum(c['sent'] for c in counters)}, received by the watcher {len(received)}, "
          f"dropped {sum(c['dropped_stream'] + c['dropped_kept'] for c in counters)}, reconnects {sum(c['reconnects'] for c in counters)}")
    print(f"latency, all: {_percentiles([d for _, d in latency])}")
    print(f"latency, angles: {_percentiles([d for kind, d in latency if kind == 'angles'])}")
    print(f"latency, events/strides/flags: {_percentiles([d for kind, d in latency if kind in KEPT])}")
    print(f"CPU, % of one core: publishers {100 * cpu_publishers / wall:.1f} ({100 * cpu_publishers / wall / stations:.2f} per station, "
          f"process start and imports included), mosquitto {100 * cpu_broker / wall:.1f}, watcher {100 * cpu_watch / wall:.1f}")


def worker_main(url: str, stream_file: str, names: list[str]) -> None:
    messages = json.loads(Path(stream_file).read_text())
    counters = asyncio.run(_worker(url, names, messages))
    print(json.dumps({"cpu_s": _cpu_s(os.getpid()), "counters": counters}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--stations", type=int, default=20)
        parser.add_argument("--duration", type=float, default=60.0, help="session seconds each station replays")
        parser.add_argument("--workers", type=int, default=4, help="processes the stations run in")
        args = parser.parse_args()
        run(args.stations, args.duration, args.workers)
