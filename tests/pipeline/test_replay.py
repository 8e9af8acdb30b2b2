"""``LivePipeline.replay``, a recording's fast path: the session's messages from array steps.

Each part is held to its one-by-one twin: the links' decoding and timing bit for bit, the grid
taking a stretch at once only when that releases the same rows, the estimator's angles the
same whatever the chunks. Then whole sessions: replayed, they give the messages they gave live
(``tests/replayed.py``), through loss, reordering, a disconnect, a reboot and clipping.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math

import numpy as np
import pytest
from replayed import assert_same_session

from anklet.cli._live import session_pipeline
from anklet.files import ImuTable
from anklet.gait import load_athlete
from anklet.pipeline import AngleEstimator, LiveGrid, LivePipeline, TimedPackets, TimedSamples
from anklet.pipeline._link import SensorLink
from anklet.sim import load_scenario, simulate
from anklet.sim._virtual import VirtualSensorTransport


def _data(session, sensor: str) -> list:
    return [n for n in session.notifications() if n.sensor == sensor and n.channel == "data"]


@pytest.mark.parametrize("window", [1, 17, 400])
def test_a_link_times_packets_at_once_as_one_by_one(chaos_session, window):
    """Loss, duplicates, reorders, a stall, the disconnect and a malformed packet, bit for bit."""
    packets = _data(chaos_session, "left_foot")
    packets.insert(300, dataclasses.replace(packets[300], payload=b"\x01\x00garbage"))
    one, many = SensorLink("left_foot"), SensorLink("left_foot")
    expected = [one.on_data(p.payload, p.host_time_s) for p in packets]
    got = []
    for start in range(0, len(packets), window):
        part = packets[start : start + window]
        block, keep = many.on_data_many([p.payload for p in part], [p.host_time_s for p in part])
        assert block.n_packets == keep.sum()
        np.testing.assert_array_equal(block.arrival_s, [p.host_time_s for p, kept in zip(part, keep, strict=True) if kept])
        taken = iter(range(block.n_packets))
        got += [block.packet(next(taken)) if kept else None for kept in keep]
    assert [g is None for g in got] == [e is None for e in expected]
    assert sum(e is None for e in expected) > 1  # the duplicates and the malformed packet
    for g, e in zip(got, expected, strict=True):
        if e is not None:
            assert g.follows_loss == e.follows_loss
            for name in ("t", "acc", "gyr"):
                assert np.array_equal(getattr(g, name), getattr(e, name)), name
    assert many.status(60.0) == one.status(60.0)
    assert (many.malformed_, many.sequence.lost_packets_, many.sequence.duplicates_) == (
        one.malformed_, one.sequence.lost_packets_, one.sequence.duplicates_)


def test_a_malformed_packet_in_a_period_leaves_the_others_decoded_together_as_live(chaos_session):
    """The links decode every sensor's packets of a period in one call (``decoded_together``);
    one malformed packet sends each link back to its own, and that one's to on_data."""
    notifications = [n for n in chaos_session.notifications() if n.host_time_s <= 20.0]
    at = next(i for i, n in enumerate(notifications) if n.host_time_s > 12.0 and n.channel == "data")
    notifications.insert(at, dataclasses.replace(notifications[at], payload=b"\x01\x00garbage"))
    messages = []
    for replay in (False, True):
        pipeline = LivePipeline(list(chaos_session.sensors))
        subscription = pipeline.subscribe(maxsize=10**6)
        if replay:
            asyncio.run(pipeline.replay(notifications))
        else:
            asyncio.run(pipeline.run(VirtualSensorTransport(notifications, speed=math.inf)))
        messages.append(subscription.drain())
        assert pipeline.links[notifications[at].sensor].malformed_ == 1
    assert any(message["type"] == "angles" for message in messages[0])
    assert_same_session(*messages)


def _packet(first_row: int, rate: float = 100.0, count: int = 4, *, follows_loss: bool = False) -> TimedSamples:
    t = (first_row + np.arange(count)) / rate
    return TimedSamples(t, np.column_stack([t, t, t]), np.zeros((count, 3)), follows_loss)


def test_a_block_of_packets_gives_back_each_packet_whatever_its_cuts():
    packets = [_packet(0, count=3), _packet(3, count=5, follows_loss=True), _packet(9, count=1), _packet(10, count=4)]
    arrivals = [0.1, 0.2, 0.3, 0.4]
    block = TimedPackets.of(packets, arrivals)
    joined = TimedPackets.concatenate([block.packets(0, 1), block.packets(1, 3), block.packets(3, 4)])
    moved = TimedPackets.concatenate([block.packets(2, 4), block.packets(0, 2)])
    assert block.n_packets == joined.n_packets == moved.n_packets == 4
    for index, expected in enumerate(packets):
        for got in (block.packet(index), joined.packet(index), moved.packet((index + 2) % 4)):
            assert got.follows_loss == expected.follows_loss
            for name in ("t", "acc", "gyr"):
                np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    np.testing.assert_array_equal(joined.arrival_s, arrivals)
    assert TimedPackets.of([], []).n_packets == 0


def _grid() -> LiveGrid:
    grid = LiveGrid(["a", "b"], 100.0, max_wait_s=0.3, reorder_wait_s=0.03)
    for name in ("a", "b"):
        grid.add(name, _packet(0), 0.05)
    grid.advance(0.05)
    return grid


def test_the_grid_takes_a_stretch_at_once_only_when_arrival_times_cannot_matter():
    # both talking, in order, a late packet into the hole it left, still held: taken
    grid = _grid()
    stretch = {"a": TimedPackets.of([_packet(8, follows_loss=True), _packet(4)], [0.10, 0.11]),
               "b": TimedPackets.of([_packet(4), _packet(8)], [0.09, 0.12])}
    assert grid.add_at_once(stretch, 0.12)
    np.testing.assert_allclose(grid.advance(0.12).rows.acc["a"][:, 0], np.arange(4, 12) / 100.0)
    # the late packet after its hole was given up: live released those rows without it
    grid = _grid()
    late = {"a": TimedPackets.of([_packet(8, follows_loss=True), _packet(4)], [0.10, 0.20]),
            "b": TimedPackets.of([_packet(4), _packet(8)], [0.09, 0.19])}
    assert not grid.add_at_once(late, 0.20)
    # "b" silent past max_wait_s in the stretch: live gave it up meanwhile
    grid = _grid()
    assert not grid.add_at_once({"a": TimedPackets.of([_packet(4), _packet(8)], [0.09, 0.5])}, 0.5)
    assert grid.advance(0.05).rows is None  # nothing was taken


def test_the_angles_are_the_same_whatever_the_chunks(chaos_session):
    """Bit for bit, with the chaos link's lost rows (gaps the orientation bridges) in them."""
    table = ImuTable.concatenate(_grid_rows(chaos_session))
    rng = np.random.default_rng(3)
    cuts = np.unique(np.concatenate([[0, len(table.t)], rng.integers(0, len(table.t), 400)]))
    angles = [_angles(table, [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]),
              _angles(table, [slice(a, a + 5000) for a in range(0, len(table.t), 5000)])]
    assert np.isnan(table.acc["left_foot"][:, 0]).any()
    for side in ("left", "right"):
        np.testing.assert_array_equal(angles[0][side], angles[1][side])


def _grid_rows(session) -> list[ImuTable]:
    pipeline, rows = LivePipeline(list(session.sensors)), []
    release = pipeline._released
    pipeline._released = lambda r: (rows.append(r.rows) if r.rows is not None else None, release(r))[1]
    asyncio.run(pipeline.run(VirtualSensorTransport(session.notifications(), speed=math.inf)))
    return rows


def _angles(table: ImuTable, chunks: list[slice]) -> dict[str, np.ndarray]:
    estimator, parts = AngleEstimator(200.0, max_rows_per_update=50), []
    for rows in chunks:
        parts.append(estimator.update(table.rows(rows)))
    parts.append(estimator.finish())
    parts = [part for part in parts if len(part)]
    return {side: np.vstack([part.angles[side] for part in parts]) for side in parts[0].angles}


async def _messages(session, replay: bool) -> tuple[list[dict], LivePipeline]:
    pipeline = session_pipeline(list(session.sensors), session.sample_rate_hz, load_athlete(), session.scenario.kind)
    subscription = pipeline.subscribe(maxsize=10**6)
    if replay:
        await pipeline.replay(session.notifications())
    else:
        await pipeline.run(VirtualSensorTransport(session.notifications(), speed=math.inf))
    return subscription.drain(), pipeline


@pytest.mark.parametrize(
    ("scenario", "duration_s", "kinds"),
    [
        ("easy_run", 40, {"event", "stride"}),
        ("chaos", 80, {"event", "stride", "flag"}),  # the disconnect at 40 s, the reboot at 70 s
        ("fast_forefoot", 30, {"event", "stride"}),  # 1 kHz, the shanks clip at each landing
        ("squats", None, {"rep"}),
        ("knee_to_wall", None, {"assessment", "rep"}),
    ],
)
def test_a_replay_gives_the_session_messages(scenario, duration_s, kinds):
    session = simulate(load_scenario(scenario), seed=0, duration_s=duration_s)
    live, _ = asyncio.run(_messages(session, replay=False))
    replayed, pipeline = asyncio.run(_messages(session, replay=True))
    assert kinds <= {message["type"] for message in live}
    assert_same_session(live, replayed)


def test_a_replay_mostly_takes_whole_windows(monkeypatch):
    """The fast path is taken: after the first window, a clean session's packets reach the grid
    one by one almost never."""
    session = simulate(load_scenario("easy_run"), seed=0, duration_s=40)
    one_by_one = []
    step = LivePipeline._grid_step
    monkeypatch.setattr(LivePipeline, "_grid_step", lambda self, n, linked: (one_by_one.append(n), step(self, n, linked))[1])
    asyncio.run(_messages(session, replay=True))
    after_first_window = [n for n in one_by_one if n.host_time_s > 5.0]
    assert len(after_first_window) < 0.02 * len(session.notifications())


def test_a_period_the_grid_cannot_take_at_once_goes_one_by_one_only_around_its_trouble(monkeypatch, chaos_session):
    """chaos loses packets, stalls, disconnects and reboots: the periods around those cannot
    be taken whole, but their halves, quarters... can, down to the few notifications that
    made the trouble: 4.8 % of the session one by one (the whole periods were 8.5 %)."""
    one_by_one = []
    step = LivePipeline._grid_step
    monkeypatch.setattr(LivePipeline, "_grid_step", lambda self, n, linked: (one_by_one.append(n), step(self, n, linked))[1])
    asyncio.run(_messages(chaos_session, replay=True))
    assert len(one_by_one) < 0.06 * len(chaos_session.notifications())


def test_a_window_of_nothing_to_take_changes_nothing(chaos_session):
    """A replay whose last notification closes a window ends on an empty one; a window may hold
    only sensors the session does not use."""
    pipeline = LivePipeline(list(chaos_session.sensors))
    subscription = pipeline.subscribe(maxsize=10**6)
    notifications = [n for n in chaos_session.notifications() if n.host_time_s <= 10.0]
    pipeline.handle_many(notifications)
    taken = subscription.drain()
    pipeline.handle_many([])
    pipeline.handle_many([dataclasses.replace(notifications[-1], sensor="elbow")])
    assert subscription.drain() == [] and taken
