"""The coach model: bounded state per athlete and side, whatever the session's length."""

from __future__ import annotations

from anklet.tui import CoachModel
from anklet.tui._model import ANGLES_PER_S, EVENTS_KEPT, STRIDES_KEPT, TRACE_KEEP_S


def test_thirty_minutes_of_messages_hold_no_more_than_thirty_seconds():
    model = CoachModel("default", "running")
    for i in range(int(1800 * ANGLES_PER_S)):
        t = i / ANGLES_PER_S
        model.handle({"type": "angles", "t": t, "left": {"dorsiflexion_deg": 1.0}, "right": {"dorsiflexion_deg": 2.0}})
        if i % 4 == 0:
            model.handle({"type": "event", "t": t, "side": "left", "event": "TO"})
            model.handle({"type": "stride", "t": t, "side": "left", "ankle_angle_at_to_deg": -20.0})
    left = model.athletes["default"].sides["left"]
    assert len(left.angles) == TRACE_KEEP_S * ANGLES_PER_S and left.angles[-1] == (1799.9, 1.0)
    assert len(left.events) == EVENTS_KEPT and len(left.strides) == STRIDES_KEPT
    assert model.version == 18000 + 2 * 4500


def test_each_athlete_the_feed_names_gets_a_state_and_the_activity_follows_the_messages():
    model = CoachModel("default")
    model.handle({"type": "rep", "t": 3.0, "side": "left", "athlete": "ada"})
    model.handle({"type": "assessment", "t": 4.0, "test": "knee_to_wall", "side": "left", "athlete": "ada"})
    model.handle({"type": "flag", "t": 4.0, "side": "right", "flag": "restricted_df", "active": True, "evidence": {}})
    assert list(model.athletes) == ["default", "ada"]
    ada, default = model.athletes["ada"], model.athletes["default"]
    assert ada.activity == "knee_to_wall" and ada.sides["left"].rep_count == 1 and default.activity is None
    assert default.sides["right"].active_flags() == ["restricted_df"] and ada.t == 4.0
    mark = model.mark("ada")
    assert (mark.t, mark.athlete) == (4.0, "ada") and list(ada.marks) == [mark]


def test_marks_made_before_show_once_their_athlete_reaches_them():
    model = CoachModel("default", "running", marks=[(3.0, "default"), (1.0, "default"), (2.0, "ada")])
    default = model.athletes["default"]
    model.handle({"type": "status", "t": 0.5, "sensors": []})
    assert not default.marks
    model.handle({"type": "status", "t": 1.5, "sensors": []})
    assert [mark.t for mark in default.marks] == [1.0]
    model.handle({"type": "rep", "t": 2.5, "side": "left", "athlete": "ada"})
    assert [mark.t for mark in model.athletes["ada"].marks] == [2.0] and [mark.t for mark in default.marks] == [1.0]
    model.handle({"type": "status", "t": 4.0, "sensors": []})
    assert [(mark.t, mark.athlete) for mark in default.marks] == [(1.0, "default"), (3.0, "default")]
