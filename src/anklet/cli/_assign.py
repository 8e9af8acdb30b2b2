"""``anklet assign SERIAL ... --out FILE``: tap the sensors in turn to say which is where.

It connects exactly the sensors named (an allowlist, as always), asks for the roles in order
(left shank, left foot, right shank, right foot; as many as there are sensors), gives each
the sensor tapped when it was asked for (``anklet.transport.RoleAssignment``) and writes the
session config for ``anklet live --config``. ``--virtual`` does the same with the simulator's
sensors as virtual BLE peripherals, tapped as the scenario (``tap_roles``) says.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path

from anklet.cli._args import positive_float
from anklet.cli._live import virtual_fleet
from anklet.errors import ValidationError
from anklet.sim import SimulatedSession, load_scenario, simulate
from anklet.transport import BleakTransport, RoleAssignment, SessionConfig, session_config_toml


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assign",
        description="Connect the sensors named, ask for a tap on each role's sensor in turn and "
        "write the session config (which sensor is where) for `anklet live --config`.",
    )
    parser.add_argument("serials", nargs="*", metavar="SERIAL", help="the sensors to assign (serial or BLE address), 1-4")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="session config TOML to write")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument("--station", default="", metavar="NAME", help="station label for the config")
    parser.add_argument("--athlete", default="", metavar="NAME", help="athlete label for the config")
    parser.add_argument("--timeout", type=positive_float, default=30.0, metavar="S",
                        help="how long to wait for each tap, s (default 30)")
    parser.add_argument("--scan-timeout", type=positive_float, default=10.0, metavar="S",
                        help="how long to look for the sensors, s (default 10)")
    parser.add_argument("--virtual", nargs="?", const="tap_roles", metavar="SCENARIO",
                        help="virtual BLE sensors tapped as a simulator scenario says (default tap_roles)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the virtual sensors (default 0)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if (args.virtual is None) == (not args.serials):
        raise ValidationError("name the sensors to assign (anklet assign SERIAL ... --out FILE) or give --virtual, not both")
    if args.out.exists() and not args.force:
        raise ValidationError(f"{args.out} exists; give --force to overwrite it")
    if not args.out.parent.is_dir():  # found out now, not after every sensor was tapped
        raise ValidationError(f"cannot write {args.out}: there is no folder {args.out.parent}")
    say = partial(print, flush=True)
    assign = partial(assign_over_ble, timeout_s=args.timeout, scan_timeout_s=args.scan_timeout, say=say)
    if args.virtual is None:
        assignment = asyncio.run(assign(args.serials))
    else:
        session = simulate(load_scenario(args.virtual), seed=args.seed)
        assignment = asyncio.run(_assign_virtual(session, assign))
    config = assignment.config(station=args.station, athlete=args.athlete)
    try:
        with open(args.out, "w" if args.force else "x", encoding="utf-8") as handle:
            handle.write(session_config_toml(config))
    except OSError as exc:
        raise ValidationError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    say(f"wrote {args.out}; use it with: anklet live --config {args.out}")
    return 0


async def _assign_virtual(
    session: SimulatedSession, assign: Callable[[Sequence[str]], Awaitable[RoleAssignment]]
) -> RoleAssignment:
    """The simulated session's sensors as virtual BLE peripherals, assigned through bleak."""
    async with virtual_fleet(session) as fleet:
        return await assign(sorted(fleet.serials.values()))


async def assign_over_ble(
    serials: Sequence[str], *, timeout_s: float, scan_timeout_s: float, say: Callable[[str], None]
) -> RoleAssignment:
    """Connect ``serials`` and give each role, in turn, the sensor tapped when ``say`` asked
    for it; NotTappedError if a role waits longer than ``timeout_s``."""
    assignment = RoleAssignment(serials, timeout_s=timeout_s)
    transport = BleakTransport(SessionConfig({serial: serial for serial in serials}), scan_timeout_s=scan_timeout_s)
    async with transport:
        say(f"connected {', '.join(serials)}; the athlete stands still while each sensor is tapped once")
        assignment.begin(transport.session_time_s())
        say(str(assignment.prompt))
        await follow_taps(transport, assignment, say)
    return assignment


async def follow_taps(transport: BleakTransport, assignment: RoleAssignment, say: Callable[[str], None]) -> None:
    """Feed ``transport``'s notifications to ``assignment`` until every role has its sensor,
    telling the user each step; NotTappedError when a role's deadline passes, by a timer if no
    notification comes (the sensors may have fallen silent)."""
    loop = asyncio.get_running_loop()

    def when() -> float:  # the role's deadline on the loop's clock
        return loop.time() + (assignment.deadline_s or 0.0) - transport.session_time_s()

    try:
        async with asyncio.timeout_at(when()) as timer:
            async for notification in transport.notifications():
                step = assignment.update(notification)
                if step is None:
                    continue
                say(str(step))
                if assignment.prompt is None:
                    return
                say(assignment.prompt)
                timer.reschedule(when())  # a new role was asked for, or the same again
    except TimeoutError:
        pass
    assignment.time_out()
