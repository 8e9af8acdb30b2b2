"""Cost and size of recordings, and the speed of replays.

Usage: .venv/bin/python benchmarks/bench_recording.py [repeats]

- record CPU: 60 s of fast_forefoot (4 sensors x 1 kHz, 52.6 notifications/s each) handed to
  ``Recorder.take`` as the live pipeline would hand them (writing, chunking every 0.5 s of
  arrival time, zstd, flushing to the OS): process time / session time; target <= 5 % of a core.
- record CPU, paced A/B: the same minute paced in real time through the virtual transport,
  drained by a loop that does nothing, without and with ``RecordingTransport`` (the flush timer
  included); the difference is what recording adds to a live session.
- size: a recording of easy_run (4 sensors x 200 Hz, 300 s) and of squats, MB per hour (target
  <= 15); beside it the payloads alone, and their samples alone as one whole FLAC stream per
  sensor: the best whole-stream lossless codec measured, what format 2.0 could at best approach.
- replay: a 300 s easy_run recording read back (``read_recording``), and read back and run
  through the live pipeline with its gait stage as ``anklet replay --speed max --headless``
  does (messages collected, not printed): x real time; target >= 200x.
Medians over ``repeats`` runs (default 3).
"""

from __future__ import annotations

import asyncio
import io
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from anklet.cli._live import session_pipeline
from anklet.gait import load_athlete
from anklet.protocol._constants import HEADER_SIZE
from anklet.recording import Recorder, RecordingTransport, SessionInfo, read_recording
from anklet.sim import load_scenario, simulate
from anklet.sim._virtual import VirtualSensorTransport


def _info(session) -> SessionInfo:
    return SessionInfo(tuple(session.sensors), session.scenario.kind, load_athlete(), session.sample_rate_hz,
                       title=session.scenario.name, source="bench")


def _record(path: Path, session) -> float:
    """Record ``session`` into ``path``; process seconds it took."""
    notifications = session.notifications()
    recorder = Recorder(path)
    recorder.begin(_info(session))
    started = time.process_time()
    for notification in notifications:
        recorder.take(notification)
    recorder.end()
    return time.process_time() - started


def record_cpu(folder: Path, repeats: int) -> None:
    session = simulate(load_scenario("fast_forefoot"), seed=0, duration_s=60)
    shares = [_record(folder / "cpu.mcap", session) / session.duration_s for _ in range(repeats)]
    rate = len(session.notifications()) / session.duration_s
    print(f"record CPU: 4 sensors x {session.sample_rate_hz:.0f} Hz ({rate:.0f} notifications/s): "
          f"{100 * np.median(shares):.2f} % of a core (median of {repeats}; target <= 5 %)")


async def _drain_paced(session, path: Path | None) -> float:
    transport = VirtualSensorTransport(session.notifications(), speed=1.0)
    recorder = None
    if path is not None:
        recorder = Recorder(path)
        recorder.begin(_info(session))
        transport = RecordingTransport(transport, recorder)
    started = time.process_time()
    async with transport:
        async for _ in transport.notifications():
            pass
    return (time.process_time() - started) / session.duration_s


def record_cpu_paced(folder: Path, repeats: int, duration_s: float = 30.0) -> None:
    session = simulate(load_scenario("fast_forefoot"), seed=0, duration_s=duration_s)
    without, with_recording = [], []
    for _ in range(repeats):  # interleaved: this machine's speed drifts
        without.append(asyncio.run(_drain_paced(session, None)))
        with_recording.append(asyncio.run(_drain_paced(session, folder / "paced.mcap")))
    print(f"record CPU, paced {duration_s:.0f} s at 1 kHz: transport alone {100 * np.median(without):.2f} %, "
          f"with recording {100 * np.median(with_recording):.2f} % of a core (medians of {repeats}; "
          f"difference {100 * (np.median(with_recording) - np.median(without)):+.2f} %)")


def size(folder: Path) -> None:
    for name in ("easy_run", "squats"):
        session = simulate(load_scenario(name), seed=0, duration_s=300 if name == "easy_run" else None)
        path = folder / f"{name}.mcap"
        _record(path, session)
        per_hour = 3600 / session.duration_s / 1e6
        payload = sum(len(n.payload) for n in session.notifications())
        print(f"size: {name} (4 x {session.sample_rate_hz:.0f} Hz, {session.duration_s:.0f} s): "
              f"{os.path.getsize(path) * per_hour:.1f} MB/h (target <= 15); the payloads alone "
              f"{payload * per_hour:.1f} MB/h; their samples alone as one whole FLAC stream per sensor "
              f"{_whole_flac_bytes(session) * per_hour:.1f} MB/h (the floor of the codecs tried)")


def _whole_flac_bytes(session) -> int:
    """Bytes of each sensor's samples, the whole session as one FLAC stream (libsndfile's
    defaults, as the recording's blocks use), summed over the sensors."""
    total = 0
    for sensor in session.sensors:
        payloads = [n.payload for n in session.notifications() if (n.sensor, n.channel) == (sensor, "data")]
        samples = np.frombuffer(b"".join(p[HEADER_SIZE:] for p in payloads), dtype="<i2").reshape(-1, 6)
        stream = io.BytesIO()
        soundfile.write(stream, samples, int(session.sample_rate_hz), format="FLAC", subtype="PCM_16")
        total += len(stream.getvalue())
    return total


async def _replay(path: Path) -> int:
    recording = read_recording(path)
    info = recording.session
    pipeline = session_pipeline(list(info.sensors), info.sample_rate_hz, info.athlete, info.activity)
    subscription = pipeline.subscribe(maxsize=10**7)
    await pipeline.run(VirtualSensorTransport(recording.notifications, speed=math.inf))
    return len(subscription.drain())


def replay(folder: Path, repeats: int) -> None:
    session = simulate(load_scenario("easy_run"), seed=0, duration_s=300)
    path = folder / "replay.mcap"
    _record(path, session)
    reads, replays = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        read_recording(path)
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        messages = asyncio.run(_replay(path))
        replays.append(time.perf_counter() - started)
    print(f"replay: {session.duration_s:.0f} s of easy_run read back in {np.median(reads):.2f} s "
          f"({session.duration_s / np.median(reads):.0f}x real time); read and run through the live pipeline "
          f"({messages} messages) in {np.median(replays):.1f} s ({session.duration_s / np.median(replays):.0f}x real "
          f"time; target >= 200x); medians of {repeats}")


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as folder:
        record_cpu(Path(folder), repeats)
        record_cpu_paced(Path(folder), repeats)
        size(Path(folder))
        replay(Path(folder), repeats)


if __name__ == "__main__":
    main()
