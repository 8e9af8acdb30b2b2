"""The ``anklet`` command line: one sub-command per module in this package.

Each sub-command module offers ``add_parser(subparsers)``, which registers its parser and sets
``handler`` to a function taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from threadpoolctl import threadpool_limits

from anklet import __version__
from anklet.cli import (
    _analyze,
    _assign,
    _bench,
    _demo,
    _export,
    _live,
    _protocol,
    _recover,
    _replay,
    _report,
    _simulate,
    _watch,
)
from anklet.errors import AnkletError

_COMMANDS = (_demo, _live, _assign, _replay, _watch, _recover, _analyze, _export, _report, _simulate, _protocol, _bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anklet",
        description="Ankle joint angles, gait events and mobility flags from shank and foot IMUs.",
    )
    parser.add_argument("--version", action="version", version=f"anklet {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        # anklet's matrix products are small (3 x 3 a row, a few rows a live call): OpenBLAS's
        # worker threads would only spin between them, burning the other core (on 2 cores the
        # live pipeline's CPU 17 -> 14 %, offline fusion 2-3x faster with one: docs/pipeline.md)
        with threadpool_limits(limits=1, user_api="blas"):
            return args.handler(args)
    except AnkletError as exc:
        print(f"anklet: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
