"""A replay at max speed against the session it replays: the same messages.

``LivePipeline.replay`` takes a few seconds of notifications at a time, so a replay publishes
the same messages in a slightly different order (time order within each window, where live
publishes each notification's in time order), and the moment calibration is reported done
(``status.calibrated``) can move: a replay reports it at most a window after live did, and
live can report it later still, since its calibration runs on a worker while the session
goes on (at ``--speed 12`` a second of calibrating on a busy machine is 12 s of session).
Everything else is the session's, to the last digit.
"""

from __future__ import annotations

import json
import math
from typing import Any


def assert_same_session(live: list[dict[str, Any]], replayed: list[dict[str, Any]], window_s: float = 5.0) -> None:
    live_statuses, replayed_statuses = _statuses(live), _statuses(replayed)
    assert [_without_calibrated(status) for status in replayed_statuses] == [
        _without_calibrated(status) for status in live_statuses]
    replay_calibrated, session_calibrated = _calibrated_at(replayed_statuses), _calibrated_at(live_statuses)
    assert replay_calibrated == session_calibrated or replay_calibrated <= session_calibrated + window_s + 1.0
    assert sorted(map(_line, _others(replayed))) == sorted(map(_line, _others(live)))


def _statuses(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [message for message in messages if message["type"] == "status"]


def _others(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [message for message in messages if message["type"] != "status"]


def _without_calibrated(status: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in status.items() if key != "calibrated"}


def _calibrated_at(statuses: list[dict[str, Any]]) -> float:
    """When the statuses first report calibration done, s (inf: never)."""
    return next((status["t"] for status in statuses if status["calibrated"]), math.inf)


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message, sort_keys=True)
