"""Cost and size of recordings, and the speed of replays.

Usage: .venv/bin/python benchmarks/bench_recording.py [repeats] [part ...]
(parts, all by default: record_cpu record_cpu_paced size size_parts sample_codecs replay; e.g.
``bench_recording.py 5 replay`` alone, interleaved with another checkout's run through
PYTHONPATH=<checkout>/src)

- record CPU: 60 s of fast_forefoot (4 sensors x 1 kHz, 52.6 notifications/s each) handed to
  ``Recorder.take`` as the live pipeline would hand them (writing, chunking every 0.5 s of
  arrival time, zstd, flushing to the OS): process time / session time; target <= 5 % of a core.
- record CPU, paced A/B: the same minute paced in real time through the virtual transport,
  drained by a loop that does nothing, without and with ``RecordingTransport`` (the flush timer
  included); the difference is what recording adds to a live session.
- size: a recording of easy_run (4 sensors x 200 Hz, 300 s) and of squats (50 s), MB per hour,
  also without the part every recording has whatever its length (what an hour costs; target
  <= 15); beside it the payloads alone, and their samples alone as one whole FLAC stream per
  sensor: the best whole-stream lossless codec measured. Then compact recordings (``--compact``)
  of both, seeds 0-2.
- size parts: the samples, the arrival times and order, and the rest of each recording.
- samples in 0.5 s blocks: the samples alone as format 2.0's blocks store them (FLAC frames) and
  as second differences in byte planes, both through the chunk's zstd; FLAC's cost a block.
- replay: a 300 s easy_run recording read back (``read_recording``), and read back and run
  through the live pipeline with its gait stage as ``anklet replay --speed max --headless``
  does (messages collected, not printed): x real time; target >= 200x.
Medians over ``repeats`` runs (default 3).
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import soundfile
import zstandard
from threadpoolctl import threadpool_limits

from anklet.cli._live import session_pipeline
from anklet.gait import load_athlete
from anklet.protocol._constants import HEADER_SIZE
from anklet.recording import (
    CHUNK_EVERY_S,
    COMPACT_STEPS,
    Recorder,
    RecordingTransport,
    SampleSteps,
    SessionInfo,
    read_recording,
)
from anklet.recording import _block, _writer
from anklet.sim import load_scenario, simulate
from anklet.sim._virtual import VirtualSensorTransport


def _info(session) -> SessionInfo:
    return SessionInfo(tuple(session.sensors), session.scenario.kind, load_athlete(), session.sample_rate_hz,
                       title=session.scenario.name, source="bench")


def _record(path: Path, session, sample_steps: SampleSteps | None = None) -> float:
    """Record ``session`` into ``path`` (compact with ``sample_steps``); process seconds it took."""
    notifications = session.notifications()
    recorder = Recorder(path, sample_steps=sample_steps)
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
        fixed = _fixed_bytes(folder / "empty.mcap", session)
        per_hour = 3600 / session.duration_s / 1e6
        payload = sum(len(n.payload) for n in session.notifications())
        print(f"size: {name} (4 x {session.sample_rate_hz:.0f} Hz, {session.duration_s:.0f} s): "
              f"{os.path.getsize(path) * per_hour:.1f} MB/h, {(os.path.getsize(path) - fixed) * per_hour:.1f} without the "
              f"{fixed / 1e3:.1f} kB any recording has (target <= 15); the payloads alone {payload * per_hour:.1f} MB/h; "
              f"their samples alone as one whole FLAC stream per sensor {_whole_flac_bytes(session) * per_hour:.1f} MB/h")
    for name in ("easy_run", "squats"):
        for seed in (0, 1, 2):
            session = simulate(load_scenario(name), seed=seed, duration_s=300 if name == "easy_run" else None)
            path = folder / f"{name}-compact.mcap"
            _record(path, session, COMPACT_STEPS)
            per_hour = 3600 / session.duration_s / 1e6
            print(f"size, compact: {name} seed {seed}: {os.path.getsize(path) * per_hour:.1f} MB/h (target <= 15)")


def _fixed_bytes(path: Path, session) -> int:
    """Bytes of a recording of ``session`` without notifications: its session description
    (the athlete profile with its sources is most of it) and summary."""
    recorder = Recorder(path)
    recorder.begin(_info(session))
    recorder.end()
    return os.path.getsize(path)


def _whole_flac_bytes(session) -> int:
    """Bytes of each sensor's samples, the whole session as one FLAC stream at libFLAC's
    strongest setting (compression level 1.0: 18.8 MB/h on easy_run against 19.5 at the
    default), summed over the sensors."""
    total = 0
    for sensor in session.sensors:
        payloads = [n.payload for n in session.notifications() if (n.sensor, n.channel) == (sensor, "data")]
        samples = np.frombuffer(b"".join(p[HEADER_SIZE:] for p in payloads), dtype="<i2").reshape(-1, 6)
        stream = io.BytesIO()
        soundfile.write(stream, samples, int(session.sample_rate_hz), format="FLAC", subtype="PCM_16", compression_level=1.0)
        total += len(stream.getvalue())
    return total


def size_parts(folder: Path) -> None:
    """Where a recording's bytes go: recorded again with the samples left out, then also the
    arrival times (all 0) and the order, each difference being what that part costs."""
    for name in ("easy_run", "squats"):
        session = simulate(load_scenario(name), seed=0, duration_s=300 if name == "easy_run" else None)
        path = folder / "parts.mcap"

        def mb_per_hour() -> float:
            _record(path, session)
            return os.path.getsize(path) * 3600 / session.duration_s / 1e6

        def encode_blank(times_ns, order, payloads):
            return real_encode([0] * len(times_ns), None, payloads)

        real_encode = _writer.encode_block
        whole = mb_per_hour()
        with mock.patch.object(_block, "_flac", lambda samples: b""):
            no_samples = mb_per_hour()
            with mock.patch.object(_writer, "encode_block", encode_blank):
                rest = mb_per_hour()
        print(f"size parts, {name}: {whole:.1f} MB/h = samples {whole - no_samples:.1f} + arrival times and order "
              f"{no_samples - rest:.1f} + the rest {rest:.1f} (headers, status messages, MCAP framing and index)")


def sample_codecs() -> None:
    """The samples alone of each sensor's 0.5 s blocks, as format 2.0 stores them (FLAC frames)
    and as second differences in byte planes, each block of a chunk compressed together with
    the others by zstd at MCAP's level (3); and what encoding and decoding a block cost."""
    for name in ("easy_run", "squats"):
        session = simulate(load_scenario(name), seed=0, duration_s=300 if name == "easy_run" else None)
        chunks: dict[int, dict[str, list[bytes]]] = {}
        for n in session.notifications():
            if n.channel == "data":
                chunks.setdefault(int(n.host_time_s // CHUNK_EVERY_S), {}).setdefault(n.sensor, []).append(n.payload)
        blocks = [
            [np.frombuffer(b"".join(p[HEADER_SIZE:] for p in payloads), dtype="<i2").reshape(-1, 6) for payloads in chunk.values()]
            for chunk in chunks.values()
        ]
        per_hour = 3600 / session.duration_s / 1e6
        started = time.process_time()
        flac = [[_block._flac(samples) for samples in chunk] for chunk in blocks]
        encode_ms = 1e3 * (time.process_time() - started) / sum(map(len, blocks))
        started = time.process_time()
        for chunk, encoded in zip(blocks, flac, strict=True):
            for samples, frames in zip(chunk, encoded, strict=True):
                _block._unflac(frames, len(samples))
        decode_ms = 1e3 * (time.process_time() - started) / sum(map(len, blocks))
        flac_bytes = sum(len(zstandard.compress(b"".join(encoded))) for encoded in flac)
        planes_bytes = sum(len(zstandard.compress(b"".join(_second_difference_planes(s) for s in chunk))) for chunk in blocks)
        print(f"samples in 0.5 s blocks, {name}: FLAC frames {flac_bytes * per_hour:.1f} MB/h (encode {encode_ms:.2f} ms, "
              f"decode {decode_ms:.2f} ms a block); second differences in byte planes {planes_bytes * per_hour:.1f} MB/h")


def _second_difference_planes(samples: np.ndarray) -> bytes:
    wide = samples.astype(np.int32)
    coded = np.concatenate([wide[:2], np.diff(wide, 2, axis=0)]).astype("<i2")  # the first two as they are
    return coded.T.copy().view(np.uint8).reshape(6, -1, 2).transpose(0, 2, 1).tobytes()


async def _replay(path: Path) -> int:
    recording = read_recording(path)
    info = recording.session
    pipeline = session_pipeline(list(info.sensors), info.sample_rate_hz, info.athlete, info.activity)
    subscription = pipeline.subscribe(maxsize=10**7)
    await pipeline.replay(recording.notifications)
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
    parts = {"record_cpu": lambda folder: record_cpu(folder, repeats),
             "record_cpu_paced": lambda folder: record_cpu_paced(folder, repeats),
             "size": size, "size_parts": size_parts, "sample_codecs": lambda folder: sample_codecs(),
             "replay": lambda folder: replay(folder, repeats)}
    chosen = sys.argv[2:] or list(parts)
    unknown = set(chosen) - set(parts)
    if unknown:
        sys.exit(f"bench_recording: no part {', '.join(sorted(unknown))}; the parts are {' '.join(parts)}")
    threadpool_limits(1, "blas")  # as every anklet command runs (cli.main)
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            parts[name](Path(folder))


if __name__ == "__main__":
    main()
