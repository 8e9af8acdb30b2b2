"""Recording helpers shared by the recording tests."""

from __future__ import annotations

from pathlib import Path

from anklet.gait import load_athlete
from anklet.recording import Recorder, SessionInfo
from anklet.transport import Notification


def session_info(session, title: str = "easy_run") -> SessionInfo:
    return SessionInfo(tuple(session.sensors), session.scenario.kind, load_athlete(), session.sample_rate_hz,
                       title=title, source="tests")


def record(path: Path, notifications: list[Notification], info: SessionInfo, *, finish: bool = True) -> Recorder:
    recorder = Recorder(path)
    recorder.begin(info)
    for notification in notifications:
        recorder.take(notification)
    if finish:
        recorder.end()
    return recorder
