"""The live pipeline's parts: the grid that waits for late packets, the bounded subscription,
the estimator that calibrates once, and the message schema."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from anklet.errors import ValidationError
from anklet.files import ImuTable
from anklet.pipeline import AngleChunk, AngleEstimator, LiveGrid, Subscription, TimedSamples, angles_messages
from anklet.sim import load_scenario, simulate

RATE = 100.0


def _packet(first_row: int, count: int = 4, *, follows_loss: bool = False) -> TimedSamples:
    t = (first_row + np.arange(count)) / RATE
    return TimedSamples(t, np.column_stack([t, t, t]), np.zeros((count, 3)), follows_loss)


def _grid() -> LiveGrid:
    grid = LiveGrid(["a", "b"], RATE, max_wait_s=0.3, reorder_wait_s=0.03)
    grid.add("a", _packet(0), 0.05)
    grid.add("b", _packet(0), 0.05)
    assert len(grid.advance(0.05).rows.t) == 4
    return grid


def test_grid_waits_for_a_reordered_packet_then_uses_it():
    grid = _grid()
    grid.add("b", _packet(4), 0.09)
    grid.add("a", _packet(8, follows_loss=True), 0.10)  # overtook a's rows 4-7
    assert grid.advance(0.10).rows is None  # row 4 must wait for the hole in "a"
    grid.add("a", _packet(4), 0.11)  # the late packet
    release = grid.advance(0.11)
    np.testing.assert_allclose(release.rows.t, np.arange(4, 8) / RATE)
    np.testing.assert_allclose(release.rows.acc["a"][:, 0], release.rows.t)  # a's late samples, not NaN


def test_grid_holds_a_hole_behind_lost_packets_only_for_reorder_wait():
    grid = _grid()
    grid.add("b", _packet(4, count=8), 0.13)
    grid.add("a", _packet(8, follows_loss=True), 0.13)
    assert grid.advance(0.13).rows is None
    release = grid.advance(0.17)  # nothing came within 30 ms: rows 4-7 of "a" are lost
    np.testing.assert_allclose(release.rows.t, np.arange(4, 12) / RATE)
    assert np.isnan(release.rows.acc["a"][:4]).all() and not np.isnan(release.rows.acc["a"][5:]).any()


def test_grid_does_not_wait_at_a_hole_with_no_packet_missing():
    """A hole with no sequence gap (the clock sync stepped, the firmware dropped samples) can
    never fill: it holds nothing."""
    grid = _grid()
    grid.add("b", _packet(4, count=8), 0.13)
    grid.add("a", _packet(8), 0.13)
    release = grid.advance(0.13)
    np.testing.assert_allclose(release.rows.t, np.arange(4, 12) / RATE)
    assert np.isnan(release.rows.acc["a"][:4]).all()


def test_grid_fixes_each_sensors_rows_without_waiting_for_the_others():
    """The rows of "a" come as soon as "a" has covered them while "b" is late, and the rows
    released for both later are those same rows."""
    grid = _grid()
    grid.add("a", _packet(4), 0.09)
    early = grid.advance(0.09)
    assert early.rows is None
    (a_rows,) = early.sensor_rows
    assert a_rows.sensors == ["a"]
    np.testing.assert_allclose(a_rows.t, np.arange(4, 8) / RATE)
    grid.add("b", _packet(4), 0.10)
    release = grid.advance(0.10)
    assert [table.sensors for table in release.sensor_rows] == [["b"]]
    np.testing.assert_array_equal(release.rows.acc["a"], a_rows.acc["a"])


def test_grid_gives_up_on_a_silent_sensor_after_max_wait():
    grid = _grid()
    b_last_heard = 0.05
    for row in range(4, 60, 4):
        now = row / RATE + 0.05
        grid.add("a", _packet(row), now)
        released = grid.advance(now).rows
        if now - b_last_heard <= 0.3:
            assert released is None  # b silent, but not for long yet
    assert released is not None
    assert np.isnan(released.acc["b"]).all() and not np.isnan(released.acc["a"]).any()


@pytest.mark.asyncio
async def test_subscription_drops_the_oldest_when_the_reader_lags():
    subscription = Subscription(maxsize=3)
    for index in range(5):
        subscription.put({"type": "angles", "t": index})
    subscription.close()
    received = [message["t"] async for message in subscription]
    assert received == [2, 3, 4]
    assert subscription.dropped_ == 2


@pytest.mark.asyncio
async def test_subscription_wakes_a_waiting_reader():
    subscription = Subscription(maxsize=10)
    reader = asyncio.create_task(anext(aiter(subscription)))
    await asyncio.sleep(0)
    assert not reader.done()
    subscription.put({"type": "status", "t": 1.0})
    assert (await asyncio.wait_for(reader, 1.0))["t"] == 1.0


def test_angles_messages_keep_their_rate_across_chunks():
    t = np.arange(0, 300) / RATE
    angles = {"left": np.zeros((300, 3)), "right": np.full((300, 3), np.nan)}
    messages, last = [], -1
    for rows in np.array_split(np.arange(300), 37):  # chunks that cut periods anywhere
        new, last = angles_messages(AngleChunk(t[rows], {s: a[rows] for s, a in angles.items()}), 10.0, last)
        messages += new
    times = [message["t"] for message in messages]
    np.testing.assert_allclose(times, np.arange(30) / 10.0)
    assert messages[0]["left"]["dorsiflexion_deg"] == 0.0
    assert messages[0]["right"] == {"dorsiflexion_deg": None, "inversion_deg": None, "rotation_deg": None}


@pytest.fixture(scope="module")
def squat_table():
    session = simulate(load_scenario("squats"), seed=2, duration_s=40)
    return session.imu_table(), session.sample_rate_hz


def _rows(table: ImuTable, rows: slice) -> ImuTable:
    return ImuTable(table.t[rows], {n: a[rows] for n, a in table.acc.items()}, {n: g[rows] for n, g in table.gyr.items()})


def test_estimator_holds_rows_until_calibrated_then_returns_them_all(squat_table):
    table, rate = squat_table
    whole = AngleEstimator(rate).update(table)
    estimator = AngleEstimator(rate)
    returned = []
    for start in range(0, len(table.t), 37):
        chunk = estimator.update(_rows(table, slice(start, start + 37)))
        if estimator.calibration is None:
            assert len(chunk) == 0
        returned.append(chunk)
    assert estimator.calibration is not None
    t = np.concatenate([chunk.t for chunk in returned])
    np.testing.assert_array_equal(t, table.t)  # every row, once, in order
    left = np.vstack([chunk.angles["left"] for chunk in returned if len(chunk)])
    np.testing.assert_allclose(left, whole.angles["left"], atol=1e-9)


def test_estimator_finish_calibrates_a_short_session(squat_table):
    table, rate = squat_table
    estimator = AngleEstimator(rate)
    assert len(estimator.update(_rows(table, slice(0, int(12 * rate))))) == 0
    chunk = estimator.finish()
    assert estimator.calibration is not None and len(chunk) == int(12 * rate)


def test_estimator_without_standing_says_so(squat_table):
    table, rate = squat_table
    moving = _rows(table, slice(int(6 * rate), None))  # starts mid-squat
    moving = ImuTable(moving.t, moving.acc, {n: g + 0.5 for n, g in moving.gyr.items()})  # never still
    with pytest.raises(ValidationError, match="no quiet standing period"):
        AngleEstimator(rate).update(moving)


def test_calibration_runs_off_the_event_loop_and_its_failure_still_reaches_run(run_session, monkeypatch):
    """Looking for standing and calibrating take 0.15-0.6 s at once: the live pipeline runs
    them on a worker thread, so the loop (TUI, MQTT, BLE callbacks) keeps turning."""
    import threading

    from anklet.pipeline import _angles

    from .conftest import run_live

    calibrating_threads = []
    real_calibrate = _angles.AngleEstimator._calibrate

    def noting_calibrate(self, held, rows):
        calibrating_threads.append(threading.current_thread())
        real_calibrate(self, held, rows)

    monkeypatch.setattr(_angles.AngleEstimator, "_calibrate", noting_calibrate)
    pipeline, chunk, _ = run_live(run_session)
    assert pipeline.estimator.calibration is not None and len(chunk) > 0
    assert calibrating_threads and threading.main_thread() not in calibrating_threads

    def failing_calibrate(self, held, rows):
        raise ValidationError("no quiet standing period")

    monkeypatch.setattr(_angles.AngleEstimator, "_calibrate", failing_calibrate)
    with pytest.raises(ValidationError, match="no quiet standing"):
        run_live(run_session)


async def test_a_transport_that_cannot_start_still_ends_every_subscription():
    """A reader waiting on the pipeline (a printer, a TUI) must not hang when the sensors cannot
    be reached: the error reaches ``run``'s caller and every subscription ends."""
    from anklet.errors import TransportError
    from anklet.pipeline import LivePipeline
    from anklet.transport import Transport

    class Unreachable(Transport):
        async def __aenter__(self):
            raise TransportError("left_foot (AK000002) was not heard within 1 s")

        def notifications(self):
            raise AssertionError("never reached")

    pipeline = LivePipeline(["left_foot"])
    subscription = pipeline.subscribe()
    reader = asyncio.create_task(anext(subscription, None))
    with pytest.raises(TransportError, match="not heard"):
        await pipeline.run(Unreachable())
    assert await asyncio.wait_for(reader, 1.0) is None
