"""One virtual anklet sensor as a real BLE GATT peripheral: a bumble Device on a virtual link.

It advertises the anklet IMU service and its serial as its name, and serves the four
characteristics of ``firmware_protocol/PROTOCOL.md``. From the first subscription to the data
characteristic on, it plays its simulated firmware output: each data packet and status
message is notified at its send time (relative to the first data packet, divided by
``speed``), byte for byte; a real sensor streams whether anyone listens or not, and so does
this one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bumble.core import UUID, AdvertisingData
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.link import LocalLink

from anklet.protocol import (
    CONTROL_UUID,
    DATA_UUID,
    INFO_UUID,
    SERVICE_UUID,
    STATUS_UUID,
    DeviceInfo,
    encode_info,
)
from anklet.sim._firmware import FirmwareOutput
from anklet.sim.bluez._link import bumble_device

ADVERTISING_INTERVAL_S = 0.1
"""Fast advertising, as a sensor waiting for its host (bumble's default is 1 s)."""
LEGACY_ADVERTISING_BYTES = 31
"""Room in a legacy advertising PDU; bumble's virtual controller sends no scan responses."""


@dataclass(frozen=True, slots=True)
class _Notification:
    """One firmware output item, due ``due_s`` after streaming starts (already speed-scaled)."""

    due_s: float
    characteristic: Characteristic
    payload: bytes


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
    firmware
        The simulator's firmware output for this sensor: what it notifies, and when.
    speed
        Pace relative to real time.

    Attributes
    ----------
    commands_
        Every payload written to the control characteristic, in order.
    """

    def __init__(
        self, link: LocalLink, address: str, info: DeviceInfo, firmware: FirmwareOutput, *, speed: float = 1.0
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.link = link
        self.address = address
        self.info = info
        self.firmware = firmware
        self.speed = speed
        self.commands_: list[bytes] = []

    async def __aenter__(self) -> VirtualPeripheral:
        self._streaming: asyncio.Task[None] | None = None
        self._status_value = self.firmware.status.payloads[0] if self.firmware.status.payloads else b""
        self._device = bumble_device(self.link, self.address, self.info.serial)
        self._data, self._status = self._serve_gatt()
        await self._device.power_on()
        await self._device.start_advertising(
            advertising_data=advertising_data(self.info.serial),
            auto_restart=True,
            advertising_interval_min=ADVERTISING_INTERVAL_S * 1000,
            advertising_interval_max=ADVERTISING_INTERVAL_S * 1000,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._streaming is not None:
            self._streaming.cancel()
        await self._device.power_off()

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
        info = Characteristic(INFO_UUID, Characteristic.Properties.READ, Characteristic.READABLE, encode_info(self.info))
        self._device.add_service(Service(SERVICE_UUID, [data, control, status, info]))
        data.on(data.EVENT_SUBSCRIPTION, self._on_data_subscription)
        return data, status

    def _on_data_subscription(self, _bearer: object, notify_enabled: bool, _indicate: bool) -> None:
        if notify_enabled and self._streaming is None:
            self._streaming = asyncio.get_running_loop().create_task(self._stream())

    async def _stream(self) -> None:
        """Notify every firmware output item at its time; keep status reads current."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        for item in self._schedule():
            if (wait_s := start + item.due_s - loop.time()) > 0:
                await asyncio.sleep(wait_s)
            if item.characteristic is self._status:
                self._status_value = item.payload
            await self._device.notify_subscribers(item.characteristic, item.payload)

    def _schedule(self) -> list[_Notification]:
        """Data packets and status messages merged in send order, timed from the first packet."""
        data, status = self.firmware.data, self.firmware.status
        if not data.payloads:
            return []
        t0 = float(data.send_time_s[0])
        items = [
            _Notification((float(send_s) - t0) / self.speed, characteristic, payload)
            for characteristic, times, payloads in (
                (self._data, data.send_time_s, data.payloads),
                (self._status, status.send_time_s, status.payloads),
            )
            for send_s, payload in zip(times, payloads, strict=True)
            if send_s >= t0
        ]
        return sorted(items, key=lambda item: item.due_s)


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
        raise ValueError(f"name {name!r} is too long to advertise beside the service UUID")
    return payload

