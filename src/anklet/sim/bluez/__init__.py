"""Virtual anklet sensors as real BLE peripherals, reached by unchanged bleak through BlueZ's
D-Bus API.

``private_bus`` runs a dbus-daemon of its own; ``BlueZStandIn`` serves ``org.bluez`` on it
with a bumble central as its radio; ``VirtualPeripheral`` is one sensor, a bumble GATT
peripheral on the same virtual link (``bumble.link.LocalLink``), playing its simulated
firmware output, with the ``PeripheralFaults`` it is given (``scenario_faults``: the loss and
disconnects a scenario's ``[link]`` asks for). ``VirtualFleet`` sets all of it
up for a simulated session and points bleak in this process at it: bleak then scans,
connects, reads, writes and subscribes as it would on a Linux host.
"""

from anklet.sim.bluez._bus import dbus_daemon_path, private_bus
from anklet.sim.bluez._faults import PeripheralFaults, scenario_faults
from anklet.sim.bluez._fleet import ExtraPeripheral, VirtualFleet, fleet_address, fleet_serial
from anklet.sim.bluez._peripheral import VirtualPeripheral, advertising_data
from anklet.sim.bluez._standin import BlueZStandIn

__all__ = [
    "BlueZStandIn",
    "ExtraPeripheral",
    "PeripheralFaults",
    "VirtualFleet",
    "VirtualPeripheral",
    "advertising_data",
    "dbus_daemon_path",
    "fleet_address",
    "fleet_serial",
    "private_bus",
    "scenario_faults",
]
