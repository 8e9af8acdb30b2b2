"""A simulated session's sensors as virtual BLE peripherals, with everything they need to be
found by bleak: a private bus, the BlueZ stand-in, one peripheral per sensor, and extras."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from bumble.link import LocalLink

from anklet.errors import ValidationError
from anklet.geometry import SENSOR_NAMES
from anklet.protocol import PROTOCOL_VERSION, DeviceInfo
from anklet.sim._session import SimulatedSession
from anklet.sim.bluez._bus import private_bus
from anklet.sim.bluez._faults import PeripheralFaults
from anklet.sim.bluez._peripheral import VirtualPeripheral
from anklet.sim.bluez._standin import BlueZStandIn

BUS_ADDRESS_VARIABLE = "DBUS_SYSTEM_BUS_ADDRESS"
"""Where bleak's BlueZ backend (dbus-fast) looks for the system bus."""
HARDWARE_REVISION = "rev-b"
FIRMWARE_REVISION = "1.4.2"


def fleet_serial(number: int) -> str:
    """The serial of virtual sensor ``number`` (1-999999): ``"AK"`` and six digits."""
    return f"AK{number:06d}"


def fleet_address(number: int) -> str:
    """The random static address of virtual sensor ``number`` (the top two bits set: static)."""
    return f"C0:A1:E9:00:{number >> 8:02X}:{number & 0xFF:02X}"


@dataclass(frozen=True, slots=True)
class ExtraPeripheral:
    """A virtual sensor beside the session's own, playing the firmware output of sensor ``plays``.

    A serial the host was not given makes it an unknown device; a ``protocol_version`` other
    than the host's makes it a sensor the host must refuse.

    Attributes:
        serial: its serial and advertised name, at most 8 printable ASCII characters.
        plays: the session sensor whose data it streams (``"left_foot"``, ...).
        protocol_version: byte 0 of everything it sends.
        faults: what it does wrong besides.
    """

    serial: str
    plays: str
    protocol_version: int = PROTOCOL_VERSION
    faults: PeripheralFaults = field(default_factory=PeripheralFaults)


class VirtualFleet:
    """Every sensor of ``session`` as a virtual BLE peripheral reachable by bleak in this process,
    for an ``async with`` block.

    Sensor ``SENSOR_NAMES[i]`` gets serial ``fleet_serial(i + 1)`` and address
    ``fleet_address(i + 1)`` whatever the session holds; ``extra`` peripherals follow from 5.
    Inside the block ``DBUS_SYSTEM_BUS_ADDRESS`` names the fleet's private bus (the previous
    value comes back on exit). Raises AnkletError if dbus-daemon is not installed.

    Parameters
    ----------
    session
        What the sensors play (``anklet.sim.simulate``).
    speed
        Pace relative to real time, for every peripheral.
    faults
        Faults per sensor name; sensors not named have none.
    extra
        Peripherals beyond the session's sensors.

    Attributes
    ----------
    bus_address
        The private bus's D-Bus address.
    serials, addresses, peripherals
        By sensor name: serial, BLE address and :class:`VirtualPeripheral`.
    extra_peripherals
        The extra peripherals by serial.
    """

    def __init__(
        self,
        session: SimulatedSession,
        *,
        speed: float = 1.0,
        faults: dict[str, PeripheralFaults] | None = None,
        extra: Sequence[ExtraPeripheral] = (),
    ) -> None:
        self.session = session
        self.speed = speed
        self.faults = dict(faults or {})
        self.extra = tuple(extra)
        unknown = (set(self.faults) | {peripheral.plays for peripheral in self.extra}) - set(session.sensors)
        if unknown:
            raise ValidationError(
                f"{', '.join(sorted(unknown))} not among the session's sensors ({', '.join(session.sensors)})"
            )
        numbers = {name: SENSOR_NAMES.index(name) + 1 for name in session.sensors}
        self.serials = {name: fleet_serial(number) for name, number in numbers.items()}
        self.addresses = {name: fleet_address(number) for name, number in numbers.items()}
        serials = list(self.serials.values()) + [peripheral.serial for peripheral in self.extra]
        if len(set(serials)) != len(serials):
            raise ValidationError(f"serials must differ, but the fleet would have {sorted(serials)}")

    async def __aenter__(self) -> VirtualFleet:
        async with AsyncExitStack() as stack:
            self.bus_address = await stack.enter_async_context(private_bus())
            stack.callback(_restore_variable, BUS_ADDRESS_VARIABLE, os.environ.get(BUS_ADDRESS_VARIABLE))
            os.environ[BUS_ADDRESS_VARIABLE] = self.bus_address
            link = LocalLink()
            await stack.enter_async_context(BlueZStandIn(self.bus_address, link))
            self.peripherals = {}
            for name, sensor in self.session.sensors.items():
                peripheral = VirtualPeripheral(
                    link,
                    self.addresses[name],
                    DeviceInfo(self.serials[name], HARDWARE_REVISION, FIRMWARE_REVISION),
                    sensor.firmware,
                    speed=self.speed,
                    faults=self.faults.get(name, PeripheralFaults()),
                )
                self.peripherals[name] = await stack.enter_async_context(peripheral)
            self.extra_peripherals = {}
            for number, spec in enumerate(self.extra, start=len(SENSOR_NAMES) + 1):
                peripheral = VirtualPeripheral(
                    link,
                    fleet_address(number),
                    DeviceInfo(spec.serial, HARDWARE_REVISION, FIRMWARE_REVISION),
                    self.session.sensors[spec.plays].firmware,
                    speed=self.speed,
                    faults=spec.faults,
                    protocol_version=spec.protocol_version,
                )
                self.extra_peripherals[spec.serial] = await stack.enter_async_context(peripheral)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()


def _restore_variable(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
