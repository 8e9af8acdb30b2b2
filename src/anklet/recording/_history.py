"""The session's notifications kept in memory, compactly, for a recording started later."""

from __future__ import annotations

from array import array

from anklet.recording._format import from_ns
from anklet.transport import Notification


class NotificationHistory:
    """Notifications appended in arrival order, read back by index as equal ``Notification``s.

    The payloads lie end to end in one ``bytearray`` and each notification's sensor, channel
    and nanosecond stamp in arrays: about 14 bytes per notification besides its payload,
    against some 140 for a list of ``Notification`` objects and their payload ``bytes``.
    Appending on the event loop while a thread reads older entries is safe (each call holds
    the GIL; entries never change once appended).
    """

    def __init__(self) -> None:
        self._payloads = bytearray()
        self._ends = array("Q")
        self._times_ns = array("q")
        self._sources = array("H")  # index into _names
        self._names: list[tuple[str, str]] = []
        self._source_index: dict[tuple[str, str], int] = {}

    def append(self, notification: Notification, time_ns: int) -> None:
        """Keep ``notification``, stamped ``time_ns`` (its ``host_time_s`` is ``from_ns(time_ns)``)."""
        source = (notification.sensor, notification.channel)
        index = self._source_index.get(source)
        if index is None:
            index = self._source_index[source] = len(self._names)
            self._names.append(source)
        self._payloads += notification.payload
        self._ends.append(len(self._payloads))
        self._times_ns.append(time_ns)
        self._sources.append(index)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> Notification:
        start = self._ends[index - 1] if index > 0 else 0
        sensor, channel = self._names[self._sources[index]]
        return Notification(sensor, channel, bytes(self._payloads[start : self._ends[index]]), from_ns(self._times_ns[index]))
