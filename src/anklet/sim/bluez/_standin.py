"""The BlueZ stand-in: ``org.bluez`` on a D-Bus bus, its radio a bumble central on a virtual link.

It serves the part of the BlueZ D-Bus API that bleak's Linux backend uses: the object
manager at ``/`` (dbus-fast answers GetManagedObjects and signals InterfacesAdded and
InterfacesRemoved as objects are exported and withdrawn), one adapter ``hci0``, the devices
it discovers and, while connected, their GATT services and characteristics.
"""

from types import TracebackType

from bumble.link import LocalLink
from dbus_fast import RequestNameReply
from dbus_fast.aio import MessageBus

from anklet.errors import AnkletError
from anklet.sim.bluez._adapter import BluezAdapter
from anklet.sim.bluez._link import bumble_device

BLUEZ_NAME = "org.bluez"


class BlueZStandIn:
    """BlueZ for bleak, on the bus at ``bus_address``, scanning and connecting over ``link``.

    ``async with BlueZStandIn(address, link):`` owns the well-known name ``org.bluez`` and the
    central's radio for the block; ``address`` is the adapter's own BLE address.
    """

    def __init__(self, bus_address: str, link: LocalLink, *, address: str = "C0:B1:0E:00:00:01") -> None:
        self.bus_address = bus_address
        self.link = link
        self.address = address

    async def __aenter__(self) -> "BlueZStandIn":
        self._bus = await MessageBus(bus_address=self.bus_address).connect()
        self._central = bumble_device(self.link, self.address, "anklet-standin")
        await self._central.power_on()
        self.adapter_ = BluezAdapter(self._bus, self._central)
        self._bus.export(self.adapter_.path, self.adapter_)
        if await self._bus.request_name(BLUEZ_NAME) != RequestNameReply.PRIMARY_OWNER:
            raise AnkletError(f"another process on the bus already owns {BLUEZ_NAME}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.adapter_.disconnect_all()
        await self._central.power_off()
        self._bus.disconnect()
