"""``anklet watch --mqtt URL [--station PATTERN] [--headless] [--duration S]``: every station's
athletes from an MQTT broker, for the head coach.

In a terminal it opens the multi-station view (``anklet.tui.WatchApp``): a grid with one
panel per athlete. ``--headless`` (or piped into another program) prints each message received
as one JSON line, in DESIGN.md's form with its ``station`` and ``athlete``, for tools and tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

from anklet.cli._args import positive_float
from anklet.cli._readout import print_json
from anklet.gait import load_athlete
from anklet.mqtt import PASSWORD_ENV, broker_messages, parse_broker_url


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "watch",
        description="Show every athlete that stations publish to an MQTT broker (anklet demo/live/replay --mqtt).",
    )
    parser.add_argument("--mqtt", required=True, metavar="URL",
                        help=f"the broker: mqtt://host:1883 or mqtts://user@host:8883 (the password from {PASSWORD_ENV})")
    parser.add_argument("--station", default="*", metavar="PATTERN", help="only stations matching this pattern (e.g. 'treadmill-*')")
    parser.add_argument("--athlete", metavar="FILE", help="athlete profile TOML whose thresholds judge everyone (default: calibration/ defaults)")
    parser.add_argument("--headless", action="store_true", help="print the messages received as JSON lines on stdout")
    parser.add_argument("--duration", type=positive_float, metavar="S", help="with --headless: stop after this long, s")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    broker = parse_broker_url(args.mqtt)
    athlete = load_athlete(args.athlete)
    if args.headless or not sys.stdout.isatty():
        try:
            asyncio.run(_print_all(broker_messages(broker, args.station), args.duration))
        except BrokenPipeError:  # the reader went away (e.g. piped into head): not an error
            sys.stderr.close()
        return 0
    from anklet.tui import WatchApp, warnings_as_notices  # textual loads only for a terminal

    app = WatchApp(broker_messages(broker, args.station), athlete, title=broker.display())
    with warnings_as_notices(app):
        app.run()
    if app.error_ is not None:
        raise app.error_
    return 0


async def _print_all(messages: AsyncIterator[dict[str, Any]], duration_s: float | None) -> None:
    """Print ``messages`` as they come until ``duration_s`` has passed (for ever when None)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(duration_s):
            async for message in messages:
                print_json(message)
