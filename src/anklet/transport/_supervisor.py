"""One BLE sensor's connection, from first connect to close: connect, check its firmware,
subscribe, and whenever the link drops, report it and reconnect with backoff and jitter.

Connecting goes through bleak-retry-connector: its ``establish_connection`` knows the
transient errors BlueZ reports while connecting (``le-connection-abort-by-local``, a device
object that vanished, a services cache gone stale) and retries each after its own short
wait, and ``close_stale_connections`` drops a link BlueZ still holds from before (a host
crash, a reconnect racing a late disconnect). On top of that the supervisor waits between
reconnect rounds with exponential backoff and jitter, so a sensor that stays away for
minutes is not hammered and several sensors that drop together do not retry in lockstep.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import BleakClientWithServiceCache, close_stale_connections, establish_connection

from anklet.errors import ProtocolError, TransportError
from anklet.protocol import DATA_UUID, INFO_UUID, PROTOCOL_VERSION, SERVICE_UUID, STATUS_UUID, decode_info, decode_status
from anklet.transport._notification import Channel

_log = logging.getLogger(__name__)

ATT_HEADER_BYTES = 3
"""A write without response carries MTU - 3 bytes: the opcode and the handle."""
BLE_ERRORS = (BleakError, TimeoutError, EOFError, ConnectionError)
"""What a connection attempt may raise that is worth another try (bleak, dbus-fast, the OS)."""


@dataclass(frozen=True, slots=True)
class ConnectParams:
    """How hard to try.

    ``connect_attempts``: attempts of bleak-retry-connector per connection round;
    ``first_backoff_s``, ``max_backoff_s``: wait before the first reconnect round and the cap,
    s; the wait doubles each round, and a random part of it (``jitter``, 0-1) is drawn anew;
    ``rescan_s``: how long a reconnect round scans for the sensor's advertisements, s.
    """

    connect_attempts: int = 3
    first_backoff_s: float = 0.2
    max_backoff_s: float = 10.0
    jitter: float = 0.5
    rescan_s: float = 5.0

    def backoff_s(self, round_: int, rng: random.Random) -> float:
        """Wait before reconnect round ``round_`` (0, 1, ...), s."""
        ceiling = min(self.max_backoff_s, self.first_backoff_s * 2.0**round_)
        return ceiling * (1.0 - self.jitter * rng.random())


Emit = Callable[[str, Channel, bytes], float]
"""Hands a notification (sensor, channel, payload) to the transport; returns its host time, s."""


class SensorSupervisor:
    """The connection of sensor ``name`` (its role, or serial), found as ``device``.

    ``await connect()`` makes the first connection and ``await subscribe()`` starts its
    notifications; both raise TransportError if the sensor cannot be reached or speaks another
    protocol version. (Two steps, so that a host can connect every sensor before any streams:
    then their data start together.) ``await supervise()`` runs for the session, reconnecting
    after every drop (it never raises for a sensor that stays away: the others go on);
    ``await close()`` unsubscribes and disconnects. Every change of
    the link goes into the stream as a ``connection`` notification (``b"up"`` / ``b"down"``).
    ``radio`` is shared by all sensors of a host: BlueZ makes one LE connection (or scan) at a time.
    """

    def __init__(
        self,
        name: str,
        device: BLEDevice,
        rssi_dbm: int | None,
        *,
        emit: Emit,
        radio: asyncio.Lock,
        params: ConnectParams,
        rng: random.Random,
    ) -> None:
        self.name = name
        self.address = device.address
        self._device = device
        self._emit = emit
        self._radio = radio
        self._params = params
        self._rng = rng
        self._client: BleakClient | None = None
        # Clients whose link dropped. bleak closes a client's own D-Bus connection only in
        # disconnect(), not when the peripheral goes away, so each must still be released: left
        # open, one socket leaks per drop, and when the bus goes away (the virtual fleet's
        # private daemon) its reader's EOFError is logged as "never retrieved" at exit.
        self._lost: list[BleakClient] = []
        self._dropped = asyncio.Event()
        self._closing = False
        self.serial_: str | None = None
        self.rssi_dbm_ = rssi_dbm
        self.mtu_: int | None = None
        self.rate_hz_: int | None = None
        self.reconnects_ = 0
        self.last_seen_s_: float | None = None

    @property
    def connected(self) -> bool:
        return self._client is not None

    def health(self) -> dict[str, Any]:
        """What the transport knows of this sensor, for its ``status`` entry."""
        return {
            "serial": self.serial_,
            "address": self.address,
            "connected": self.connected,
            "rssi_dbm": self.rssi_dbm_,
            "mtu": self.mtu_,
            "rate_hz": self.rate_hz_,
            "reconnects": self.reconnects_,
            "last_seen_s": None if self.last_seen_s_ is None else round(self.last_seen_s_, 3),
        }

    async def connect(self) -> None:
        """The first connection, firmware checked and status read; TransportError (one
        sentence) if it cannot be made."""
        try:
            self._client = await self._connect(self._device)
        except BLE_ERRORS as exc:
            raise TransportError(f"cannot connect to {self._label()}: {exc or type(exc).__name__}") from exc

    async def subscribe(self) -> None:
        """Start the first connection's notifications; TransportError if that fails."""
        if self._client is None:
            return  # dropped since connect(): supervise() brings it back
        try:
            await self._subscribe(self._client)
        except BLE_ERRORS as exc:
            raise TransportError(f"cannot subscribe to {self._label()}: {exc or type(exc).__name__}") from exc

    async def supervise(self) -> None:
        """Reconnect after every drop, until cancelled."""
        while True:
            await self._dropped.wait()
            self._dropped.clear()
            await self._release_lost()
            await self._reconnect()

    async def close(self) -> None:
        """Unsubscribe and disconnect (best effort: the link may be gone already)."""
        self._closing = True
        await self._release_lost()
        client, self._client = self._client, None
        if client is not None:
            await _release(client)

    async def _release_lost(self) -> None:
        while self._lost:
            await _release(self._lost.pop())

    # --- connecting ------------------------------------------------------------------------
    async def _connect(self, device: BLEDevice) -> BleakClient:
        """A connected client whose firmware has been checked (not yet subscribed)."""
        async with self._radio:
            await close_stale_connections(device)
            client = await establish_connection(
                BleakClientWithServiceCache,
                device,
                self.name,
                disconnected_callback=self._on_disconnected,
                max_attempts=self._params.connect_attempts,
            )
        try:
            await self._set_up(client)
        except BaseException:
            await _release(client)
            raise
        return client

    async def _subscribe(self, client: BleakClient) -> None:
        """Notifications on, then the link counts as up (it may have dropped meanwhile)."""
        self._client = client  # from here on, a drop is reported and repaired
        try:
            await client.start_notify(DATA_UUID, self._on_data)
            await client.start_notify(STATUS_UUID, self._on_status)
            if not client.is_connected:
                raise BleakError("the link dropped while subscribing")
        except BaseException:
            self._client = None
            await _release(client)
            raise
        self._emit(self.name, "connection", b"up")

    async def _set_up(self, client: BleakClient) -> None:
        """Check the firmware, read its status, note the MTU."""
        info_block = bytes(await client.read_gatt_char(INFO_UUID))
        try:
            self.serial_ = decode_info(info_block).serial
        except ProtocolError as exc:
            if exc.reason == "unknown_version":
                raise TransportError(
                    f"sensor {self._label()} speaks firmware protocol version {info_block[0]}, but this anklet "
                    f"understands only version {PROTOCOL_VERSION}; update anklet or the sensor's firmware"
                ) from exc
            raise TransportError(f"sensor {self._label()} sent an info block anklet cannot read: {exc}") from exc
        status = bytes(await client.read_gatt_char(STATUS_UUID))
        self._emit(self.name, "status", status)  # the battery level is known before the first status notification
        data = client.services.get_characteristic(DATA_UUID)
        if data is None:
            raise TransportError(f"sensor {self._label()} has no data characteristic; is it an anklet sensor?")
        self.mtu_ = data.max_write_without_response_size + ATT_HEADER_BYTES
        self.rate_hz_ = _sample_rate_hz(status)
        _log.info("%s: connected, serial %s, MTU %d, %s Hz", self.name, self.serial_, self.mtu_, self.rate_hz_)

    async def _reconnect(self) -> None:
        """Rounds of scan + connect, backing off between them, until one succeeds."""
        round_ = 0
        while not self._closing:
            await asyncio.sleep(self._params.backoff_s(round_, self._rng))
            round_ += 1
            try:
                device = await self._rescan()
                if device is None:
                    _log.info("%s: not advertising yet (round %d)", self.name, round_)
                    continue
                await self._subscribe(await self._connect(device))
            except TransportError as exc:  # it came back as something we must refuse
                _log.error("%s: %s; it stays disconnected", self.name, exc)
                return
            except Exception as exc:  # noqa: BLE001 - whatever a round hits, the next round may not: keep trying
                _log.info("%s: reconnect round %d failed: %r", self.name, round_, exc)
                continue
            self._dropped.clear()  # a drop during a failed round is repaired by this one
            self.reconnects_ += 1
            _log.info("%s: reconnected after %d round(s)", self.name, round_)
            return

    async def _rescan(self) -> BLEDevice | None:
        """The sensor's latest advertisement (fresh device object, RSSI), or None if unheard."""

        def is_ours(device: BLEDevice, advertisement: Any) -> bool:
            if device.address.upper() != self.address.upper():
                return False
            self.rssi_dbm_ = advertisement.rssi
            return True

        async with self._radio:
            return await BleakScanner.find_device_by_filter(is_ours, timeout=self._params.rescan_s, service_uuids=[SERVICE_UUID])

    # --- bleak's callbacks: only stamp and hand over ---------------------------------------
    def _on_data(self, _characteristic: BleakGATTCharacteristic, payload: bytearray) -> None:
        self.last_seen_s_ = self._emit(self.name, "data", bytes(payload))

    def _on_status(self, _characteristic: BleakGATTCharacteristic, payload: bytearray) -> None:
        self._emit(self.name, "status", bytes(payload))

    def _on_disconnected(self, client: BleakClient) -> None:
        if self._closing or client is not self._client:
            return  # our own close, or a client whose set-up failed (already handled)
        self._client = None
        self._lost.append(client)
        _log.warning("%s: link lost; reconnecting", self.name)
        self._emit(self.name, "connection", b"down")
        self._dropped.set()

    def _label(self) -> str:
        serial = self.serial_ or self._device.name  # the advertised name, until the info block is read
        return f"{self.name} ({serial}, {self.address})" if serial else f"{self.name} ({self.address})"


async def _release(client: BleakClient) -> None:
    """Stop notifications and disconnect, ignoring a link that is already gone."""
    for uuid in (DATA_UUID, STATUS_UUID):
        try:
            await client.stop_notify(uuid)
        except (*BLE_ERRORS, KeyError, ValueError):  # not subscribed, or not connected any more
            pass
    try:
        await client.disconnect()
    except BLE_ERRORS:
        pass


def _sample_rate_hz(status: bytes) -> int | None:
    try:
        return decode_status(status).sample_rate_hz
    except ProtocolError:
        return None
