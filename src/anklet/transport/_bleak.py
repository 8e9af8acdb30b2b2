"""The BLE host: anklet sensors over Bluetooth LE through bleak's public API.

``async with BleakTransport(config):`` scans for the anklet service, picks out the sensors of
the session's allowlist by serial (their advertised name) or address, and connects them one
at a time; ``notifications()`` then yields what they send until the transport is closed.
A :class:`SensorSupervisor` per sensor keeps its link up (see ``_supervisor.py``); link
changes come through the same stream as ``connection`` notifications.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from anklet.errors import TransportError
from anklet.protocol import SERVICE_UUID
from anklet.transport._base import Transport
from anklet.transport._notification import Channel, Notification
from anklet.transport._roles import SessionConfig
from anklet.transport._supervisor import BLE_ERRORS, ConnectParams, SensorSupervisor

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FoundSensor:
    """An anklet sensor heard advertising: its serial (advertised name), address and RSSI, dBm."""

    serial: str | None
    address: str
    rssi_dbm: int


async def scan_sensors(timeout_s: float = 5.0) -> list[FoundSensor]:
    """Every anklet sensor advertising within ``timeout_s`` (no connection is made), by address.

    Raises TransportError if the Bluetooth adapter cannot scan.
    """
    try:
        found = await BleakScanner.discover(timeout=timeout_s, service_uuids=[SERVICE_UUID], return_adv=True)
    except BLE_ERRORS as exc:
        raise TransportError(f"cannot scan for sensors: {exc or type(exc).__name__}") from exc
    sensors = [FoundSensor(ad.local_name, device.address, ad.rssi) for device, ad in found.values()]
    return sorted(sensors, key=lambda sensor: sensor.address)


class BleakTransport(Transport):
    """The session's sensors over BLE.

    Parameters
    ----------
    config
        Which sensors to connect, by role (``SessionConfig.of`` or ``load_session_config``).
        It is an allowlist: no other device is ever connected. For sensors without a role yet
        (tap identification) name each by its serial: ``SessionConfig({serial: serial, ...})``.
    scan_timeout_s
        How long to look for the sensors before giving up, s.
    queue_size
        Notifications held for a slow consumer; past it the oldest are dropped (``dropped_``).
    connect
        Connection and reconnection tunables (:class:`ConnectParams`).
    seed
        Seed of the reconnect jitter (None: fresh each run).

    Raises TransportError on entry when a sensor is not found or refuses the session.

    Attributes
    ----------
    dropped_
        Notifications dropped because the queue was full.
    connect_s_
        How long entering took (scan and connecting every sensor), s.
    """

    def __init__(
        self,
        config: SessionConfig,
        *,
        scan_timeout_s: float = 10.0,
        queue_size: int = 10_000,
        connect: ConnectParams | None = None,
        seed: int | None = None,
    ) -> None:
        self.config = config
        self.scan_timeout_s = scan_timeout_s
        self.queue_size = queue_size
        self.connect_params = connect or ConnectParams()
        self.seed = seed
        self.dropped_ = 0
        self.connect_s_: float | None = None
        self._supervisors: dict[str, SensorSupervisor] = {}

    # --- the session -----------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        loop = asyncio.get_running_loop()
        self._loop, self._start_s = loop, loop.time()
        self._queue: asyncio.Queue[Notification | None] = asyncio.Queue(self.queue_size + 1)  # + the end mark
        self._closed = False
        self._radio = asyncio.Lock()  # BlueZ: one scan or LE connect at a time
        self._stack = AsyncExitStack()
        try:
            found = await self._discover()
            rng = random.Random(self.seed)
            for name in self.config.sensors:  # one at a time, in the config's order
                device, rssi = found[name]
                supervisor = SensorSupervisor(
                    name, device, rssi, emit=self._emit, radio=self._radio, params=self.connect_params, rng=rng
                )
                self._supervisors[name] = supervisor
                self._stack.push_async_callback(supervisor.close)
                await supervisor.connect()
            for supervisor in self._supervisors.values():  # all connected first, so that their data start together
                await supervisor.subscribe()
            group = await self._stack.enter_async_context(asyncio.TaskGroup())
            for supervisor in self._supervisors.values():
                self._stack.callback(group.create_task(supervisor.supervise()).cancel)  # cancelled before the group exits
        except BaseException:
            await self._release()
            raise
        self.connect_s_ = loop.time() - self._start_s
        _log.info("%d sensor(s) connected in %.2f s", len(self._supervisors), self.connect_s_)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self._release()

    def close(self) -> None:
        """End ``notifications()`` (from any task): the consumer's loop ends, and leaving the
        ``async with`` block then disconnects the sensors. Safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)  # after everything queued: the consumer gets it all first

    async def _release(self) -> None:
        self.close()
        await self._stack.aclose()  # supervisors cancelled, then each sensor unsubscribed and disconnected

    async def notifications(self) -> AsyncIterator[Notification]:
        while (notification := await self._queue.get()) is not None:
            yield notification

    def session_time_s(self) -> float:
        """The session clock every notification is stamped with: s since the transport was entered."""
        return self._loop.time() - self._start_s

    def health(self) -> dict[str, dict[str, Any]]:
        """Per sensor: serial, address, connected, rssi_dbm (last advertisement heard), mtu,
        rate_hz (from the status read on connecting), reconnects and last_seen_s (host time of
        its last data notification)."""
        return {name: supervisor.health() for name, supervisor in self._supervisors.items()}

    # --- finding the sensors ---------------------------------------------------------------
    async def _discover(self) -> dict[str, tuple[BLEDevice, int]]:
        """Each configured sensor's device and RSSI; TransportError naming those not heard."""
        wanted = self.config.sensors
        found: dict[str, tuple[BLEDevice, int]] = {}
        ignored: set[str] = set()
        everyone = asyncio.Event()

        def heard(device: BLEDevice, advertisement: AdvertisementData) -> None:
            name = self.config.role_of(name=advertisement.local_name, address=device.address)
            if name is None:
                if device.address not in ignored:  # say it once
                    ignored.add(device.address)
                    _log.debug("ignoring %s (%s): not in the session's sensors", device.address, advertisement.local_name)
                return
            found[name] = (device, advertisement.rssi)
            if len(found) == len(wanted):
                everyone.set()

        async with self._radio:
            try:
                async with BleakScanner(heard, service_uuids=[SERVICE_UUID]):
                    async with asyncio.timeout(self.scan_timeout_s):
                        await everyone.wait()
            except TimeoutError:
                pass
            except BLE_ERRORS as exc:
                raise TransportError(f"cannot scan for sensors: {exc or type(exc).__name__}") from exc
        missing = [f"{name} ({wanted[name]})" for name in wanted if name not in found]
        if missing:
            raise TransportError(
                f"no advertisement from {', '.join(missing)} within {self.scan_timeout_s:g} s of scanning; "
                "check that the sensor is charged, switched on, in range and not connected to another host"
            )
        return found

    # --- the stream ------------------------------------------------------------------------
    def _emit(self, sensor: str, channel: Channel, payload: bytes) -> float:
        """Stamp a notification with the session clock and queue it (called from bleak's callbacks)."""
        host_time_s = self.session_time_s()
        if self._closed:
            return host_time_s
        if self._queue.qsize() >= self.queue_size:  # the consumer fell behind: it wants the newest data
            self._queue.get_nowait()
            self.dropped_ += 1
        self._queue.put_nowait(Notification(sensor, channel, payload, host_time_s))
        return host_time_s
