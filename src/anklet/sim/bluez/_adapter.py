"""org.bluez.Adapter1 (hci0): discovery through the stand-in's bumble central.

Devices appear as Device1 objects (InterfacesAdded) the first time an advertisement that
passes the discovery filter arrives. They stay after discovery stops, as BlueZ keeps them
for a while, so that bleak can connect to what it found; each new discovery announces a
known device again with an RSSI update, which is how bleak's scanner sees it.
"""

import asyncio

from bumble.device import Advertisement
from bumble.device import Device as BumbleDevice
from dbus_fast import DBusError
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

from anklet.sim.bluez._device import BluezDevice, device_path, passes_filter
from anklet.sim.bluez._signatures import DBusBool, DBusDict, DBusObjectPath, DBusStr, DBusStrList

ADAPTER_INTERFACE = "org.bluez.Adapter1"


class BluezAdapter(ServiceInterface):
    """The one adapter, at ``path``, whose radio is ``central``."""

    def __init__(self, bus: MessageBus, central: BumbleDevice, path: str = "/org/bluez/hci0") -> None:
        super().__init__(ADAPTER_INTERFACE)
        self.path = path
        self._bus = bus
        self._central = central
        self._devices: dict[str, BluezDevice] = {}
        self._filter_uuids: list[str] = []
        self._discovering = False
        self._announced: set[str] = set()  # device paths announced in this discovery
        self._connect_lock = asyncio.Lock()
        central.on(central.EVENT_ADVERTISEMENT, self._on_advertisement)

    @method()
    def SetDiscoveryFilter(self, properties: DBusDict) -> None:
        uuids = properties["UUIDs"].value if "UUIDs" in properties else []
        self._filter_uuids = [uuid.lower() for uuid in uuids]

    @method()
    async def StartDiscovery(self) -> None:
        if self._discovering:
            raise DBusError("org.bluez.Error.InProgress", "Operation already in progress")
        self._announced.clear()
        await self._central.start_scanning(filter_duplicates=False)
        self._set_discovering(True)

    @method()
    async def StopDiscovery(self) -> None:
        if not self._discovering:
            raise DBusError("org.bluez.Error.Failed", "No discovery started")
        await self._central.stop_scanning()
        self._set_discovering(False)

    @method()
    async def RemoveDevice(self, device: DBusObjectPath) -> None:
        removed = self._devices.pop(device, None)
        if removed is None:
            raise DBusError("org.bluez.Error.DoesNotExist", "Does Not Exist")
        if removed.connection is not None:
            await removed.connection.disconnect()
        self._bus.unexport(removed.path, removed)

    async def disconnect_all(self) -> None:
        """Drop every link (the stand-in is going away)."""
        for device in self._devices.values():
            if device.connection is not None:
                await device.connection.disconnect()

    def _set_discovering(self, discovering: bool) -> None:
        self._discovering = discovering
        self.emit_properties_changed({"Discovering": discovering})

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        if not self._discovering:
            return
        path = device_path(self.path, advertisement.address)
        if path in self._announced or not passes_filter(advertisement, self._filter_uuids):
            return
        self._announced.add(path)
        if (known := self._devices.get(path)) is not None:
            known.advertised(advertisement)
            return
        device = BluezDevice(self._bus, self._central, self.path, advertisement, self._connect_lock)
        self._devices[path] = device
        self._bus.export(path, device)

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return self._central.public_address.to_string(with_type_qualifier=False)

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return self._central.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return self._central.name

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> DBusBool:
        return self._discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> DBusStrList:
        return ["central", "peripheral"]

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> DBusStrList:
        return []
