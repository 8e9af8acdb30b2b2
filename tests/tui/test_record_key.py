"""The coach view's ``r`` and ``m`` with a real recorder: files written, marks kept, the header
saying when it records."""

from __future__ import annotations

from textual.widgets import Static

from anklet.gait import load_athlete
from anklet.recording import Recorder, SessionInfo, read_recording
from anklet.sim import load_scenario, simulate

from .feeds import QueueFeed, coach_app


def _header(app) -> str:
    return str(app.query_one("#header", Static).render())


def _recorder(tmp_path, notifications, **kwargs) -> Recorder:
    recorder = Recorder(**kwargs)
    recorder.begin(SessionInfo(("left_shank", "left_foot", "right_shank", "right_foot"), "running", load_athlete(),
                               200.0, title="easy_run"))
    for notification in notifications:
        recorder.take(notification)
    return recorder


async def test_r_starts_and_stops_a_recording_of_the_whole_session_with_its_marks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sent = simulate(load_scenario("easy_run"), seed=1, duration_s=6).notifications()
    recorder = _recorder(tmp_path, sent[:600], keep_history=True)
    feed = QueueFeed()
    app = coach_app(feed, "running", recorder=recorder)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()  # the views mounted
        feed.put({"type": "status", "t": 2.5, "calibrated": False, "sensors": []})
        while not feed.queue.empty():
            await pilot.pause(0.01)
        await pilot.press("m")  # before recording: kept for the recording to come
        assert "REC" not in _header(app)
        await pilot.press("r")
        assert recorder.path_ is not None and f"● REC {recorder.path_.name}" in _header(app)
        assert any("from the session's start" in n.message for n in app._notifications)
        for notification in sent[600:]:
            recorder.take(notification)
        await pilot.press("m")
        path = recorder.path_
        await pilot.press("r")
        assert recorder.path_ is None and "REC" not in _header(app)
        assert any(f"recording stopped: {path}" in n.message for n in app._notifications)
    recording = read_recording(path)
    assert recording.complete and path.parent == tmp_path
    assert [n.payload for n in recording.notifications] == [n.payload for n in sent]
    assert [mark.t for mark in recording.marks] == [2.5, 2.5] and recording.marks[0].athlete == "default"


async def test_r_where_it_cannot_write_says_so_and_the_session_goes_on(tmp_path, monkeypatch):
    monkeypatch.chdir("/proc")  # no one creates files there, not even root
    recorder = _recorder(tmp_path, [], keep_history=True)
    feed = QueueFeed()
    app = coach_app(feed, "running", recorder=recorder)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()  # the views mounted
        await pilot.press("r")
        assert recorder.path_ is None
        assert any("cannot write the recording" in n.message for n in app._notifications)
        feed.put({"type": "status", "t": 1.0, "calibrated": False, "sensors": []})
        while not feed.queue.empty():
            await pilot.pause(0.01)
        assert app.model.athletes["default"].t == 1.0
