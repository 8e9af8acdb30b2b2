"""``anklet simulate SCENARIO --out DIR``: IMU CSV and ground truth of a simulated session."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from anklet.cli._args import positive_float
from anklet.sim import load_scenario, simulate, write_simulation


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        description="Simulate a scenario (a name from simulator/ or a TOML file) and write the "
        "anklet IMU CSV and the truth_ result files into DIR.",
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario name or TOML file")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--duration", type=positive_float, metavar="S", help="session length, s")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    session = simulate(load_scenario(args.scenario), seed=args.seed, duration_s=args.duration)
    paths = write_simulation(session, args.out)
    elapsed = time.perf_counter() - started
    print(
        f"simulated {session.scenario.name} ({session.duration_s:.0f} s, "
        f"{len(session.sensors)} sensors at {session.sample_rate_hz:.0f} Hz, seed {args.seed}) "
        f"in {elapsed:.1f} s: {', '.join(path.name for path in paths)} in {args.out}"
    )
    return 0
