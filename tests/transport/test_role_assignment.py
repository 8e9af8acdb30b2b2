"""Tap-the-sensor role assignment fed the notifications of simulated sensors being tapped in
turn (``simulator/tap_roles.toml``), and the session config it writes."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anklet.errors import ValidationError
from anklet.sim import load_scenario, simulate
from anklet.transport import (
    AlreadyAssigned,
    Assigned,
    Notification,
    NotTappedError,
    RoleAssignment,
    SessionConfig,
    load_session_config,
    session_config_toml,
)

# the serials the sensors playing each role carry: in no particular order
SERIAL_OF = {"left_shank": "AK000007", "left_foot": "AK000003", "right_shank": "AK000011", "right_foot": "AK000005"}


@cache
def _tapped_in_turn() -> tuple[Notification, ...]:
    """tap_roles' notifications as a host gets them, each sensor named by its serial: the left
    shank tapped at 3 and 4.5 s, the left foot at 6, the right shank at 8, the right foot at 10."""
    session = simulate(load_scenario("tap_roles"), seed=1)
    return tuple(
        Notification(SERIAL_OF[n.sensor], n.channel, n.payload, n.host_time_s) for n in session.notifications()
    )


def _feed(assignment: RoleAssignment, notifications) -> list[tuple[float, object]]:
    steps = []
    for notification in notifications:
        if (step := assignment.update(notification)) is not None:
            steps.append((notification.host_time_s, step))
    return steps


def test_each_role_goes_to_the_sensor_tapped_when_it_was_asked_for():
    assignment = RoleAssignment(sorted(SERIAL_OF.values()))
    assignment.begin(0.0)
    assert assignment.asking == "left_shank"
    steps = _feed(assignment, _tapped_in_turn())
    assert [step for _, step in steps] == [
        Assigned("left_shank", "AK000007"),
        AlreadyAssigned("AK000007", "left_shank"),
        Assigned("left_foot", "AK000003"),
        Assigned("right_shank", "AK000011"),
        Assigned("right_foot", "AK000005"),
    ]
    for (decided_s, _), tap_s in zip(steps, (3.0, 4.5, 6.0, 8.0, 10.0), strict=True):
        assert tap_s < decided_s < tap_s + 0.5
    assert assignment.assigned_ == SERIAL_OF and assignment.asking is None and assignment.deadline_s is None
    assert assignment.config(station="s1").sensors == SERIAL_OF


def test_a_tap_on_a_sensor_with_a_role_leaves_the_role_asked_waiting():
    assignment = RoleAssignment(list(SERIAL_OF.values()))
    notifications = [n for n in _tapped_in_turn() if n.host_time_s < 5.5]  # up to the repeated tap
    steps = [step for _, step in _feed(assignment, notifications)]
    assert steps == [Assigned("left_shank", "AK000007"), AlreadyAssigned("AK000007", "left_shank")]
    assert assignment.asking == "left_foot" and assignment.assigned_ == {"left_shank": "AK000007"}


def test_two_sensors_are_asked_for_the_left_leg_only():
    assignment = RoleAssignment([SERIAL_OF["left_foot"], SERIAL_OF["left_shank"]])
    steps = [step for _, step in _feed(assignment, _tapped_in_turn())]  # the right leg's taps: not theirs
    assert steps == [
        Assigned("left_shank", "AK000007"), AlreadyAssigned("AK000007", "left_shank"), Assigned("left_foot", "AK000003")
    ]
    assert assignment.roles == ("left_shank", "left_foot") and assignment.asking is None


def test_a_role_not_tapped_in_time_ends_the_assignment():
    assignment = RoleAssignment(list(SERIAL_OF.values()), timeout_s=2.6)
    assignment.begin(1.0)  # the left shank, tapped at 3 s, is in time; the left foot (6 s) is not
    with pytest.raises(NotTappedError) as late:
        _feed(assignment, _tapped_in_turn())
    assert late.value.role == "left_foot" and late.value.timeout_s == 2.6
    assert str(late.value).startswith("no tap on the left foot sensor within 2.6 s;")
    assert assignment.assigned_ == {"left_shank": "AK000007"}


def test_the_first_role_times_out_from_begin():
    assignment = RoleAssignment(list(SERIAL_OF.values()), timeout_s=2.0)
    assignment.begin(0.0)
    assert assignment.deadline_s == 2.0
    with pytest.raises(NotTappedError, match="left shank"):
        _feed(assignment, _tapped_in_turn())
    with pytest.raises(NotTappedError, match="left shank"):
        assignment.time_out()  # what a caller whose own clock ran out does


@pytest.mark.parametrize(
    ("serials", "says"),
    [
        ([], "give 1 to 4 sensors to assign"),
        (["AK1", "AK2", "AK3", "AK4", "AK5"], "give 1 to 4 sensors to assign"),
        (["AK000001", "AK000001"], "sensor 'AK000001' is given twice"),
        (["c0:a1:e9:00:00:01", "C0:A1:E9:00:00:01"], "is given twice"),
        (["AK000001", "a serial far too long"], "'a serial far too long' is neither a serial"),
    ],
)
def test_a_bad_list_of_sensors_is_refused_in_one_sentence(serials, says):
    with pytest.raises(ValidationError, match=says):
        RoleAssignment(serials)


_label = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


@given(_label, _label, st.lists(st.sampled_from(list(SERIAL_OF.values())), min_size=1, max_size=4, unique=True))
def test_the_written_session_config_reads_back(tmp_path_factory, station, athlete, serials):
    config = SessionConfig.of(dict(zip(SERIAL_OF, serials)), station=station, athlete=athlete)
    path = tmp_path_factory.mktemp("config") / "session.toml"
    path.write_text(session_config_toml(config), encoding="utf-8")
    assert load_session_config(path) == config
