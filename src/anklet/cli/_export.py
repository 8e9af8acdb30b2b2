"""``anklet export INPUT --format csv|mot|sto --out DIR``: a session's samples and results in the
formats other tools read (docs/export.md). ``csv``: the anklet IMU CSV and the result CSVs of
DESIGN.md; ``mot``: OpenSim joint angles; ``sto``: OpenSense segment orientations."""

from __future__ import annotations

import argparse
from pathlib import Path

from anklet.calibration import CalibrationParams
from anklet.cli._inputs import add_input_arguments, analyze_input
from anklet.errors import ValidationError
from anklet.files import (
    EVENT_COLUMNS,
    OPENSENSE_IMUS,
    REP_COLUMNS,
    STRIDE_COLUMNS,
    opensim_coordinates,
    write_angles,
    write_imu_csv,
    write_mot,
    write_orientations_sto,
    write_records,
)
from anklet.gait import SessionAnalysis
from anklet.pipeline import AngleParams, segment_orientations_from_table

FORMATS = ("csv", "mot", "sto")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        description="Analyse INPUT as `anklet analyze` does and write it for other tools into DIR: "
        "csv = imu.csv (the anklet IMU CSV), angles.csv, events.csv, strides.csv and reps.csv (when "
        "there are reps); mot = ankle_angles.mot, OpenSim joint angles (ankle_angle_r/l, "
        "subtalar_angle_r/l, degrees); sto = orientations.sto, OpenSense quaternions of the shanks and "
        "feet (tibia_r_imu, calcn_r_imu, tibia_l_imu, calcn_l_imu). See docs/export.md.",
    )
    add_input_arguments(parser)
    parser.add_argument("--format", required=True, metavar="FORMAT", help=f"one of {', '.join(FORMATS)}")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.format not in FORMATS:
        raise ValidationError(f"--format must be one of {', '.join(FORMATS)}, not {args.format!r}")
    analysis = analyze_input(args)
    writer = {"csv": _write_csv, "mot": _write_mot, "sto": _write_sto}[args.format]
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        written = writer(analysis, args.out)
    except OSError as exc:
        raise ValidationError(f"cannot write the export into {args.out}: {exc.strerror or exc}") from None
    print(f"exported {args.input} as {args.format}: {written} in {args.out}")
    return 0


def _write_csv(analysis: SessionAnalysis, out: Path) -> str:
    gait = analysis.gait
    write_imu_csv(out / "imu.csv", analysis.table)
    write_angles(out / "angles.csv", analysis.angles.t, analysis.angles.angles)
    write_records(out / "events.csv", gait.events, EVENT_COLUMNS)
    write_records(out / "strides.csv", gait.strides, STRIDE_COLUMNS)
    names = ["imu.csv", "angles.csv", f"events.csv ({len(gait.events)} events)",
             f"strides.csv ({len(gait.strides)} strides)"]
    if gait.reps:
        write_records(out / "reps.csv", gait.reps, REP_COLUMNS)
        names.append(f"reps.csv ({len(gait.reps)} reps)")
    return ", ".join(names)


def _write_mot(analysis: SessionAnalysis, out: Path) -> str:
    columns = opensim_coordinates(analysis.angles.angles)
    if not columns:
        raise ValidationError("the session has no ankle angles to export (no leg could be calibrated)")
    rows = write_mot(out / "ankle_angles.mot", analysis.angles.t, columns)
    return f"ankle_angles.mot ({rows} of {len(analysis.angles)} rows, columns {', '.join(columns)})"


def _write_sto(analysis: SessionAnalysis, out: Path) -> str:
    params = AngleParams(calibration=CalibrationParams(activity=analysis.activity))
    chunk, orientations = segment_orientations_from_table(analysis.table, analysis.rate_hz, params)
    if not orientations:
        raise ValidationError("the session has no segment orientations to export (no leg could be calibrated)")
    quaternions = {OPENSENSE_IMUS[name]: orientations[name] for name in OPENSENSE_IMUS if name in orientations}
    rows = write_orientations_sto(out / "orientations.sto", chunk.t, quaternions, analysis.rate_hz)
    if not rows:
        raise ValidationError("no moment of the session has every segment's orientation, so OpenSense could not "
                              "place the sensors")
    return f"orientations.sto ({rows} rows, columns {', '.join(quaternions)})"
