"""org.bluez.GattService1 and GattCharacteristic1 objects over a bumble GATT client.

Each D-Bus call is the real GATT operation on the virtual link, made by the stand-in's
central. Paths and properties follow BlueZ (``.../serviceXXXX/charYYYY``, handles in hex),
because bleak reads handles and the owning device back out of the paths.
"""

import uuid as std_uuid

from bumble.core import UUID
from bumble.device import Peer
from bumble.gatt import Characteristic
from bumble.gatt_client import CharacteristicProxy, ServiceProxy
from dbus_fast import DBusError
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

from anklet.sim.bluez._signatures import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusObjectPath,
    DBusObjectPathList,
    DBusStr,
    DBusStrList,
    DBusUInt16,
)

SERVICE_INTERFACE = "org.bluez.GattService1"
CHARACTERISTIC_INTERFACE = "org.bluez.GattCharacteristic1"
HIDDEN_SERVICES = (UUID.from_16_bits(0x1800), UUID.from_16_bits(0x1801))
"""GAP and GATT services: BlueZ handles them itself and does not export them."""

_FLAGS = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}


def bluez_uuid(uuid: UUID) -> str:
    """A bumble UUID the way BlueZ writes every UUID: 128-bit, lower case, with dashes."""
    return str(std_uuid.UUID(bytes=uuid.to_bytes(force_128=True)[::-1]))


def _failed(exc: Exception) -> DBusError:
    """A GATT failure as BlueZ reports it to bleak."""
    return DBusError("org.bluez.Error.Failed", f"Operation failed: {exc}")


class GattService(ServiceInterface):
    """A primary service of a connected device."""

    def __init__(self, device_path: str, service: ServiceProxy) -> None:
        super().__init__(SERVICE_INTERFACE)
        self.path = f"{device_path}/service{service.handle:04x}"
        self._device_path = device_path
        self._uuid = bluez_uuid(service.uuid)

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self._uuid

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> DBusObjectPath:
        return self._device_path

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> DBusObjectPathList:
        return []


class GattCharacteristic(ServiceInterface):
    """A characteristic of a connected device; its path carries the declaration handle."""

    def __init__(self, service_path: str, peer: Peer, characteristic: CharacteristicProxy) -> None:
        super().__init__(CHARACTERISTIC_INTERFACE)
        self.path = f"{service_path}/char{characteristic.handle - 1:04x}"
        self._service_path = service_path
        self._peer = peer
        self._characteristic = characteristic
        self._value = b""
        self._notifying = False

    @method()
    async def ReadValue(self, options: DBusDict) -> DBusBytes:
        try:
            value = bytes(await self._peer.read_value(self._characteristic))
        except Exception as exc:
            raise _failed(exc) from exc
        self._set_value(value)  # BlueZ caches what it read, and says so
        return value

    @method()
    async def WriteValue(self, value: DBusBytes, options: DBusDict) -> None:
        kind = options["type"].value if "type" in options else "request"
        try:
            await self._peer.write_value(self._characteristic, bytes(value), with_response=kind == "request")
        except Exception as exc:
            raise _failed(exc) from exc

    @method()
    async def StartNotify(self) -> None:
        if not self._characteristic.properties & (Characteristic.Properties.NOTIFY | Characteristic.Properties.INDICATE):
            raise DBusError("org.bluez.Error.NotSupported", "Operation is not supported")
        if self._notifying:
            return
        try:
            await self._peer.subscribe(self._characteristic, self._set_value)
        except Exception as exc:
            raise _failed(exc) from exc
        self._notifying = True
        self.emit_properties_changed({"Notifying": True})

    @method()
    async def StopNotify(self) -> None:
        if not self._notifying:
            raise DBusError("org.bluez.Error.Failed", "No notify session started")
        await self._peer.unsubscribe(self._characteristic, self._set_value)
        self._notifying = False
        self.emit_properties_changed({"Notifying": False})

    def _set_value(self, value: bytes) -> None:
        """A notification or a read: the new Value, signalled as PropertiesChanged."""
        self._value = bytes(value)
        self.emit_properties_changed({"Value": self._value})

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return bluez_uuid(self._characteristic.uuid)

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> DBusObjectPath:
        return self._service_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> DBusBytes:
        return self._value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> DBusBool:
        return self._notifying

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> DBusStrList:
        return [name for flag, name in _FLAGS.items() if self._characteristic.properties & flag]

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> DBusUInt16:
        return self._peer.connection.att_mtu


async def discover(device_path: str, peer: Peer) -> list[ServiceInterface]:
    """Discover ``peer``'s services and characteristics as BlueZ objects, services first."""
    objects: list[ServiceInterface] = []
    for service in await peer.discover_services():
        if service.uuid in HIDDEN_SERVICES:
            continue
        exported = GattService(device_path, service)
        objects.append(exported)
        for characteristic in await peer.discover_characteristics(service=service):
            objects.append(GattCharacteristic(exported.path, peer, characteristic))
    return objects
