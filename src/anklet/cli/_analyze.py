"""``anklet analyze INPUT --out DIR``: ankle angles and calibration from an anklet IMU CSV."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from anklet.errors import ValidationError
from anklet.files import read_imu_csv, write_angles
from anklet.pipeline import angles_from_table, table_on_grid


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="ankle angles from a recorded session",
        description="Calibrate and fuse an anklet IMU CSV (DESIGN.md) and write angles.csv and "
        "calibration.json into DIR.",
    )
    parser.add_argument("input", type=Path, metavar="INPUT", help="anklet IMU CSV")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    table, rate_hz = table_on_grid(read_imu_csv(args.input))
    chunk, calibration = angles_from_table(table, rate_hz)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        write_angles(args.out / "angles.csv", chunk.t, chunk.angles)
        (args.out / "calibration.json").write_text(json.dumps(calibration.to_json(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot write the results into {args.out}: {exc.strerror or exc}") from None
    qualities = ", ".join(f"{side} {quality:.2f}" for side, quality in calibration.quality.items())
    print(
        f"analyzed {args.input} ({len(table.t) / rate_hz:.0f} s at {rate_hz:g} Hz, sensors "
        f"{', '.join(table.sensors)}): angles.csv and calibration.json in {args.out}; "
        f"calibration quality {qualities}"
    )
    for side, leg in calibration.legs.items():
        if leg.foot_axis_warning:
            print(f"note, {side} leg: {leg.foot_axis_warning}")
    return 0
