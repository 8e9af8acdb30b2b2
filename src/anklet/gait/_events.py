"""Gait events of both feet from an ImuTable, live (chunk by chunk) or offline (a whole table).

Both modes run the same per-foot steps (``_foot_events``), so a file and a live session give
the same events; only the foot sensors are read, so foot-only data works.
"""

from __future__ import annotations


from anklet.calibration import check_units
from anklet.errors import ValidationError
from anklet.files import ImuTable
from anklet.gait._foot_events import EventParams, FootEvents, GaitEvent
from anklet.geometry import SIDES


class GaitEventDetector:
    """IC, MS and TO of every foot sensor in the tables it is fed, in order.

    ``update(table)`` takes the next rows of the host grid (``table.t`` (n,) s; each
    ``{side}_foot`` sensor's acc (n, 3) m/s² and gyr (n, 3) rad/s in its own frame, NaN rows
    where lost) and returns the events that became certain, sorted by time; ``events_`` holds
    every event so far. Each TO is returned once the rows 150 ms after it have arrived (from the
    second stride of each foot on; the first waits for its push-off to fit the contact model).
    ``reset()`` forgets the stream.
    """

    def __init__(self, rate_hz: float, params: EventParams | None = None) -> None:
        self.rate_hz = rate_hz
        self.params = params or EventParams()
        self.reset()

    def reset(self) -> None:
        self._feet: dict[str, FootEvents] = {}
        self.events_: list[GaitEvent] = []

    def update(self, table: ImuTable) -> list[GaitEvent]:
        _check_table(table)
        events: list[GaitEvent] = []
        for side in SIDES:
            name = f"{side}_foot"
            if name in table.acc:
                if side not in self._feet:
                    self._feet[side] = FootEvents(side, self.rate_hz, self.params)
                foot = self._feet[side]
                events += foot.update(table.t, table.acc[name], table.gyr[name])
        events.sort()
        self.events_ += events
        return events


def detect_events(table: ImuTable, rate_hz: float, params: EventParams | None = None) -> list[GaitEvent]:
    """Every gait event of a whole table (the offline twin of :class:`GaitEventDetector`).

    Raises ValidationError when the table has no foot sensor or is not in m/s² and rad/s.
    """
    feet = [name for name in table.acc if name.endswith("_foot")]
    if not feet:
        raise ValidationError(
            f"gait events need a foot sensor (found {', '.join(table.acc) or 'none'})"
        )
    check_units({n: table.acc[n] for n in feet}, {n: table.gyr[n] for n in feet}, rate_hz)
    return GaitEventDetector(rate_hz, params).update(table)


def _check_table(table: ImuTable) -> None:
    n = len(table.t)
    for name in table.acc:
        if table.acc[name].shape != (n, 3) or table.gyr[name].shape != (n, 3):
            raise ValidationError(f"{name} must have (n, 3) acc and gyr rows for the {n} times of the table")
    if n > 1 and not (table.t[1:] > table.t[:-1]).all():
        raise ValidationError("table times must increase")
