"""``anklet report INPUT --out DIR``: the session as a self-contained HTML page with PNG figures
for a physio or coach who never saw the live view (docs/report.md). ``anklet.report`` (and
with it matplotlib) is imported when the command runs, so other commands never load it."""

from __future__ import annotations

import argparse
from pathlib import Path

from anklet.cli._inputs import add_input_arguments, analyze_input
from anklet.errors import ValidationError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        description="Analyse INPUT as `anklet analyze` does and write report.html (self-contained: figures "
        "embedded, no network) and its PNG figures into DIR: the ankle angle over the gait cycle, the angle at "
        "toe-off of every stride against the athlete's limit, contact times, left against right, squat reps "
        "and mobility tests when the session has them, every flag with its evidence, and the sensors' health.",
    )
    add_input_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    analysis = analyze_input(args)
    from anklet.report import write_report  # matplotlib: only this command pays for it

    try:
        args.out.mkdir(parents=True, exist_ok=True)
        written = write_report(analysis, args.out, args.input.name)
    except OSError as exc:
        raise ValidationError(f"cannot write the report into {args.out}: {exc.strerror or exc}") from None
    print(f"reported {args.input}: {args.out / written[-1]} with {len(written) - 1} figures "
          f"({', '.join(written[:-1]) or 'none'})")
    return 0
