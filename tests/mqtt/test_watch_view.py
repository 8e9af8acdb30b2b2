"""The multi-station view (``anklet watch``) on a frozen feed: what two stations published to a
real broker (``published``), decoded as the watch decodes it, fed without real time.

Update the snapshot after a deliberate change with ``pytest tests/mqtt --snapshot-update`` and
look at the SVG before committing it."""

from __future__ import annotations

import pytest
from rich.text import Text

from anklet.gait import load_athlete
from anklet.mqtt import decode
from anklet.tui import WatchApp
from anklet.tui._watch import AthletePanel

from tui.feeds import QueueFeed, replay  # tests/tui: the coach view's test feeds

STATIONS = ("bench_restricted_pf_right", "bench_knee_to_wall")


@pytest.fixture(scope="module")
def frozen_feed(published):
    runs, _ = published
    return [decode(topic, payload) for _, received in runs.values() for topic, payload in received]


def _app(feed) -> WatchApp:
    return WatchApp(feed, load_athlete(), title="mqtt://127.0.0.1:1883")


async def _drained(pilot) -> None:
    while not pilot.app.model.ended:
        await pilot.pause(0.01)
    pilot.app.redraw()
    await pilot.pause()


def _text(widget) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


async def test_one_panel_per_station_and_athlete(frozen_feed):
    app = _app(replay(frozen_feed))
    async with app.run_test(size=(140, 40)) as pilot:
        await _drained(pilot)
        panels = list(app.query(AthletePanel))
        assert [panel.key for panel in panels] == [(station, "default") for station in STATIONS]
        running, knee_to_wall = panels
        assert running.border_title == "bench_restricted_pf_right · default" and running.border_subtitle.startswith("running")
        assert knee_to_wall.border_subtitle.startswith("assessment")
        # both stations said goodbye at their end: offline, red border
        assert all(panel.has_class("-offline") for panel in panels)
        right_title = _text(running.query(".side-title").last())
        assert "RIGHT" in right_title and "RESTRICTED" in right_title  # the right ankle is the restricted one
        up = [badge for badge in running.query(".flags-running .badge") if badge.has_class("-up")]
        assert {str(badge.render()) for badge in up} >= {"EXTENSION"}
        assert "FAIL" in _text(knee_to_wall.query(".side-title").last())  # its right knee stops short of the wall
        assert "2 athletes, 0 online at 2 stations" in _text(app.query_one("#header"))


async def test_a_station_comes_online_while_watched_and_quitting_closes_the_feed(frozen_feed):
    feed = QueueFeed()
    app = _app(feed)
    async with app.run_test(size=(100, 30)) as pilot:
        assert not list(app.query(AthletePanel))
        online = [m for m in frozen_feed if m["station"] == STATIONS[0] and m.get("state") != "offline"]
        for message in online[:300]:
            feed.put(message)
        while app.model.version < 300:
            await pilot.pause(0.01)
        app.redraw()
        await pilot.pause()
        (panel,) = app.query(AthletePanel)
        assert not panel.has_class("-offline")
        assert "4/4 sensors" in _text(panel.query_one(".panel-status"))
        await pilot.press("q")
    assert feed.closed


def test_two_athlete_grid_snapshot(snap_compare, frozen_feed):
    assert snap_compare(_app(replay(frozen_feed)), terminal_size=(120, 34), run_before=_drained)
