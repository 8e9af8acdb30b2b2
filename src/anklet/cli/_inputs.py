"""What ``analyze``, ``export`` and ``report`` accept as INPUT, read and analysed one way."""

from __future__ import annotations

import argparse
from pathlib import Path

from anklet.errors import ValidationError
from anklet.files import ImuTable, read_imu_csv
from anklet.gait import ACTIVITIES, SessionAnalysis, analyze_table, load_athlete


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT, ``--athlete`` and ``--activity``: what every command that analyses a file needs."""
    parser.add_argument("input", type=Path, metavar="INPUT", help="anklet IMU CSV")
    parser.add_argument(
        "--athlete", type=Path, metavar="TOML", help="athlete profile (default: calibration/athletes/default.toml)"
    )
    parser.add_argument(
        "--activity",
        metavar="NAME",
        help=f"what the athlete did: {', '.join(ACTIVITIES)} (as a scenario's kind). Default: running or "
        "walking when the foot sensors show strides, else squats on both ankles; a guided test's recording "
        "needs its name, or its reps are counted as squats",
    )


def read_input(path: Path) -> ImuTable:
    """The samples of INPUT."""
    return read_imu_csv(path)


def analyze_input(args: argparse.Namespace) -> SessionAnalysis:
    """INPUT analysed as ``--athlete`` and ``--activity`` say."""
    if args.activity is not None and args.activity not in ACTIVITIES:
        raise ValidationError(f"--activity must be one of {', '.join(ACTIVITIES)}, not {args.activity!r}")
    athlete = load_athlete(args.athlete)
    return analyze_table(read_input(args.input), athlete, args.activity)
