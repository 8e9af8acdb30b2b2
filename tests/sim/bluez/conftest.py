"""Shared by the virtual-BLE tests: finding the fleet's sensors with bleak, and recording what
bleak delivers."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice

from anklet.protocol import DATA_UUID, SERVICE_UUID, decode_packet


async def scan_by_serial(timeout_s: float = 0.5) -> dict[str, BLEDevice]:
    """Every advertiser of the anklet service bleak finds, by advertised name (the serial)."""
    found = await BleakScanner.discover(timeout=timeout_s, service_uuids=[SERVICE_UUID], return_adv=True)
    return {advertisement.local_name: device for device, advertisement in found.values()}


@dataclass
class DataRecorder:
    """What a host's data subscription received, in arrival order, and when the link went."""

    payloads: list[bytes] = field(default_factory=list)
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)

    def on_data(self, _characteristic: object, data: bytearray) -> None:
        self.payloads.append(bytes(data))

    def on_disconnect(self, _client: BleakClient) -> None:
        self.disconnected.set()

    async def received(self, count: int, timeout_s: float = 2.0) -> None:
        """Wait until ``count`` payloads have come or ``timeout_s`` passes: a notification the
        peripheral has sent may still be on the bus when it says it has played its last."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(self.payloads) < count and loop.time() < deadline:
            await asyncio.sleep(0.05)

    def sequences(self) -> list[int]:
        return [decode_packet(payload).sequence for payload in self.payloads]

    async def subscribe(self, device: BLEDevice) -> BleakClient:
        """A connected client to ``device`` with this recorder on its data notifications."""
        client = BleakClient(device, disconnected_callback=self.on_disconnect)
        await client.connect()
        await client.start_notify(DATA_UUID, self.on_data)
        return client


@pytest.fixture
def recorders() -> defaultdict[str, DataRecorder]:
    """A recorder per key (a sensor name), made on first use."""
    return defaultdict(DataRecorder)


@pytest.fixture
def scan():
    return scan_by_serial
