"""``--record FILE`` for the commands that run a session (demo, live, replay), and the
recorder the coach view's ``r`` starts and stops."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from anklet.cli._readout import opens_coach_view
from anklet.errors import ValidationError
from anklet.pipeline import LivePipeline
from anklet.recording import COMPACT_STEPS, Recorder, RecordingTransport, SampleSteps
from anklet.transport import Notification, Transport


def add_record_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--record", type=Path, metavar="FILE",
        help="record the session into FILE (MCAP, docs/recording.md); in the coach view r stops and starts recording",
    )
    parser.add_argument(
        "--compact", action="store_true",
        help="record compact: samples rounded to 31 mg and 0.49 deg/s (dithered) and arrival times to the "
        "microsecond, before the readout sees them; about 14 MB/h of running against 24 (docs/recording.md)",
    )


def make_recorder(
    record: Path | None, show: Callable[[dict[str, Any]], None], sample_steps: SampleSteps | None = None
) -> Recorder | None:
    """A recorder when the session can be recorded: into ``record`` from the start, or from the
    coach view (which keeps the session in memory so that ``r`` records it from its start);
    None for a headless or piped session without ``--record``. With ``sample_steps``, a
    compact one (``compact_steps``)."""
    interactive = opens_coach_view(show)
    if record is None and not interactive:
        return None
    if record is not None:
        _check_writable(record)
    return Recorder(record, keep_history=interactive, sample_steps=sample_steps)


def compact_steps(args: argparse.Namespace, recorded_steps: SampleSteps | None = None) -> SampleSteps | None:
    """How ``--compact`` has the session recorded: None for lossless. A replay of a compact
    recording (``recorded_steps``) is recorded compact again: its samples are rounded already."""
    if args.compact and args.record is None and args.headless:
        raise ValidationError("--compact says how to record: give --record FILE too")
    return recorded_steps or (COMPACT_STEPS if args.compact else None)


def recorded(transport: Transport, recorder: Recorder | None, pipeline: LivePipeline) -> Transport:
    """``transport``, recorded by ``recorder`` (with ``pipeline``'s calibration once it has one)."""
    if recorder is None:
        return transport
    _calibration_of(pipeline, recorder)
    return RecordingTransport(transport, recorder)


def recorded_all(
    notifications: Iterable[Notification], recorder: Recorder | None, pipeline: LivePipeline
) -> Iterator[Notification]:
    """``notifications`` (a replay's, at max speed: no transport), each recorded by ``recorder``
    as the pipeline takes it, the file finished after the last (chunks close by arrival time,
    so no flush timer is needed)."""
    if recorder is None:
        yield from notifications
        return
    _calibration_of(pipeline, recorder)
    try:
        for notification in notifications:
            yield recorder.take(notification)
    finally:
        recorder.end()


def _calibration_of(pipeline: LivePipeline, recorder: Recorder) -> None:
    recorder.calibration_from(lambda: pipeline.estimator.calibration if pipeline.estimator is not None else None)


def _check_writable(path: Path) -> None:
    """Say now, before any sensor is connected, that the recording could not be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValidationError(f"--record {path} is a folder; give a file name")
    if not folder.is_dir():
        raise ValidationError(f"--record {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValidationError(f"--record {path}: no permission to write there")
