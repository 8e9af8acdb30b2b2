"""org.bluez.Device1: a discovered peripheral, connected through the stand-in's bumble central.

As in BlueZ, Connect brings the link up (``Connected``), exchanges the ATT MTU, discovers
the GATT database and exports it, then sets ``ServicesResolved``; a disconnection, from
either side, takes the GATT objects away again (InterfacesRemoved).
"""

import asyncio

from bumble.device import Advertisement, Connection, Peer
from bumble.device import Device as BumbleDevice
from bumble.core import AdvertisingData
from bumble.hci import Address
from dbus_fast import DBusError, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

from anklet.sim.bluez._gatt import bluez_uuid, discover
from anklet.sim.bluez._signatures import (
    DBusBool,
    DBusCompanyData,
    DBusDict,
    DBusInt16,
    DBusObjectPath,
    DBusStr,
    DBusStrList,
)

DEVICE_INTERFACE = "org.bluez.Device1"
ATT_MTU = 247
"""What BlueZ asks for (and the firmware wants: PROTOCOL.md, link parameters)."""

_UUID_LISTS = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)


def advertised_uuids(advertisement: Advertisement) -> list[str]:
    """Service UUIDs an advertisement lists, in BlueZ's form."""
    return [bluez_uuid(uuid) for kind in _UUID_LISTS for uuid in advertisement.data.get(kind) or []]


def device_path(adapter_path: str, address: Address) -> str:
    """BlueZ's object path for the device at ``address``: ``.../dev_C0_00_00_00_00_01``."""
    return f"{adapter_path}/dev_{address.to_string(with_type_qualifier=False).replace(':', '_')}"


def passes_filter(advertisement: Advertisement, uuids: list[str]) -> bool:
    """Whether a discovery filter on ``uuids`` lets the advertiser through (empty: all pass)."""
    return not uuids or bool(set(uuids) & set(advertised_uuids(advertisement)))


def manufacturer_data(advertisement: Advertisement) -> dict[int, Variant]:
    """Manufacturer-specific data by company identifier, as BlueZ's ManufacturerData."""
    raw = advertisement.data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA, raw=True)
    return {int.from_bytes(item[:2], "little"): Variant("ay", item[2:]) for item in raw}


def service_data(advertisement: Advertisement) -> dict[str, Variant]:
    """Service data by service UUID, as BlueZ's ServiceData."""
    kinds = (
        AdvertisingData.SERVICE_DATA_16_BIT_UUID,
        AdvertisingData.SERVICE_DATA_32_BIT_UUID,
        AdvertisingData.SERVICE_DATA_128_BIT_UUID,
    )
    return {
        bluez_uuid(uuid): Variant("ay", data)
        for kind in kinds
        for uuid, data in advertisement.data.get_all(kind)
    }


class BluezDevice(ServiceInterface):
    """One remote device under the adapter at ``adapter_path``.

    ``connect_lock`` is the adapter's: BlueZ makes one LE connection at a time.
    """

    def __init__(
        self,
        bus: MessageBus,
        central: BumbleDevice,
        adapter_path: str,
        advertisement: Advertisement,
        connect_lock: asyncio.Lock,
    ) -> None:
        super().__init__(DEVICE_INTERFACE)
        self._bus = bus
        self._central = central
        self._adapter_path = adapter_path
        self._connect_lock = connect_lock
        self._bumble_address = advertisement.address
        self._address = advertisement.address.to_string(with_type_qualifier=False)
        self.path = device_path(adapter_path, advertisement.address)
        self._name = advertisement.data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or ""
        self._uuids = advertised_uuids(advertisement)
        self._rssi = advertisement.rssi
        self._manufacturer_data = manufacturer_data(advertisement)
        self._service_data = service_data(advertisement)
        self._connection: Connection | None = None
        self._connecting = False
        self._gatt: list[ServiceInterface] = []
        self._services_resolved = False

    def advertised(self, advertisement: Advertisement) -> None:
        """A new advertisement during discovery: signal its RSSI, as BlueZ does for each scan."""
        self._rssi = advertisement.rssi
        self.emit_properties_changed({"RSSI": self._rssi})

    @method()
    async def Connect(self) -> None:
        async with self._connect_lock:
            if self._connection is not None:
                return
            self._connecting = True
            try:
                connection = await self._central.connect(self._bumble_address)
            except Exception as exc:
                raise DBusError("org.bluez.Error.Failed", f"Failed to connect: {exc}") from exc
            finally:
                self._connecting = False
            self._connection = connection
            connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
            self.emit_properties_changed({"Connected": True})
            # the reply waits for the GATT database, so a client never sees a half-built one
            await self._resolve_services(Peer(connection))

    async def _resolve_services(self, peer: Peer) -> None:
        await peer.request_mtu(ATT_MTU)
        self._gatt = await discover(self.path, peer)
        for exported in self._gatt:
            self._bus.export(exported.path, exported)
        self._services_resolved = True
        self.emit_properties_changed({"ServicesResolved": True})

    @method()
    async def Disconnect(self) -> None:
        """Drop the link, or, as BlueZ does, give up a connection attempt still waiting for the
        device to advertise (bleak calls this when its connect times out)."""
        if self._connection is not None:
            await self._connection.disconnect()
        elif self._connecting:
            await self._central.cancel_connection()

    def _on_disconnection(self, _reason: int) -> None:
        """The link is gone: GATT objects first, then ``Connected`` (what bleak waits for)."""
        self._connection = None
        self._services_resolved = False
        self.emit_properties_changed({"ServicesResolved": False})
        for exported in reversed(self._gatt):
            self._bus.unexport(exported.path, exported)
        self._gatt = []
        self.emit_properties_changed({"Connected": False})

    @property
    def connection(self) -> Connection | None:
        return self._connection

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return self._address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "public" if self._bumble_address.is_public else "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return self._name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return self._name or self._address.replace(":", "-")

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> DBusObjectPath:
        return self._adapter_path

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> DBusStrList:
        return self._uuids

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> DBusInt16:
        return self._rssi

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> DBusCompanyData:
        return self._manufacturer_data

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> DBusDict:
        return self._service_data

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> DBusBool:
        return self._connection is not None

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> DBusBool:
        return self._services_resolved
