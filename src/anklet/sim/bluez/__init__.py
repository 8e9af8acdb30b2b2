"""Virtual anklet sensors as real BLE peripherals, reached by unchanged bleak through BlueZ's
D-Bus API.

``private_bus`` runs a dbus-daemon of its own; ``BlueZStandIn`` serves ``org.bluez`` on it
with a bumble central as its radio; ``VirtualPeripheral`` is one sensor, a bumble GATT
peripheral on the same virtual link (``bumble.link.LocalLink``), playing its simulated
firmware output. Point bleak at the bus with ``DBUS_SYSTEM_BUS_ADDRESS`` and it scans,
connects, reads, writes and subscribes as it would on a Linux host.
"""

from anklet.sim.bluez._bus import dbus_daemon_path, private_bus
from anklet.sim.bluez._peripheral import VirtualPeripheral, advertising_data
from anklet.sim.bluez._standin import BlueZStandIn

__all__ = ["BlueZStandIn", "VirtualPeripheral", "advertising_data", "dbus_daemon_path", "private_bus"]
