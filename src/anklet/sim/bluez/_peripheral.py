"""One virtual anklet sensor as a real BLE GATT peripheral: a bumble Device on a virtual link.

It advertises the anklet IMU service and its serial as its name, and serves the four
characteristics of ``firmware_protocol/PROTOCOL.md``. From the first subscription to the data
characteristic on, it plays its simulated firmware output: each data packet and status
message is notified at its send time (relative to the first data packet, divided by
``speed``), byte for byte; a real sensor streams whether anyone listens or not, and so does
this one. :class:`PeripheralFaults` make it withhold packets, notify late and drop its link.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import numpy as np
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.hci import Role
from bumble.link import LocalLink

from anklet.errors import ValidationError
from anklet.protocol import (
    CONTROL_UUID,
    DATA_UUID,
    INFO_UUID,
    PROTOCOL_VERSION,
    SERVICE_UUID,
    STATUS_UUID,
    DeviceInfo,
    encode_info,
)
from anklet.sim._firmware import FirmwareOutput
from anklet.sim.bluez._faults import PeripheralFaults
from anklet.sim.bluez._link import bumble_device

ADVERTISING_INTERVAL_S = 0.1
"""Fast advertising, as a sensor waiting for its host (bumble's default is 1 s)."""
LEGACY_ADVERTISING_BYTES = 31
"""Room in a legacy advertising PDU; bumble's virtual controller sends no scan responses."""

_Item = tuple[float, bool, bytes, bool]
"""One firmware output item: (due_s after the stream start, is_data, payload, withheld)."""


class VirtualPeripheral:
    """A virtual anklet sensor on ``link``, as an async context manager (powered and advertising
    inside the block).

    Parameters
    ----------
    link
        The bumble virtual link shared with the central (the BlueZ stand-in).
    address
        Its random static BLE address, ``"C0:..."``.
    info
        What the info characteristic says; ``info.serial`` is also the advertised name
        (at most 8 characters, to fit a legacy advertisement beside the 128-bit service UUID).
        A host's allowlist decides whether it is a known sensor: give a serial the host was
        not told about and it is an unknown device.
    firmware
        The simulator's firmware output for this sensor: what it notifies, and when.
    speed
        Pace relative to real time.
    faults
        Loss, jitter and link drops it injects (none by default).
    protocol_version
        Byte 0 of its info block, data packets and status messages; anything but
        ``anklet.protocol.PROTOCOL_VERSION`` makes it firmware the host must refuse.

    Attributes
    ----------
    commands_
        Every payload written to the control characteristic, in order.
    notified_packets_
        Data packets notified to a subscribed host.
    withheld_packets_
        Data packets its loss faults withheld while a host was subscribed (status messages are
        never withheld).
    lost_to_disconnect_
        Data packets whose time came while no host was subscribed to data: while its link was
        down, before the host subscribed again, or after it unsubscribed. These are never
        counted as withheld too: ``notified + withheld + lost_to_disconnect`` is every data
        packet played so far.
    links_dropped_
        Connections it dropped (``disconnect_at_s`` windows and :meth:`kill_link`; a window
        with no host connected drops none).
    """

    def __init__(
        self,
        link: LocalLink,
        address: str,
        info: DeviceInfo,
        firmware: FirmwareOutput,
        *,
        speed: float = 1.0,
        faults: PeripheralFaults = PeripheralFaults(),
        protocol_version: int = PROTOCOL_VERSION,
    ) -> None:
        if not speed > 0:
            raise ValidationError(f"speed is {speed}; it must be positive")
        if not 0 <= protocol_version <= 255:
            raise ValidationError(f"protocol_version is {protocol_version}; it must be a byte, 0-255")
        self.link = link
        self.address = address
        self.info = info
        self.firmware = firmware
        self.speed = speed
        self.faults = faults
        self.protocol_version = protocol_version
        self.commands_: list[bytes] = []
        self.notified_packets_ = 0
        self.withheld_packets_ = 0
        self.lost_to_disconnect_ = 0
        self.links_dropped_ = 0

    async def __aenter__(self) -> VirtualPeripheral:
        self._tasks: set[asyncio.Task[None]] = set()
        self._streaming = False
        self._played = asyncio.Event()
        self._silent = False  # link dropped on purpose: no advertising until it ends
        self._readvertise: asyncio.Task[None] | None = None
        self._status_value = self._stamped(self.firmware.status.payloads[0]) if self.firmware.status.payloads else b""
        self._device = bumble_device(self.link, self.address, self.info.serial)
        self._data, self._status = self._serve_gatt()
        self._device.on(self._device.EVENT_CONNECTION, self._on_connection)
        await self._device.power_on()
        await self._advertise()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._silent = True  # links dropped by powering off must not restart advertising
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._device.power_off()

    @property
    def connected(self) -> bool:
        """Whether a central holds a link to it now."""
        return bool(self._device.connections)

    async def wait_played(self) -> None:
        """Return once every firmware output item has had its time (the stream has ended)."""
        await self._played.wait()

    async def kill_link(self, *, down_s: float = 0.0) -> None:
        """Drop the link from the sensor's side now, and stay silent (not advertising) for
        ``down_s`` wall-clock seconds; the firmware keeps playing meanwhile.

        Returns once the link is down. A kill during another's silence restarts the silence.
        """
        self._silent = True
        if self._readvertise is not None:
            self._readvertise.cancel()
        await self._device.stop_advertising()
        for connection in list(self._device.connections.values()):
            await connection.disconnect()
            self.links_dropped_ += 1
        self._readvertise = self._spawn(self._advertise_after(down_s))

    async def _advertise_after(self, silence_s: float) -> None:
        await asyncio.sleep(silence_s)
        self._silent = False
        await self._advertise()

    async def _advertise(self) -> None:
        """Advertise until a central connects (restarted by hand, so that a kill can keep it off).

        Cancelled meanwhile (the fleet closing just as a link drops), it lets the HCI commands
        already sent finish first: bumble's host, its wait cancelled, would still get the
        controller's answer and fail to set it on the cancelled future (an InvalidStateError
        logged from its callback)."""
        start = asyncio.ensure_future(
            self._device.start_advertising(
                advertising_data=advertising_data(self.info.serial),
                advertising_interval_min=ADVERTISING_INTERVAL_S * 1000,
                advertising_interval_max=ADVERTISING_INTERVAL_S * 1000,
            )
        )
        try:
            await asyncio.shield(start)
        except asyncio.CancelledError:
            await start
            raise

    def _on_connection(self, connection: Connection) -> None:
        if connection.role == Role.PERIPHERAL:
            connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)

    def _on_disconnection(self, _reason: int) -> None:
        if not self._silent:
            self._spawn(self._advertise())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _serve_gatt(self) -> tuple[Characteristic, Characteristic]:
        """Add the anklet IMU service; return its data and status characteristics."""
        data = Characteristic(DATA_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        status = Characteristic(
            STATUS_UUID,
            Characteristic.Properties.READ | Characteristic.Properties.NOTIFY,
            Characteristic.READABLE,
            CharacteristicValue(read=lambda _connection: self._status_value),
        )
        control = Characteristic(
            CONTROL_UUID,
            Characteristic.Properties.WRITE,
            Characteristic.WRITEABLE,
            CharacteristicValue(write=lambda _connection, value: self.commands_.append(bytes(value))),
        )
        info = Characteristic(
            INFO_UUID, Characteristic.Properties.READ, Characteristic.READABLE, self._stamped(encode_info(self.info))
        )
        self._device.add_service(Service(SERVICE_UUID, [data, control, status, info]))
        data.on(data.EVENT_SUBSCRIPTION, self._on_data_subscription)
        return data, status

    def _stamped(self, payload: bytes) -> bytes:
        """``payload`` with this firmware's protocol version as byte 0."""
        if self.protocol_version == PROTOCOL_VERSION:
            return payload
        return bytes([self.protocol_version]) + payload[1:]

    def _on_data_subscription(self, _bearer: object, notify_enabled: bool, _indicate: bool) -> None:
        if notify_enabled and not self._streaming:
            self._streaming = True
            start_s = asyncio.get_running_loop().time()
            self._spawn(self._stream(start_s))
            self._spawn(self._drop_link_in_windows(start_s))

    async def _stream(self, start_s: float) -> None:
        """Notify every firmware output item at its time; keep status reads current."""
        loop = asyncio.get_running_loop()
        for due_s, is_data, payload, withheld in self._schedule():
            if (wait_s := start_s + due_s - loop.time()) > 0:
                await asyncio.sleep(wait_s)
            if not is_data:
                self._status_value = payload
                await self._device.notify_subscribers(self._status, payload)
            elif not self._data_subscribed():
                self.lost_to_disconnect_ += 1
            elif withheld:
                self.withheld_packets_ += 1
            else:
                await self._device.notify_subscribers(self._data, payload)
                self.notified_packets_ += 1
        self._played.set()

    async def _drop_link_in_windows(self, start_s: float) -> None:
        """Kill the link at each ``disconnect_at_s`` window, silent for its duration."""
        loop = asyncio.get_running_loop()
        for window_s, duration_s in sorted(self.faults.disconnect_at_s):
            if (wait_s := start_s + window_s / self.speed - loop.time()) > 0:
                await asyncio.sleep(wait_s)
            await self.kill_link(down_s=duration_s / self.speed)

    def _data_subscribed(self) -> bool:
        """Whether any connected central has notifications of the data characteristic on."""
        handle = self._data.handle
        return any(cccd.get(handle, b"\0")[0] & 1 for cccd in self._device.gatt_server.subscribers.values())

    def _schedule(self) -> list[_Item]:
        """Data packets and status messages merged in send order, timed from the first packet,
        with the faults' withheld packets marked and their jitter added."""
        data, status = self.firmware.data, self.firmware.status
        if not data.payloads:
            return []
        rng = np.random.default_rng(self.faults.seed)
        t0 = float(data.send_time_s[0])
        later = status.send_time_s >= t0
        send_s = np.concatenate((data.send_time_s, status.send_time_s[later]))
        is_data = np.arange(len(send_s)) < len(data.payloads)
        withheld = np.concatenate((self.faults.withheld(len(data.payloads), rng), np.zeros(int(later.sum()), bool)))
        payloads = [
            self._stamped(payload)
            for payload in data.payloads + [p for p, keep in zip(status.payloads, later, strict=True) if keep]
        ]
        order = np.argsort(send_s, kind="stable")
        due_s = self.faults.delayed((send_s[order] - t0) / self.speed, rng)
        return list(
            zip(due_s.tolist(), is_data[order].tolist(), [payloads[i] for i in order], withheld[order].tolist(), strict=True)
        )


def advertising_data(name: str) -> bytes:
    """Flags, the anklet service UUID and ``name``, in one legacy advertisement."""
    payload = bytes(
        AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([AdvertisingData.LE_GENERAL_DISCOVERABLE_MODE_FLAG
                                               | AdvertisingData.BR_EDR_NOT_SUPPORTED_FLAG])),
                (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, UUID(SERVICE_UUID).to_bytes()),
                (AdvertisingData.COMPLETE_LOCAL_NAME, name.encode("ascii")),
            ]
        )
    )
    if len(payload) > LEGACY_ADVERTISING_BYTES:
        raise ValidationError(f"name {name!r} is too long to advertise beside the service UUID; use at most 8 characters")
    return payload
