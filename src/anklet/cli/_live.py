"""``anklet live`` and ``anklet scan``: real (or virtual) BLE sensors through the live pipeline.

``live --config FILE`` connects the sensors a session config names (an allowlist: nothing else
is ever connected); ``live --virtual SCENARIO`` first starts the simulator's sensors as virtual
BLE peripherals (``anklet.sim.bluez``) and connects to them the same way, through bleak, so the
whole stack runs without hardware. ``anklet demo --ble`` is the latter with demo's options.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from anklet.calibration import CalibrationParams
from anklet.cli._args import positive_float
from anklet.cli._publish import add_mqtt_arguments, publication_of
from anklet.cli._readout import Readout, print_json, run_shown, stream
from anklet.cli._record import add_record_argument, compact_steps, make_recorder, recorded
from anklet.errors import TransportError
from anklet.gait import ACTIVITIES, AthleteProfile, live_gait, load_athlete
from anklet.mqtt import Publication
from anklet.pipeline import AngleParams, LiveParams, LivePipeline
from anklet.recording import Recorder, SessionInfo
from anklet.sim import SimulatedSession, load_scenario, simulate
from anklet.transport import BleakTransport, SessionConfig, load_session_config, scan_sensors

if TYPE_CHECKING:
    from anklet.sim.bluez import VirtualFleet


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    live = subparsers.add_parser(
        "live",
        description="Connect the session's sensors over Bluetooth LE and show what a coach would see.",
    )
    source = live.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", metavar="FILE", help="session config TOML: which sensor is which (see calibration/)")
    source.add_argument("--virtual", metavar="SCENARIO", help="virtual BLE sensors playing a simulator scenario")
    live.add_argument("--activity", choices=ACTIVITIES, default="running",
                      help="what the athlete does, with --config (default running; --virtual: the scenario's)")
    live.add_argument("--athlete", metavar="FILE", help="athlete profile TOML (default: calibration/ defaults)")
    live.add_argument("--duration", type=positive_float, metavar="S", help="stop after this long, s")
    live.add_argument("--seed", type=int, default=0, help="random seed of the virtual sensors (default 0)")
    live.add_argument("--scan-timeout", type=positive_float, default=10.0, metavar="S",
                      help="how long to look for the sensors, s (default 10)")
    live.add_argument("--headless", action="store_true", help="print JSON-lines messages on stdout")
    add_record_argument(live)
    add_mqtt_arguments(live)
    live.set_defaults(handler=_run_live)

    scan = subparsers.add_parser(
        "scan", description="List the anklet sensors advertising nearby."
    )
    scan.add_argument("--timeout", type=positive_float, default=5.0, metavar="S", help="how long to listen, s (default 5)")
    scan.set_defaults(handler=_run_scan)


def _run_live(args: argparse.Namespace) -> int:
    athlete = load_athlete(args.athlete)
    if args.virtual is None:
        config = load_session_config(args.config)
        publication = publication_of(args, config.athlete or athlete.name, station=config.station, config=args.config)
        session = None
    else:
        publication = publication_of(args, athlete.name)
        session = simulate(load_scenario(args.virtual), seed=args.seed, duration_s=args.duration)
    show = print_json if args.headless else Readout()
    recorder = make_recorder(args.record, show, compact_steps(args))

    async def main() -> None:
        if session is None:
            await stream_ble(config, args.activity, athlete, show, duration_s=args.duration,
                             scan_timeout_s=args.scan_timeout, recorder=recorder, source=f"anklet live --config {args.config}",
                             publication=publication)
        else:
            await stream_virtual_ble(session, athlete, show, scan_timeout_s=args.scan_timeout, recorder=recorder,
                                     publication=publication)

    activity = args.activity if session is None else session.scenario.kind
    run_shown(main(), show, athlete, activity=activity, recorder=recorder)
    return 0


@contextlib.asynccontextmanager
async def virtual_fleet(session: SimulatedSession) -> AsyncIterator[VirtualFleet]:
    """The simulated ``session``'s sensors as virtual BLE peripherals, with the loss and
    disconnects its scenario's ``[link]`` asks for."""
    from anklet.sim.bluez import VirtualFleet, scenario_faults  # bumble and dbus-daemon: only for virtual sensors

    # bleak warns when a BlueZ goes away; the fleet's stand-in does so on purpose at the end
    logging.getLogger("bleak.backends.bluezdbus.manager").setLevel(logging.ERROR)
    # the stand-in's radio warns of a notification in flight when the host unsubscribes
    logging.getLogger("bumble.gatt_client").setLevel(logging.ERROR)
    async with VirtualFleet(session, faults=scenario_faults(session)) as fleet:
        yield fleet


async def stream_virtual_ble(
    session: SimulatedSession,
    athlete: AthleteProfile,
    show: Callable[[dict[str, Any]], None],
    *,
    scan_timeout_s: float = 10.0,
    recorder: Recorder | None = None,
    publication: Publication | None = None,
) -> None:
    """The simulated ``session``'s sensors as virtual BLE peripherals, with the loss and
    disconnects its scenario's ``[link]`` asks for, streamed through bleak into the live
    pipeline until they have played everything (and published to ``publication``'s broker)."""
    async with virtual_fleet(session) as fleet:
        config = SessionConfig.of(fleet.serials, source="the virtual sensors")
        played = asyncio.gather(*(peripheral.wait_played() for peripheral in fleet.peripherals.values()))
        await stream_ble(
            config, session.scenario.kind, athlete, show, until=played, scan_timeout_s=scan_timeout_s, recorder=recorder,
            title=session.scenario.name, source=f"virtual BLE sensors: scenario {session.scenario.name}, seed {session.seed}",
            publication=publication,
        )


async def stream_ble(
    config: SessionConfig,
    activity: str,
    athlete: AthleteProfile,
    show: Callable[[dict[str, Any]], None],
    *,
    duration_s: float | None = None,
    until: asyncio.Future[Any] | None = None,
    scan_timeout_s: float = 10.0,
    recorder: Recorder | None = None,
    title: str = "",
    source: str = "anklet live",
    publication: Publication | None = None,
) -> None:
    """Connect ``config``'s sensors and stream them through the live pipeline and its gait
    stage, showing every message (and recording them with ``recorder``, whose session is
    described once the sensors are connected; and publishing them to ``publication``'s
    broker), until ``duration_s`` has passed, ``until`` is done, or the user interrupts."""
    transport = BleakTransport(config, scan_timeout_s=scan_timeout_s)
    async with transport:
        rate_hz = _sample_rate_hz(transport)
        pipeline = session_pipeline(config.roles, rate_hz, athlete, activity, transport.health)
        if recorder is not None:
            recorder.begin(SessionInfo(
                tuple(pipeline.sensors), activity, athlete, rate_hz, title=title or config.station,
                source=source, sensor_info=transport.health(),
            ))
        if duration_s is not None:
            asyncio.get_running_loop().call_later(duration_s, transport.close)
        if until is not None:
            until.add_done_callback(lambda _: transport.close())
        try:
            await stream(pipeline, lambda: pipeline.consume(recorded(transport, recorder, pipeline)), show, publication)
        finally:
            if recorder is not None:
                recorder.end()  # the file is finished while the view may still show the session


def session_pipeline(
    sensors: list[str],
    rate_hz: float,
    athlete: AthleteProfile,
    activity: str,
    health: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None,
) -> LivePipeline:
    """The live pipeline of a session of ``activity`` (``demo``, ``live``, ``replay``): its
    gait stage judged by ``athlete``'s thresholds, calibration told the activity."""
    return LivePipeline(sensors, live_params(activity), stages=[live_gait(rate_hz, athlete, activity)], health=health)


def live_params(activity: str) -> LiveParams:
    """The live pipeline's settings for ``activity``: it tells calibration's swap check which of
    its rules hold."""
    return LiveParams(angles=AngleParams(calibration=CalibrationParams(activity=activity)))


def _sample_rate_hz(transport: BleakTransport) -> float:
    """The sensors' common sample rate, from the status each reported on connecting."""
    rates = {entry.get("rate_hz") for entry in transport.health().values()}
    if len(rates) != 1 or None in rates:
        raise TransportError(f"the sensors must all sample at one rate; they report {sorted(map(str, rates))} Hz")
    return float(rates.pop())


def _run_scan(args: argparse.Namespace) -> int:
    sensors = asyncio.run(scan_sensors(args.timeout))
    if not sensors:
        print(f"no anklet sensor heard in {args.timeout:g} s (are they charged and awake, and Bluetooth on?)")
        return 0
    print(f"{'serial':<10} {'address':<17} {'RSSI':>8}")
    for sensor in sensors:
        print(f"{sensor.serial or '?':<10} {sensor.address:<17} {sensor.rssi_dbm:>4} dBm")
    return 0
