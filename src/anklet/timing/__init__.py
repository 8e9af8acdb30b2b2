"""Timing: each sensor's microsecond tick mapped onto the host clock, and packet bookkeeping.

``ClockSync`` (live, one per sensor) and ``sync_offline`` (a whole recording) fit the lower
envelope of packet arrivals; ``SequenceTracker`` drops duplicates and counts lost packets and
samples (``first_copies`` drops a whole recording's duplicates at once);
``ClockSync.drift_reading`` is the drift over the whole clock epoch, shown only once resolved; ``common_grid`` and
``resample`` put several sensors on one host-time grid. The method and its measured accuracy
are in ``docs/timing.md``.
"""

from anklet.timing._arrivals import PacketArrivals, SyncedPackets, sample_times
from anklet.timing._clock import ClockSync, ClockSyncParams
from anklet.timing._drift import DriftParams, DriftReading
from anklet.timing._offline import sync_offline
from anklet.timing._sequence import SequenceTracker, first_copies
from anklet.timing._timeline import common_grid, resample

__all__ = [
    "ClockSync",
    "ClockSyncParams",
    "DriftParams",
    "DriftReading",
    "PacketArrivals",
    "SequenceTracker",
    "SyncedPackets",
    "common_grid",
    "first_copies",
    "resample",
    "sample_times",
    "sync_offline",
]

for _name in __all__:
    _object = globals()[_name]
    if hasattr(_object, "__module__") and _object.__module__.startswith("anklet.timing._"):
        _object.__module__ = __name__
del _name, _object
