"""A sensor whose link is reported down does not hold the grid: the others' rows are released
as they come (its columns NaN), not after ``max_wait_s``; reported up, it holds rows again."""

from __future__ import annotations

import numpy as np
import pytest

from anklet.pipeline import LiveGrid, LivePipeline, TimedSamples
from anklet.sim import load_scenario, simulate
from anklet.transport import Notification

RATE = 100.0
PACKET_ROWS = 4  # one packet every 40 ms
MAX_WAIT_S = 0.3


def _packet(first_row: int) -> TimedSamples:
    t = (first_row + np.arange(PACKET_ROWS)) / RATE
    return TimedSamples(t, np.column_stack([t, t, t]), np.zeros((PACKET_ROWS, 3)))


def _stream(grid: LiveGrid, packets_of: dict[str, range], reports: dict[int, tuple[str, bool]]) -> dict[int, int]:
    """Feed the packets starting at each row in ``packets_of[name]`` as they would arrive (at the
    time of their last sample), and ``reports[row]`` (a link down or up) just before the packets
    of that row; per packet row, the last joint row released so far."""
    released_through, last = {}, -1
    for first_row in range(0, 400, PACKET_ROWS):
        arrival_s = (first_row + PACKET_ROWS - 1) / RATE
        if first_row in reports:
            name, up = reports[first_row]
            grid.on_connection(name, up, arrival_s)
        for name, rows in packets_of.items():
            if first_row in rows:
                grid.add(name, _packet(first_row), arrival_s)
        rows = grid.advance(arrival_s).rows
        if rows is not None:
            assert round(rows.t[0] * RATE) == last + 1  # every row once, in order
            last = round(rows.t[-1] * RATE)
            if 100 < rows.t[0] * RATE < 296:  # "b" is away: its columns are empty, "a"'s are not
                assert np.isnan(rows.acc["b"]).all() and not np.isnan(rows.acc["a"]).any()
        released_through[first_row] = last
    return released_through


@pytest.mark.parametrize("reported", [True, False])
def test_the_others_rows_are_released_packet_by_packet_while_a_sensor_is_down(reported):
    """"b" goes away after row 100 and comes back at row 300. Reported down, every packet of
    "a" releases its own rows (within a row: the grid floors sample times); not reported (a
    sensor that just went quiet), the rows wait ``max_wait_s`` (30 rows) first."""
    grid = LiveGrid(["a", "b"], RATE, MAX_WAIT_S)
    packets = {"a": range(0, 400, PACKET_ROWS), "b": [*range(0, 100, PACKET_ROWS), *range(300, 400, PACKET_ROWS)]}
    through = _stream(grid, packets, {100: ("b", False), 300: ("b", True)} if reported else {})
    behind = {row: row + PACKET_ROWS - 1 - through[row] for row in range(100, 300, PACKET_ROWS)}
    if reported:
        assert max(behind.values()) <= 1
    else:
        assert behind[124] >= 24 and through[124] < 100  # held for max_wait_s
        assert max(behind[row] for row in range(132, 300, PACKET_ROWS)) <= 1  # then "b" is given up
    assert through[396] == 399


def test_a_sensor_reported_up_holds_rows_until_its_data_resume():
    """Reported up at row 300, its first packet (rows 300-303) arriving two packets late: the
    rows from 300 wait for it (within ``max_wait_s``) and carry its samples, rather than being
    released without them."""
    grid = LiveGrid(["a", "b"], RATE, MAX_WAIT_S)
    for first_row in range(0, 100, PACKET_ROWS):
        grid.add("a", _packet(first_row), (first_row + 3) / RATE)
        grid.add("b", _packet(first_row), (first_row + 3) / RATE)
        grid.advance((first_row + 3) / RATE)
    grid.on_connection("b", False, 1.0)
    for first_row in range(100, 300, PACKET_ROWS):
        grid.add("a", _packet(first_row), (first_row + 3) / RATE)
        grid.advance((first_row + 3) / RATE)
    grid.on_connection("b", True, 3.0)
    grid.add("a", _packet(300), 3.03)
    grid.add("a", _packet(304), 3.07)
    assert grid.advance(3.07).rows is None  # "b" is waited for again
    grid.add("b", _packet(300), 3.08)
    grid.add("b", _packet(304), 3.08)
    rows = grid.advance(3.08).rows
    assert round(rows.t[0] * RATE) == 300 and round(rows.t[-1] * RATE) >= 306
    assert not np.isnan(rows.acc["b"][1:]).any()  # (row 300 sits on the outage's edge: the gap rule leaves it empty)


def test_a_first_connection_reported_up_before_any_data_holds_nothing():
    """The transport reports each sensor up as it subscribes; one that has not sent yet while
    the others stream does not hold their rows (nor break the grid)."""
    grid = LiveGrid(["a", "b"], RATE, MAX_WAIT_S)
    grid.add("a", _packet(0), 0.03)
    grid.on_connection("b", True, 0.03)
    rows = grid.advance(0.03).rows
    assert len(rows.t) == PACKET_ROWS and np.isnan(rows.acc["b"]).all()


def test_the_pipeline_fixes_a_down_sensors_rows_as_the_others_come():
    """Through LivePipeline: a stage sees the down sensor's (empty) rows fixed alongside the
    others' notifications, at most a packet behind, instead of ``max_wait_s`` behind."""
    session = simulate(load_scenario("easy_run"), seed=2, duration_s=14)
    down_s, up_s, sensor = 8.0, 11.5, "left_foot"

    class FixedUntil:
        """Per notification time, the last row time fixed so far for ``sensor``."""

        def __init__(self) -> None:
            self.until_s = -np.inf

        def on_rows(self, rows):
            if sensor in rows.acc:
                self.until_s = float(rows.t[-1])
            return []

        def on_angles(self, chunk):
            return []

        def finish(self):
            return []

    lag_s = {}
    for reported in (True, False):
        stage = FixedUntil()
        pipeline = LivePipeline(list(session.sensors), stages=[stage])
        notifications = [n for n in session.notifications() if not (n.sensor == sensor and down_s <= n.host_time_s < up_s)]
        if reported:
            notifications += [Notification(sensor, "connection", b"down", down_s), Notification(sensor, "connection", b"up", up_s)]
        lags = []
        for notification in sorted(notifications, key=lambda n: n.host_time_s):
            pipeline.handle(notification)
            if down_s + 0.05 <= notification.host_time_s < up_s:
                lags.append(notification.host_time_s - stage.until_s)
        lag_s[reported] = max(lags)
    assert lag_s[True] < 0.1  # a packet (20 ms) and the others' own delivery delay
    assert lag_s[False] > pipeline.params.max_wait_s  # the control: without the report it waits
