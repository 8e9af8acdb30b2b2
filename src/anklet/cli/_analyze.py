"""``anklet analyze INPUT --out DIR [--activity NAME]``: ankle angles, calibration, gait events,
strides, reps, flags, a guided test's assessments and a summary from an anklet IMU CSV (the
result files of DESIGN.md). The CSV does not say what the athlete did: ``--activity`` names it
as the live pipeline is told it (a scenario's kind), so the same reps come out."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from anklet.cli._inputs import add_input_arguments, analyze_input
from anklet.errors import ValidationError
from anklet.files import EVENT_COLUMNS, REP_COLUMNS, STRIDE_COLUMNS, write_angles, write_records, write_summary


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze",
        description="Calibrate and fuse an anklet IMU CSV (DESIGN.md), find gait events, strides, squat "
        "reps and flags, and write angles.csv, events.csv, strides.csv, reps.csv, summary.json and "
        "calibration.json into DIR. Name the activity to get what the live pipeline gives for it: a "
        "guided test's own reps (knee-to-wall attempts, split-squat reps per leg and set) and its "
        "assessments (in summary.json).",
    )
    add_input_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    analysis = analyze_input(args)
    table, rate_hz, chunk, calibration, gait = (
        analysis.table, analysis.rate_hz, analysis.angles, analysis.calibration, analysis.gait
    )
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        write_angles(args.out / "angles.csv", chunk.t, chunk.angles)
        (args.out / "calibration.json").write_text(json.dumps(calibration.to_json(), indent=2) + "\n", encoding="utf-8")
        write_records(args.out / "events.csv", gait.events, EVENT_COLUMNS)
        write_records(args.out / "strides.csv", gait.strides, STRIDE_COLUMNS)
        write_records(args.out / "reps.csv", gait.reps, REP_COLUMNS)
        write_summary(args.out / "summary.json", {"athlete": analysis.athlete.name, **gait.summary()})
    except OSError as exc:
        raise ValidationError(f"cannot write the results into {args.out}: {exc.strerror or exc}") from None
    qualities = ", ".join(f"{side} {quality:.2f}" for side, quality in calibration.quality.items())
    print(
        f"analyzed {args.input} ({len(table.t) / rate_hz:.0f} s at {rate_hz:g} Hz, sensors "
        f"{', '.join(table.sensors)}): {len(gait.strides)} strides, {len(gait.reps)} reps, "
        f"{sum(flag.active for flag in gait.flags)} flags raised; angles.csv, events.csv, strides.csv, reps.csv, "
        f"summary.json and calibration.json in {args.out}; calibration quality {qualities}"
    )
    for reason in calibration.legs_left_out.values():
        print(f"note: {reason}")
    for side, leg in calibration.legs.items():
        if leg.foot_axis_warning:
            print(f"note, {side} leg: {leg.foot_axis_warning}")
    for assessment in gait.assessments:
        print(f"assessment at {assessment['t']:.1f} s: {assessment['test']} {assessment['side']} "
              f"{'passed' if assessment['passed'] else 'failed'}")
    for flag in gait.flags:
        print(f"flag at {flag.t:.1f} s: {flag.side} {flag.flag} {'raised' if flag.active else 'cleared'}")
    return 0
