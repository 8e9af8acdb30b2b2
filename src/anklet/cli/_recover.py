"""``anklet recover FILE [--out FIXED]``: a recording that was cut off (the recorder killed,
the power gone) or damaged, rewritten as a finished, indexed one; says how much it kept."""

from __future__ import annotations

import argparse
from pathlib import Path

from anklet.recording import recover_recording


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recover",
        description="Read what can be read of a recording that was cut off or damaged, and write it as a "
        "finished, indexed recording. The original is left as it is.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the recording to recover")
    parser.add_argument("--out", type=Path, metavar="FIXED", help="where to write it (default: FILE.recovered.mcap)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    out = args.out if args.out is not None else args.file.with_suffix(".recovered.mcap")
    recording = recover_recording(args.file, out)
    for note in recording.notes:
        print(f"note: {note}")
    extras = [f"{len(recording.marks)} mark(s)"] + (["the calibration"] if recording.calibration is not None else [])
    state = "was already whole; copied" if recording.complete and not recording.notes else "recovered"
    print(f"{args.file} {state}: {recording.duration_s:.1f} s of the session ({len(recording.notifications)} "
          f"notifications, {', '.join(extras)}) into {out}")
    return 0
