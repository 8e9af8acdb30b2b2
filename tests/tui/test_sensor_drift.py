"""The clock drift in the sensor panel (coach view) and in the watch grid's status line, read
through Pilot from status messages as the pipeline sends them (docs/timing.md: a figure once
resolved, a bound while the drift is too small to resolve, null before)."""

from __future__ import annotations

import copy
from typing import Any

from rich.text import Text

from anklet.gait import load_athlete
from anklet.tui import WatchApp
from anklet.tui._sensors import SensorPanel
from anklet.tui._watch import AthletePanel

from .feeds import coach_app, drained, replay

DRIFT = {  # sensor: (clock_drift_ppm, clock_drift_below_ppm), each kind the pipeline sends
    "left_shank": (32.4, None),
    "left_foot": (-57.6, None),
    "right_shank": (None, 17),
    "right_foot": (None, None),
}


def _with_drift(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The feed, its last status carrying the drift entries of ``DRIFT``."""
    messages = copy.deepcopy(messages)
    last_status = next(m for m in reversed(messages) if m["type"] == "status")
    for entry in last_status["sensors"]:
        entry["clock_drift_ppm"], entry["clock_drift_below_ppm"] = DRIFT[entry["name"]]
    return messages


def _plain(widget) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


async def test_sensor_panel_shows_figure_bound_or_unknown(feeds):
    app = coach_app(_with_drift(feeds["restricted_pf_right"]), "running")
    async with app.run_test(size=(100, 30)) as pilot:
        await drained(pilot)
        cells = [_plain(cell) for cell in app.query_one(SensorPanel).query(".sensor")]
    lines = {line.split()[1] + line.split()[2]: line for line in cells}
    assert lines["Lshank"].endswith("+32 ppm")
    assert lines["Lfoot"].endswith("-58 ppm")
    assert lines["Rshank"].endswith("<17 ppm")
    assert lines["Rfoot"].endswith("-- ppm")


async def test_watch_status_line_shows_the_largest_drift_once_every_sensor_has_one(feeds):
    messages = [{**m, "station": "s1", "athlete": "default"} for m in _with_drift(feeds["restricted_pf_right"])]
    last_status = next(m for m in reversed(messages) if m["type"] == "status")
    assert "drift" not in await _watched_status_line(messages)  # right_foot has no figure yet

    for entry in last_status["sensors"]:
        if entry["name"] == "right_foot":
            entry["clock_drift_below_ppm"] = 9
    assert "drift ≤58 ppm" in await _watched_status_line(messages)


async def _watched_status_line(messages: list[dict]) -> str:
    """The watch grid's status line once ``messages`` have all been shown."""
    app = WatchApp(replay(messages), load_athlete(), title="test")
    async with app.run_test(size=(120, 30)) as pilot:
        while not app.model.ended:
            await pilot.pause(0.01)
        app.redraw()
        await pilot.pause()
        return _plain(app.query_one(AthletePanel).query_one(".panel-status"))


def test_sensor_panel_snapshot(snap_compare, feeds):
    """The running view at 100x30 with each kind of drift reading in its sensor panel."""
    app = coach_app(_with_drift(feeds["restricted_pf_right"]), "running")
    assert snap_compare(app, terminal_size=(100, 30), run_before=drained)
