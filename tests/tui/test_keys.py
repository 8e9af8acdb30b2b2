"""Every key of the coach view, through Pilot, on a feed the test writes as it goes."""

from __future__ import annotations

from textual.widgets import ContentSwitcher, Static

from anklet.errors import ValidationError
from anklet.gait import load_athlete
from anklet.tui import CoachApp
from anklet.tui._help import HelpScreen
from anklet.tui._sensors import SensorPanel
from anklet.tui._trace import AngleTrace

from .feeds import QueueFeed, coach_app


def _status(t: float) -> dict:
    return {"type": "status", "t": t, "calibrated": True,
            "sensors": [{"name": "left_foot", "connected": True, "rate_hz": 200.0, "loss_pct": 0.0, "battery_pct": 80}]}


def _angles(t: float, left: float, athlete: str | None = None) -> dict:
    message = {"type": "angles", "t": t, "left": {"dorsiflexion_deg": left}, "right": {"dorsiflexion_deg": -left}}
    return message if athlete is None else {**message, "athlete": athlete}


def _header(app) -> str:
    return str(app.query_one("#header", Static).render())


async def _taken(pilot, feed: QueueFeed) -> None:
    while not feed.queue.empty():
        await pilot.pause(0.01)
    pilot.app.redraw()


async def _statuses_taken(pilot, feed: QueueFeed, *times: float) -> None:
    """Send a status at each of ``times`` and wait until the model has them (not drawn)."""
    for t in times:
        feed.put(_status(t))
    while pilot.app.model.athletes["default"].t < times[-1]:
        await pilot.pause(0.01)


NO_TIMER_HZ = 1e-3  # the redraw timer never ticks in the test: it calls what the timer calls


async def test_space_freezes_the_display_while_messages_keep_coming():
    feed = QueueFeed()
    app = coach_app(feed, "running")
    async with app.run_test(size=(80, 24)) as pilot:
        feed.put(_status(1.0))
        await _taken(pilot, feed)
        await pilot.press("space")
        assert app.paused and "PAUSED" in _header(app) and "t    1.0 s" in _header(app)
        drawn = app.redraws_
        await _statuses_taken(pilot, feed, 2.0, 3.0)
        app._redraw_if_changed()  # what the timer does
        assert app.redraws_ == drawn and "t    1.0 s" in _header(app)  # the model moved on, the screen did not
        await pilot.press("p")
        assert not app.paused and "t    3.0 s" in _header(app) and "PAUSED" not in _header(app)


async def test_a_redraw_happens_only_when_a_message_changed_something():
    feed = QueueFeed()
    app = coach_app(feed, "running", redraw_hz=NO_TIMER_HZ)
    async with app.run_test(size=(80, 24)) as pilot:
        feed.put(_status(1.0))
        await _taken(pilot, feed)
        drawn = app.redraws_
        app._redraw_if_changed()
        app._redraw_if_changed()
        assert app.redraws_ == drawn
        await _statuses_taken(pilot, feed, 2.0, 3.0)
        app._redraw_if_changed()
        app._redraw_if_changed()
        assert app.redraws_ == drawn + 1  # many messages, one redraw


async def test_a_tick_before_every_widget_is_mounted_waits_for_the_next_one():
    feed = QueueFeed()
    app = coach_app(feed, "running", redraw_hz=NO_TIMER_HZ)
    async with app.run_test(size=(80, 24)) as pilot:
        feed.put(_status(1.0))
        await _taken(pilot, feed)
        panel = app.query_one(SensorPanel)
        await panel.remove()  # as on a busy start, when the timer ticks before the panel is mounted
        await _statuses_taken(pilot, feed, 2.0)
        app._redraw_if_changed()  # what the timer does: it draws nothing and raises nothing
        assert "t    1.0 s" in _header(app)
        await app.mount(panel)
        app._redraw_if_changed()  # the next tick draws what the skipped ones did not
        assert "t    2.0 s" in _header(app)


async def test_m_marks_the_moment_on_the_trace():
    feed = QueueFeed()
    app = coach_app(feed, "running")
    async with app.run_test(size=(100, 30)) as pilot:
        for i in range(30):
            feed.put(_angles(10.0 + 0.1 * i, 5.0))
        await _taken(pilot, feed)
        await pilot.press("m")
        assert [(mark.t, mark.athlete) for mark in app.model.athletes["default"].marks] == [(12.9, "default")]
        app.redraw()
        assert all("M" in str(trace.render()).splitlines()[-1] for trace in app.query_one("#running").query(AngleTrace))


async def test_a_replayed_recordings_marks_are_drawn_when_the_session_reaches_them():
    feed = QueueFeed()
    app = coach_app(feed, "running", marks=[(11.0, "default")])
    async with app.run_test(size=(100, 30)) as pilot:
        traces = app.query_one("#running").query(AngleTrace)
        for i in range(6):
            feed.put(_angles(10.0 + 0.1 * i, 5.0))
        await _taken(pilot, feed)
        assert not any("M" in str(trace.render()).splitlines()[-1] for trace in traces)
        for i in range(6, 12):
            feed.put(_angles(10.0 + 0.1 * i, 5.0))
        await _taken(pilot, feed)
        assert all("M" in str(trace.render()).splitlines()[-1] for trace in traces)


async def test_v_and_number_keys_switch_views():
    app = coach_app(QueueFeed(), "running")
    async with app.run_test(size=(80, 24)) as pilot:
        switcher = app.query_one(ContentSwitcher)
        seen = [switcher.current]
        for _ in range(3):
            await pilot.press("v")
            seen.append(switcher.current)
        assert seen == ["running", "squat", "assessment", "running"]
        for key, view in (("3", "assessment"), ("1", "running"), ("2", "squat")):
            await pilot.press(key)
            assert switcher.current == view


async def test_a_switches_between_the_athletes_the_feed_carries():
    feed = QueueFeed()
    app = coach_app(feed, "running")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")
        assert app.athlete_name == "default"
        assert any("only one athlete" in n.message for n in app._notifications)
        feed.put(_angles(1.0, 5.0))
        feed.put(_angles(7.5, 9.0, athlete="ada"))
        await _taken(pilot, feed)
        await pilot.press("a")
        assert app.athlete_name == "ada" and "athlete ada (2/2)" in _header(app) and "t    7.5 s" in _header(app)
        await pilot.press("a")
        assert app.athlete_name == "default"


async def test_r_without_a_recorder_says_this_feed_cannot_be_recorded_here():
    """A feed whose owner gave no recorder (e.g. one watched over MQTT); with one, see
    test_record_key.py."""
    app = coach_app(QueueFeed(), "running")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        assert any("cannot be recorded here" in n.message for n in app._notifications)


async def test_help_opens_on_question_mark_and_h_and_closes_on_any_key():
    app = coach_app(QueueFeed(), "running")
    async with app.run_test(size=(100, 30)) as pilot:
        for key in ("question_mark", "h"):
            await pilot.press(key)
            assert isinstance(app.screen, HelpScreen)
            assert "keep coming in" in str(app.screen.query_one(Static).render())
            await pilot.press("x")
            assert not isinstance(app.screen, HelpScreen)


async def test_q_quits_and_closes_the_feed():
    for key in ("q", "ctrl+c"):
        feed = QueueFeed()
        app = coach_app(feed, "running")
        async with app.run_test(size=(80, 24)) as pilot:
            feed.put(_status(1.0))
            await _taken(pilot, feed)
            await pilot.press(key)
            await pilot.pause()
        assert feed.closed and app.return_code == 0


async def test_a_failing_feed_ends_the_app_with_its_error():
    async def failing():
        yield _status(1.0)
        raise ValidationError("too little movement to calibrate")

    app = CoachApp(failing(), load_athlete(), activity="running")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
    assert isinstance(app.error_, ValidationError) and app.return_code == 1
