"""``anklet demo``: virtual sensors running a scenario, through the live pipeline, read out.

The scenario's kind is the activity the gait stage watches (events, strides and running
flags; squat reps; a guided test's assessments). ``--headless`` prints the messages of
DESIGN.md as JSON lines; otherwise, in a terminal, the coach view (``anklet.tui``), and,
piped, a one-line readout per second. ``--ble`` runs the whole stack: the sensors become virtual BLE
peripherals, and bleak connects to them as it would to real ones.
"""

from __future__ import annotations

import argparse

from anklet.cli._args import positive_float, speed
from anklet.cli._live import session_pipeline, stream_virtual_ble
from anklet.cli._publish import add_mqtt_arguments, publication_of
from anklet.cli._readout import Readout, print_json, run_shown, stream
from anklet.cli._record import add_record_argument, compact_steps, make_recorder, recorded
from anklet.errors import ValidationError
from anklet.gait import load_athlete
from anklet.recording import SessionInfo
from anklet.sim import load_scenario, simulate
from anklet.sim._virtual import VirtualSensorTransport


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        description="Run virtual sensors through the live pipeline and show what a coach would see.",
    )
    parser.add_argument("--scenario", default="easy_run", metavar="NAME|FILE", help="scenario (default easy_run)")
    parser.add_argument("--duration", type=positive_float, metavar="S", help="session length, s")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--speed", type=speed, default=1.0, metavar="X|max", help="replay pace (default 1)")
    parser.add_argument("--headless", action="store_true", help="print JSON-lines messages on stdout")
    parser.add_argument("--ble", action="store_true",
                        help="through Bluetooth LE: the sensors as virtual BLE peripherals, reached by bleak (real time only)")
    add_record_argument(parser)
    add_mqtt_arguments(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.ble and args.speed != 1.0:
        raise ValidationError("--ble streams in real time, like sensors; leave out --speed")
    athlete = load_athlete()
    publication = publication_of(args, athlete.name)
    session = simulate(load_scenario(args.scenario), seed=args.seed, duration_s=args.duration)
    show = print_json if args.headless else Readout()
    if not args.headless:
        print(f"{session.scenario.name}: {session.scenario.description} ({session.duration_s:.0f} s)")
    recorder = make_recorder(args.record, show, compact_steps(args))
    view = {"athlete": athlete, "activity": session.scenario.kind, "title": session.scenario.name, "recorder": recorder}
    if args.ble:
        run_shown(stream_virtual_ble(session, athlete, show, recorder=recorder, publication=publication), show, **view)
        return 0
    pipeline = session_pipeline(list(session.sensors), session.sample_rate_hz, athlete, session.scenario.kind)
    if recorder is not None:
        recorder.begin(SessionInfo(
            tuple(pipeline.sensors), session.scenario.kind, athlete, session.sample_rate_hz,
            title=session.scenario.name, source=f"anklet demo --scenario {session.scenario.name} --seed {session.seed}",
        ))
    transport = recorded(VirtualSensorTransport(session.notifications(), speed=args.speed), recorder, pipeline)
    run_shown(stream(pipeline, lambda: pipeline.run(transport), show, publication), show, **view)
    return 0


