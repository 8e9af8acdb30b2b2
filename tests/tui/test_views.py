"""Each view on a frozen simulated feed, read through Pilot: what a coach must see."""

from __future__ import annotations

from textual.widgets import ContentSwitcher, Static

from anklet.tui._badges import FlagBadges
from anklet.tui._running import RunningSide
from anklet.tui._squat import SquatSide

from .feeds import coach_app, drained


def _text(widget) -> str:
    return str(widget.render())


def _badges_up(panel) -> set[str]:
    badges = panel.query_one(FlagBadges)
    return {flag for flag, badge in zip(badges.flags, badges.query(".badge"), strict=True) if badge.has_class("-up")}


async def test_running_view_shows_the_restricted_side(feeds):
    messages = feeds["restricted_pf_right"]
    app = coach_app(messages, "running")
    async with app.run_test(size=(100, 30)) as pilot:
        await drained(pilot)
        assert app.query_one(ContentSwitcher).current == "running"
        panels = {panel.side: panel for panel in app.query(RunningSide)}
        last_stride = {m["side"]: m for m in messages if m["type"] == "stride"}
        for side, panel in panels.items():
            title = _text(panel.query_one(".side-title", Static))
            assert f"{last_stride[side]['ankle_angle_at_to_deg']:+.1f}°" in title
            assert ("RESTRICTED" in title) == last_stride[side]["restricted_pf"]
            assert "cadence" in _text(panel.query_one(".metrics", Static))
        assert "restricted_pf" in _badges_up(panels["right"]) and not _badges_up(panels["left"])
        header = _text(app.query_one("#header", Static))
        assert "session over" in header and "50.0 s" in header


async def test_squat_view_counts_reps_and_flags_restricted_dorsiflexion(feeds):
    messages = feeds["squats_restricted"]
    app = coach_app(messages, None)  # the view follows the feed: reps make it the squat view
    async with app.run_test(size=(100, 30)) as pilot:
        await drained(pilot)
        assert app.query_one(ContentSwitcher).current == "squat"
        for panel in app.query(SquatSide):
            reps = [m for m in messages if m["type"] == "rep" and m["side"] == panel.side]
            title = _text(panel.query_one(".side-title", Static))
            assert f"reps {len(reps)}" in title and f"{reps[-1]['max_dorsiflexion_deg']:+.1f}°" in title
            flags = [m["active"] for m in messages if m["type"] == "flag" and m["side"] == panel.side]
            assert ("restricted_df" in _badges_up(panel)) == (bool(flags) and flags[-1])
        assert any("restricted_df" in _badges_up(panel) for panel in app.query(SquatSide))


async def test_assessment_view_guides_knee_to_wall_and_shows_each_sides_result(feeds):
    app = coach_app(feeds["knee_to_wall"], "knee_to_wall")
    async with app.run_test(size=(100, 30)) as pilot:
        await drained(pilot)
        assert app.query_one(ContentSwitcher).current == "assessment"
        instructions = _text(app.query_one(".instructions", Static))
        assert "longest toe on a tape 14.0 cm (5.5 in) from a wall" in instructions  # the seed, for 1.75 m
        assert "drive the knee towards the wall" in instructions
        assert "▶ 3 Result: Right: the knee stops about 7 cm short" in instructions
        results = {panel.side: _text(panel.query_one(".result", Static)) for panel in app.query("AssessmentSide")}
        assert "PASS" in results["left"] and "FAIL" in results["right"]


async def test_assessment_view_tall_kneeling_and_split_squat(feeds):
    app = coach_app(feeds["tall_kneeling"], "tall_kneeling")
    async with app.run_test(size=(100, 30)) as pilot:
        await drained(pilot)
        results = {panel.side: _text(panel.query_one(".result", Static)) for panel in app.query("AssessmentSide")}
        assert "FAIL" in results["left"] and "gap" in results["left"] and "PASS" in results["right"]
        assert "sit back onto your heels" in _text(app.query_one(".instructions", Static))
    app = coach_app(feeds["split_squat"], "split_squat")
    async with app.run_test(size=(100, 30)) as pilot:
        await drained(pilot)
        results = {panel.side: _text(panel.query_one(".result", Static)) for panel in app.query("AssessmentSide")}
        assert "set 1: 8 reps" in results["left"]
        assert "slant board" in _text(app.query_one(".instructions", Static))


async def test_assessment_view_of_a_run_says_there_is_no_test(feeds):
    app = coach_app(feeds["restricted_pf_right"], "running")
    async with app.run_test(size=(80, 24)) as pilot:
        await drained(pilot)
        await pilot.press("3")
        assert "No guided test in this session" in _text(app.query_one(".instructions", Static))
