"""SVG snapshots of every view on frozen simulated feeds, at 80x24 and at 160x48.

Update them after a deliberate change of the view with ``pytest tests/tui --snapshot-update``
and look at the SVGs before committing them."""

from __future__ import annotations

import pytest

from .feeds import coach_app, drained

SIZES = {"small": (80, 24), "large": (160, 48)}
VIEWS = {  # view: (scenario, activity)
    "running": ("restricted_pf_right", "running"),
    "squat": ("squats_restricted", "squat"),
    "assessment": ("knee_to_wall", "knee_to_wall"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", VIEWS)
def test_view_snapshot(snap_compare, feeds, view, size):
    scenario, activity = VIEWS[view]
    app = coach_app(feeds[scenario], activity)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=drained)
