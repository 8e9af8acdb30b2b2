"""The BLE host under load: 4 virtual sensors at 1 kHz through unchanged bleak, in real time.

Usage: .venv/bin/python benchmarks/bench_ble.py [duration_s] [repeats] [bleak|live]
(default 60 s, 3 repeats, both configurations; naming one runs only it, e.g. under a profiler)

Where the CPU goes: run one configuration under py-spy, then break its samples down by part
(``breakdown``; CPU_PCT, the process's figure from that run, turns shares into % of a core):

    .venv/bin/py-spy record --native -r 100 -f raw -o live.txt -- .venv/bin/python benchmarks/bench_ble.py 60 1 live
    .venv/bin/python benchmarks/bench_ble.py breakdown live.txt CPU_PCT

fast_forefoot (4 sensors, 1 kHz, 19 samples per packet) played by ``VirtualFleet`` (bumble
peripherals, the BlueZ stand-in, a private dbus-daemon) and received by ``BleakTransport``,
for ``duration_s`` of real time from the end of connecting (at least 30 s: the live stack
calibrates about 25 s in). Two configurations:

- bleak: the transport's notifications drained and counted, nothing else;
- live stack: the transport consumed by ``LivePipeline`` with the running gait stage, as
  ``anklet live --virtual`` does.

Per run, over that window:

- throughput: data notifications per second notified by the peripherals, and how many of
  them reached the host; the transport's queue drops;
- latency: from the peripheral's call of bumble's ``notify_subscribers`` to the transport's
  stamp (``host_time_s``, taken in the bleak callback just before enqueueing). Peripherals
  and host share one process and one event loop, so both are ``loop.time()``; the transport's
  session clock is ``loop.time()`` minus its start, recovered from ``session_time_s()``;
- backlog: the transport queue's length at every whole second, rebuilt from each
  notification's stamp and the moment the consumer took it (length = stamped - taken), and
  the lag of each arrival behind its packet's due time (the firmware's send time after the
  peripheral's stream start), first 10 s against last 10 s: a loop that cannot keep up
  shows as a growing queue or a growing lag;
- CPU: this process (peripherals, stand-in, bleak, transport and pipeline together) and the
  private dbus-daemon, each in % of one core, over the window and its last 10 s;
- live stack only: angles messages after calibration, and handled - arrival per notification
  (as benchmarks/bench_pipeline.py measures it).

The bleak runs also give the connect time (scan, connect and subscribe 4 sensors) and, once
the window is over, a reconnect: one peripheral drops its link and advertises again at once;
the time from its ``down`` to its ``up`` in the stream.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bumble.device import Device

from anklet.cli._live import live_params
from anklet.gait import live_gait, load_athlete
from anklet.pipeline import LivePipeline
from anklet.sim import SimulatedSession, load_scenario, simulate
from anklet.sim.bluez import VirtualFleet
from anklet.transport import BleakTransport, Notification, SessionConfig

SCENARIO = "fast_forefoot"
SETTLE_S = 0.5  # after the window, before any link changes: the window's last packets have arrived by then
KILLED = "right_foot"
EDGE_S = 10.0  # first and last seconds of the window compared for lag
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


class NotifyClock:
    """Loop time at which each data packet was handed to bumble's ``notify_subscribers``, by sensor
    and packet index (NaN: never notified). Found by payload: every packet of the session differs."""

    def __init__(self, session: SimulatedSession) -> None:
        self._where = {
            payload: (name, i)
            for name, sensor in session.sensors.items()
            for i, payload in enumerate(sensor.firmware.data.payloads)
        }
        if len(self._where) != sum(len(sensor.firmware.data.payloads) for sensor in session.sensors.values()):
            raise ValueError("two data packets of the session are equal: payloads cannot tell them apart")
        self.times = {name: np.full(len(sensor.firmware.data.payloads), np.nan) for name, sensor in session.sensors.items()}

    def where(self, payload: bytes) -> tuple[str, int]:
        return self._where[payload]

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap bumble's notify for the block: the peripheral is not ours to change, and this is
        the last moment on its side before the packet enters the virtual link."""
        original = Device.notify_subscribers

        async def notify(device: Device, attribute, value=None, force: bool = False) -> None:  # noqa: ANN001
            if (where := self._where.get(value)) is not None:
                self.times[where[0]][where[1]] = asyncio.get_running_loop().time()
            await original(device, attribute, value, force)

        Device.notify_subscribers = notify
        try:
            yield
        finally:
            Device.notify_subscribers = original


@dataclass
class Received:
    """Every notification the consumer took: its stamp, when it was taken and (live stack) when
    its handling ended, all in session seconds."""

    notifications: list[Notification] = field(default_factory=list)
    taken_s: list[float] = field(default_factory=list)
    handled_s: list[float] = field(default_factory=list)
    killed_down: bool = False
    reconnected: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, notification: Notification, taken_s: float) -> None:
        self.notifications.append(notification)
        self.taken_s.append(taken_s)
        if notification.channel == "connection" and notification.sensor == KILLED:  # its first "up" is from connecting
            if notification.payload == b"down":
                self.killed_down = True
            elif self.killed_down:
                self.reconnected.set()


class _TimedPipeline(LivePipeline):
    """The live pipeline, noting when it took each notification and when it was done with it."""

    def __init__(self, transport: BleakTransport, received: Received, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.transport = transport
        self.received = received

    def handle(self, notification: Notification) -> None:
        self.received.take(notification, self.transport.session_time_s())
        super().handle(notification)
        self.received.handled_s.append(self.transport.session_time_s())


def _dbus_daemon_pid() -> int | None:
    """The fleet's dbus-daemon: this process's child of that name (None if not found)."""
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            if Path(f"/proc/{pid}/comm").read_text().strip() == "dbus-daemon":
                return int(pid)
    return None


def _cpu_s(pid: int | None) -> float:
    """User + system CPU of process ``pid`` so far, s (NaN if unknown)."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_S  # utime, stime: fields 14 and 15 of stat


async def _sample_every_second(transport: BleakTransport, daemon: int | None, samples: list) -> None:
    """(session s, process CPU s, dbus-daemon CPU s) now and at every whole second after."""
    start_s = transport.session_time_s()
    for k in itertools.count():
        await asyncio.sleep(start_s + k - transport.session_time_s())
        samples.append((transport.session_time_s(), time.process_time(), _cpu_s(daemon)))


async def one_run(session: SimulatedSession, duration_s: float, whole_stack: bool) -> dict[str, float]:
    clock = NotifyClock(session)
    received = Received()
    messages: list[dict] = []
    samples: list[tuple[float, float, float]] = []
    # bleak warns when a BlueZ goes away; the fleet's stand-in does so on purpose at the end
    logging.getLogger("bleak.backends.bluezdbus.manager").setLevel(logging.ERROR)
    # the killed link's notifications still in flight when it drops
    logging.getLogger("bumble.gatt_client").setLevel(logging.ERROR)
    with clock.installed():
        async with VirtualFleet(session) as fleet:
            daemon = _dbus_daemon_pid()
            config = SessionConfig.of(fleet.serials)
            transport = BleakTransport(config)
            async with transport:
                loop = asyncio.get_running_loop()
                start_s = loop.time() - transport.session_time_s()  # the transport's session clock, in loop time
                window = (transport.session_time_s(), transport.session_time_s() + duration_s)
                sampler = asyncio.create_task(_sample_every_second(transport, daemon, samples))
                reconnect: dict[str, float] = {}
                stopper = asyncio.create_task(_stop(transport, fleet, received, window[1] + SETTLE_S, reconnect, not whole_stack))
                if whole_stack:
                    pipeline = _TimedPipeline(
                        transport, received, config.roles, live_params("running"),
                        stages=[live_gait(session.sample_rate_hz, load_athlete(), "running")], health=transport.health,
                    )
                    counter = asyncio.create_task(_keep(pipeline.subscribe(), transport, messages))
                    await pipeline.consume(transport)
                    await counter
                else:
                    async for notification in transport.notifications():
                        received.take(notification, transport.session_time_s())
                await stopper
                sampler.cancel()
                dropped, connect_s = transport.dropped_, transport.connect_s_
            notified = {name: peripheral.notified_packets_ for name, peripheral in fleet.peripherals.items()}
    if any(np.count_nonzero(~np.isnan(clock.times[name])) != n for name, n in notified.items()):
        raise RuntimeError("the notify clock missed packets the peripherals counted")
    figures = _figures(session, clock, received, start_s, window, samples)
    figures |= {"dropped": dropped, "connect_s": connect_s} | reconnect
    if whole_stack:
        figures |= _stack_figures(received, messages, window)
    return figures


async def _stop(
    transport: BleakTransport, fleet: VirtualFleet, received: Received, at_s: float, reconnect: dict, kill: bool
) -> None:
    """At ``at_s`` (session s) end the stream; without the pipeline, first time a reconnect."""
    await asyncio.sleep(at_s - transport.session_time_s())
    if not kill:
        transport.close()
        return
    killed_s = transport.session_time_s()
    await fleet.peripherals[KILLED].kill_link()
    try:
        async with asyncio.timeout(15):
            await received.reconnected.wait()
    except TimeoutError:
        print(f"  {KILLED} did not come back within 15 s")
    transport.close()
    link = [n for n in received.notifications if n.sensor == KILLED and n.channel == "connection" and n.host_time_s > killed_s]
    times = {n.payload: n.host_time_s for n in link}
    if b"down" in times and b"up" in times:
        reconnect |= {"down_after_kill_s": times[b"down"] - killed_s, "reconnect_s": times[b"up"] - times[b"down"]}


async def _keep(subscription, transport: BleakTransport, messages: list[dict]) -> None:  # noqa: ANN001
    """Every message the pipeline publishes, with the session time it was read."""
    async for message in subscription:
        messages.append(message | {"read_s": transport.session_time_s()})


def _figures(
    session: SimulatedSession, clock: NotifyClock, received: Received, start_s: float,
    window: tuple[float, float], samples: list[tuple[float, float, float]],
) -> dict[str, float]:
    """Throughput, latency, backlog and CPU of one run's window (``window``: session s)."""
    stamped = np.array([n.host_time_s for n in received.notifications])
    taken = np.array(received.taken_s)
    arrived = {name: np.full(len(times), np.nan) for name, times in clock.times.items()}
    for notification in received.notifications:
        if notification.channel == "data":
            name, i = clock.where(notification.payload)
            arrived[name][i] = notification.host_time_s
    latency, notified_at, lag, lag_first, lag_last, notified, delivered = [], [], [], [], [], 0, 0
    for name, notify_loop in clock.times.items():
        notify_s = notify_loop - start_s
        in_window = (notify_s >= window[0]) & (notify_s < window[1])
        notified += np.count_nonzero(in_window)
        got = in_window & ~np.isnan(arrived[name])
        delivered += np.count_nonzero(got)
        latency.append(arrived[name][got] - notify_s[got])
        notified_at.append(notify_s[got])
        send_s = session.sensors[name].firmware.data.send_time_s
        # The peripheral plays in real time from its stream start and never notifies early, so
        # that start is the earliest notify time less its packet's send time.
        played_s = send_s - send_s[0]
        due_s = np.nanmin(notify_s - played_s) + played_s
        lag.append(arrived[name][got] - due_s[got])
        lag_first.append((due_s[got] < window[0] + EDGE_S))
        lag_last.append((due_s[got] >= window[1] - EDGE_S))
    latency_ms, notified_s, lag_ms = 1e3 * np.concatenate(latency), np.concatenate(notified_at), 1e3 * np.concatenate(lag)
    lag_first_ms, lag_last_ms = lag_ms[np.concatenate(lag_first)], lag_ms[np.concatenate(lag_last)]
    seconds = window[0] + np.arange(1, int(window[1] - window[0]) + 1)
    stamped, taken = np.sort(stamped), np.sort(taken)
    queue = np.searchsorted(stamped, seconds, "right") - np.searchsorted(taken, seconds, "right")
    in_window = stamped[(stamped >= window[0]) & (stamped < window[1])]
    queue_peak = np.searchsorted(stamped, in_window, "right") - np.searchsorted(taken, in_window, "right")  # at each arrival
    wall, cpu, daemon_cpu = np.array(samples[: int(window[1] - window[0]) + 1]).T
    span_s = wall[-1] - wall[0]
    return {
        "notified_per_s": notified / (window[1] - window[0]),
        "delivered_per_s": delivered / (window[1] - window[0]),
        "undelivered": notified - delivered,
        "latency_p50_ms": np.median(latency_ms),
        "latency_p99_ms": np.percentile(latency_ms, 99),
        "latency_last10_p99_ms": np.percentile(latency_ms[notified_s >= window[1] - EDGE_S], 99),
        "latency_max_ms": latency_ms.max(),
        "latency_max_at_s": notified_s[latency_ms.argmax()] - window[0],
        "queue_max": queue.max(),
        "queue_peak": queue_peak.max(),
        "queue_first10_max": queue[: int(EDGE_S)].max(),
        "queue_last10_max": queue[-int(EDGE_S):].max(),
        "lag_first10_p50_ms": np.median(lag_first_ms),
        "lag_first10_p99_ms": np.percentile(lag_first_ms, 99),
        "lag_first10_max_ms": lag_first_ms.max(),
        "lag_last10_p50_ms": np.median(lag_last_ms),
        "lag_last10_p99_ms": np.percentile(lag_last_ms, 99),
        "lag_last10_max_ms": lag_last_ms.max(),
        "cpu_pct": 100 * (cpu[-1] - cpu[0]) / span_s,
        "cpu_last10_pct": 100 * (cpu[-1] - cpu[-1 - int(EDGE_S)]) / (wall[-1] - wall[-1 - int(EDGE_S)]),
        "dbus_cpu_pct": 100 * (daemon_cpu[-1] - daemon_cpu[0]) / span_s,
    }


def _stack_figures(received: Received, messages: list[dict], window: tuple[float, float]) -> dict[str, float]:
    """Angles after calibration, and handled - arrival per notification (whole window, and from
    the first angles message on: calibration holds notifications in the queue for a moment)."""
    stamped = np.array([n.host_time_s for n in received.notifications])
    handled = np.array(received.handled_s)
    in_window = (stamped >= window[0]) & (stamped < window[1])
    angles = [m for m in messages if m["type"] == "angles"]
    first_angles_s = angles[0]["read_s"] if angles else np.inf
    last10 = [m for m in angles if window[1] - EDGE_S <= m["read_s"] < window[1]]
    handling_ms = 1e3 * (handled - stamped)
    calibrated = handling_ms[in_window & (stamped > first_angles_s)]
    return {
        "first_angles_s": first_angles_s - window[0],
        "angles_last10_per_s": len(last10) / EDGE_S,
        "angles_last10_behind_s": np.median([m["read_s"] - m["t"] for m in last10]) if last10 else np.nan,
        "events": sum(m["type"] == "event" for m in messages),
        "strides": sum(m["type"] == "stride" for m in messages),
        "handled_p50_ms": np.median(handling_ms[in_window]),
        "handled_p99_ms": np.percentile(handling_ms[in_window], 99),
        "handled_max_ms": handling_ms[in_window].max(),
        "handled_calibrated_p99_ms": np.percentile(calibrated, 99) if len(calibrated) else np.nan,
        "handled_calibrated_max_ms": calibrated.max() if len(calibrated) else np.nan,
    }


def report(title: str, runs: list[dict[str, float]]) -> None:
    def m(key: str) -> float:
        return float(np.median([run.get(key, np.nan) for run in runs]))

    def span(key: str, fmt: str) -> str:
        values = [run.get(key, np.nan) for run in runs]
        return f"{m(key):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"

    print(f"{title}: medians of {len(runs)} runs (min-max)")
    print(f"  data notifications/s: notified {span('notified_per_s', '.1f')}, delivered {span('delivered_per_s', '.1f')}; "
          f"undelivered {span('undelivered', '.0f')}, queue drops {span('dropped', '.0f')}")
    print(f"  notify -> host stamp: p50 {span('latency_p50_ms', '.2f')} ms, p99 {span('latency_p99_ms', '.2f')} ms, "
          f"max {span('latency_max_ms', '.1f')} ms at {span('latency_max_at_s', '.1f')} s into the window")
    print(f"  queue length at whole seconds: max {span('queue_max', '.0f')}, first 10 s max {span('queue_first10_max', '.0f')}, "
          f"last 10 s max {span('queue_last10_max', '.0f')}; peak at any arrival {span('queue_peak', '.0f')}")
    print(f"  notify -> host stamp, last 10 s: p99 {span('latency_last10_p99_ms', '.2f')} ms")
    for edge in ("first", "last"):
        print(f"  lag behind due time, {edge} 10 s: p50 {span(f'lag_{edge}10_p50_ms', '.2f')}, "
              f"p99 {span(f'lag_{edge}10_p99_ms', '.2f')}, max {span(f'lag_{edge}10_max_ms', '.1f')} ms")
    print(f"  CPU: process {span('cpu_pct', '.1f')} % of one core (last 10 s {span('cpu_last10_pct', '.1f')} %), "
          f"dbus-daemon {span('dbus_cpu_pct', '.1f')} %")
    print(f"  connect 4 sensors {span('connect_s', '.2f')} s")
    if "reconnect_s" in runs[0]:
        print(f"  reconnect (link dropped, advertising at once): down {span('down_after_kill_s', '.3f')} s after the kill, "
              f"up {span('reconnect_s', '.2f')} s after down")
    if "handled_p99_ms" in runs[0]:
        print(f"  first angles {span('first_angles_s', '.1f')} s into the window; angles messages in the last 10 s "
              f"{span('angles_last10_per_s', '.1f')}/s, read {span('angles_last10_behind_s', '.3f')} s after their t; events {span('events', '.0f')}, strides {span('strides', '.0f')}")
        print(f"  arrival -> handled: p50 {span('handled_p50_ms', '.2f')} ms, p99 {span('handled_p99_ms', '.2f')} ms, "
              f"max {span('handled_max_ms', '.0f')} ms; after the first angles p99 {span('handled_calibrated_p99_ms', '.2f')} ms, "
              f"max {span('handled_calibrated_max_ms', '.1f')} ms")


# --- where the CPU goes: py-spy's raw samples by part --------------------------------------
PARTS = [  # (part, pattern on a frame "function (file:line)"), tried from the innermost frame out
    ("benchmark's own bookkeeping", r"bench_ble\.py"),
    ("calibration (the worker thread)", r"anklet/calibration/"),
    ("fusion: orientation, ankle angles, declipping, accelerometer flexion", r"anklet/fusion/|anklet/pipeline/_angles\.py|vqf"),
    ("gait stage: events, strides, flags", r"anklet/gait/"),
    ("per-sensor link: decode, clock sync, sequence", r"anklet/pipeline/_link\.py|anklet/timing/|anklet/protocol/"),
    ("grid", r"anklet/pipeline/_grid\.py"),
    ("pipeline: angles and status messages, dispatch", r"anklet/pipeline/|anklet/files/"),
    ("our notify callback and the transport's queue", r"anklet/transport/"),
    ("bleak: BlueZ manager, signals to callbacks", r"bleak/|bleak_retry_connector/"),
    ("dbus-fast: reading and unmarshalling", r"dbus_fast/aio/message_reader|dbus_fast/_private/unmarshaller"),
    ("dbus-fast: marshalling and sending (bleak's calls)", r"dbus_fast/"),
    ("virtual peripherals: firmware playback", r"anklet/sim/bluez/_peripheral\.py"),
    ("BlueZ stand-in", r"anklet/sim/bluez/"),
    ("bumble: formatting every HCI packet for a debug line that is off", r"bumble/colors\.py|HCI_\w+\.__str__|format_fields"),
    ("bumble: the radios (peripherals' and stand-in's), virtual link, HCI, ATT", r"bumble/|pyee/"),
    ("event loop: scheduling, selector, tasks", r"asyncio/|_asynciomodule\.c|selectors\.py"),
    ("worker thread hand-offs", r"threading\.py|concurrent/futures"),
    ("Python's garbage collector", r"gc_collect"),
]
# Frames that only work for their caller (numpy, the C library, asyncio's queues and events):
# their time counts for the caller. dbus-fast's and the collector's compiled frames are parts.
_FOR_CALLER = re.compile(r"anklet/geometry\.py|asyncio/(queues|locks)\.py|numpy/|scipy/|libc|libpython|dataclasses\.py"
                         r"|logging/|typing\.py|abc\.py|functools\.py|enum\.py|copy\.py|weakref\.py|\.so\)|^0x")
# A thread waiting: py-spy --native samples waits too
_WAITING = re.compile(r"epoll_wait|wait4|_queue_SimpleQueue_get|pthread_cond_timedwait|PyThread_acquire_lock_timed|sem_wait")
_STAND_IN = re.compile(r"anklet/sim/bluez/_(standin|adapter|device|gatt|link)\.py")


def _part(frames: list[str]) -> str:
    for frame in reversed(frames):
        if _FOR_CALLER.search(frame) and "dbus_fast" not in frame and "gc_collect" not in frame:
            continue
        for part, pattern in PARTS:
            if not re.search(pattern, frame):
                continue
            if part.startswith("dbus-fast: marshalling") and any(_STAND_IN.search(f) for f in frames):
                return "BlueZ stand-in: its PropertiesChanged signals (dbus-fast marshalling, socket send)"
            if part.startswith("per-sensor link") and any("anklet/pipeline/_grid.py" in f for f in frames):
                return "grid"  # its interpolation lives in anklet.timing
            return part
    return "other"


def breakdown(raw_path: str, cpu_pct: float | None) -> None:
    """Print the share of py-spy's raw samples (``-f raw``) of one run per part, setting aside
    imports and the simulation before it, and threads waiting."""
    parts, setup, waiting = collections.Counter(), 0, 0
    for line in Path(raw_path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        module = any(f.startswith("<module> (bench_ble.py") for f in frames)
        runs = any(f.startswith("<listcomp> (bench_ble.py") for f in frames)  # the runs' list comprehension
        if any("importlib" in f for f in frames) or (module and not runs):
            setup += int(count)
        elif any(_WAITING.search(f) for f in frames[-4:]):
            waiting += int(count)
        else:
            parts[_part(frames)] += int(count)
    work = sum(parts.values())
    print(f"{raw_path}: {work} samples of work ({setup} before the run, {waiting} of threads waiting set aside)")
    for part, count in parts.most_common():
        core = f"{cpu_pct * count / work:5.1f} % of a core  " if cpu_pct is not None else ""
        print(f"  {100 * count / work:5.1f} %  {core}{part}")


if __name__ == "__main__" and sys.argv[1:2] == ["breakdown"]:
    breakdown(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else None)
elif __name__ == "__main__":
    duration_s = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    # long enough for the window, the settling and a reconnect after it
    only = sys.argv[3] if len(sys.argv) > 3 else None
    session = simulate(load_scenario(SCENARIO), seed=0, duration_s=duration_s + 20.0)
    for title, whole_stack in (("bleak alone", False), ("live stack", True)):
        if only is not None and only != ("live" if whole_stack else "bleak"):
            continue
        report(f"{SCENARIO}, {duration_s:g} s, {title}",
               [asyncio.run(one_run(session, duration_s, whole_stack)) for _ in range(repeats)])
