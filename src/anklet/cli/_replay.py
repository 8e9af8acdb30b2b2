"""``anklet replay FILE [--speed X|max] [--headless] [--record FILE] [--mqtt URL]``: a recorded
session through the same live pipeline and view again (and to a broker, as it was live).

A pipeline is built as the session's was (its sensors in their order, its activity, athlete
and sample rate, from the recording). Paced, the recorded notifications go back through the
simulator's virtual sensors (``VirtualSensorTransport``) and are stamped by the loop clock
again, as live. At ``--speed max`` they keep their recorded arrival times and go through
``LivePipeline.replay``, several seconds at a time in array steps: the session's own events,
strides, flags, reps, assessments, angles and statuses (docs/recording.md says to what digit).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from anklet.cli._args import speed
from anklet.cli._live import session_pipeline
from anklet.cli._publish import add_mqtt_arguments, publication_of
from anklet.cli._readout import Readout, print_json, run_shown, stream
from anklet.cli._record import add_record_argument, compact_steps, make_recorder, recorded, recorded_all
from anklet.errors import ValidationError
from anklet.pipeline import LivePipeline
from anklet.recording import Recorder, Recording, read_recording
from anklet.sim._virtual import VirtualSensorTransport


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay",
        description="Play a recording (anklet demo/live --record) through the live pipeline and show it as "
        "it was shown live; at --speed max the messages are the session's own, exactly.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="an anklet recording (.mcap)")
    parser.add_argument("--speed", type=speed, default=1.0, metavar="X|max", help="replay pace (default 1)")
    parser.add_argument("--headless", action="store_true", help="print JSON-lines messages on stdout")
    add_record_argument(parser)
    add_mqtt_arguments(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    recording = read_recording(args.file)
    for note in recording.notes:
        print(f"note: {note}", file=sys.stderr)
    if not recording.notifications:
        raise ValidationError(f"{args.file} holds no sensor data to replay")
    session = recording.session
    publication = publication_of(args, session.athlete.name)
    show = print_json if args.headless else Readout()
    if not args.headless:
        print(f"replay of {args.file}: {session.title or session.activity}, {recording.duration_s:.0f} s, "
              f"recorded {session.created_utc}")
    pipeline = session_pipeline(list(session.sensors), session.sample_rate_hz, session.athlete, session.activity)
    recorder = make_recorder(args.record, show, compact_steps(args, session.sample_steps))
    if recorder is not None:
        recorder.begin(dataclasses.replace(
            session, source=f"anklet replay {args.file}", created_utc=datetime.now(UTC).isoformat(timespec="seconds")
        ))
        for mark in recording.marks:
            recorder.mark(mark.t, mark.athlete)
    run_shown(
        stream(pipeline, _feed(recording, args.speed, recorder, pipeline), show, publication), show, session.athlete,
        activity=session.activity, title=f"replay {session.title}", recorder=recorder, marks=recording.marks,
    )
    return 0


def _feed(
    recording: Recording, speed: float, recorder: Recorder | None, pipeline: LivePipeline
) -> Callable[[], Awaitable[None]]:
    """How the recording goes into ``pipeline`` (recorded again by ``recorder``): at max speed
    through ``LivePipeline.replay``, several seconds at a time; paced through the virtual sensors."""
    if math.isinf(speed):
        notifications = recorded_all(recording.notifications, recorder, pipeline)
        return lambda: pipeline.replay(notifications)
    transport = recorded(VirtualSensorTransport(recording.notifications, speed=speed), recorder, pipeline)
    return lambda: pipeline.run(transport)
