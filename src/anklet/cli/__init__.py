"""The ``anklet`` command line: one sub-command per module in this package.

Each sub-command module offers ``add_parser(subparsers)``, which registers its parser and sets
``handler`` to a function taking the parsed arguments and returning an exit code. Only the
module of the command given is imported: most of them load the whole pipeline, SciPy with it
(a second and more), which ``anklet --help`` or a light command should not wait for.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from threadpoolctl import threadpool_limits

from anklet import __version__
from anklet.errors import AnkletError

# Each command: the module that registers it, and its line in ``anklet --help``.
_COMMANDS = {
    "demo": ("_demo", "simulated sensors through the live pipeline"),
    "live": ("_live", "BLE sensors through the live pipeline"),
    "scan": ("_live", "list the anklet sensors in range"),
    "assign": ("_assign", "tap each sensor in turn to write a session config"),
    "replay": ("_replay", "a recorded session through the live pipeline again"),
    "watch": ("_watch", "every station's athletes, from an MQTT broker"),
    "recover": ("_recover", "rewrite a cut-off or damaged recording whole"),
    "analyze": ("_analyze", "ankle angles from a recorded session"),
    "export": ("_export", "a session as CSV, OpenSim .mot or OpenSense .sto"),
    "report": ("_report", "an HTML report of a recorded session"),
    "simulate": ("_simulate", "simulate a session: IMU CSV plus ground truth"),
    "protocol": ("_protocol", "firmware protocol tools"),
    "bench": ("_bench", "accuracy figures against simulated ground truth"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for ``command`` (a name of ``_COMMANDS``, or None): its module registers it
    whole, every other command is a bare entry for the listing and for argparse's choices."""
    parser = argparse.ArgumentParser(
        prog="anklet",
        description="Ankle joint angles, gait events and mobility flags from shank and foot IMUs.",
    )
    parser.add_argument("--version", action="version", version=f"anklet {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    if command in _COMMANDS:
        importlib.import_module(f"anklet.cli.{_COMMANDS[command][0]}").add_parser(subparsers)
    for name, (_, summary) in _COMMANDS.items():
        if name not in subparsers.choices:
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
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
