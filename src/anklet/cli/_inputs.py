"""What ``analyze``, ``export`` and ``report`` accept as INPUT, read and analysed one way:
an anklet IMU CSV or a recording (``--record``; told apart by the file's first bytes, not its
name). A recording also says what the athlete did and whose profile judged it, which are the
defaults of ``--activity`` and ``--athlete`` then, so the file gives what the session gave."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anklet.errors import ValidationError
from anklet.files import ImuTable, read_imu_csv
from anklet.gait import ACTIVITIES, SessionAnalysis, analyze_table, load_athlete
from anklet.pipeline import table_from_notifications
from anklet.recording import SessionInfo, is_recording, read_recording


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT, ``--athlete`` and ``--activity``: what every command that analyses a file needs."""
    parser.add_argument("input", type=Path, metavar="INPUT", help="anklet IMU CSV or recording (.mcap)")
    parser.add_argument(
        "--athlete", type=Path, metavar="TOML",
        help="athlete profile (default: a recording's own, else calibration/athletes/default.toml)",
    )
    parser.add_argument(
        "--activity",
        metavar="NAME",
        help=f"what the athlete did: {', '.join(ACTIVITIES)} (as a scenario's kind). Default: a recording's "
        "own; for a CSV running or walking when the foot sensors show strides, else squats on both ankles (a "
        "guided test's CSV needs its name, or its reps are counted as squats)",
    )


def read_input(path: Path) -> ImuTable:
    """The samples of INPUT."""
    return _read(path)[0]


def _read(path: Path) -> tuple[ImuTable, SessionInfo | None]:
    """INPUT's samples, and the session a recording describes (None for a CSV). What was
    wrong with a recording that could still be read (cut off, damaged) goes to stderr."""
    if not is_recording(path):
        return read_imu_csv(path), None
    recording = read_recording(path)
    for note in recording.notes:
        print(f"note: {note}", file=sys.stderr)
    return table_from_notifications(recording.notifications), recording.session


def analyze_input(args: argparse.Namespace) -> SessionAnalysis:
    """INPUT analysed as ``--athlete`` and ``--activity`` say (by default, as a recording says)."""
    if args.activity is not None and args.activity not in ACTIVITIES:
        raise ValidationError(f"--activity must be one of {', '.join(ACTIVITIES)}, not {args.activity!r}")
    table, session = _read(args.input)
    if session is not None and args.athlete is None:
        athlete = session.athlete
    else:
        athlete = load_athlete(args.athlete)
    activity = args.activity if args.activity is not None or session is None else session.activity
    return analyze_table(table, athlete, activity)
