"""The toe-off search carries what it found on a push-off's rows from update to update and
computes only the rows that came since: the events are the ones a search of the whole push-off
afresh at every update finds, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from anklet.bench import BenchConditions
from anklet.gait import FootEvents, GaitEvent
from anklet.gait._foot_events import _ToeOffSearch
from anklet.pipeline import table_from_notifications
from anklet.sim import load_scenario, simulate

FEET = ("left_foot", "right_foot")


class _SearchAfresh(FootEvents):
    """Searches the whole push-off so far again at every update, carrying nothing over."""

    def _search_in_this_push_off(self) -> _ToeOffSearch | None:
        return None


def _lossy_feet(scenario: str, seed: int, duration_s: float):
    """The foot sensors' rows of ``scenario`` under the bench conditions (5 % bursty loss,
    random mounting, IMU errors), through the offline grid, and their rate, Hz."""
    conditions = BenchConditions()
    session = simulate(dataclasses.replace(conditions.apply(load_scenario(scenario)), sensors=FEET), seed=seed,
                       duration_s=duration_s)
    return table_from_notifications(session.notifications()), session.sample_rate_hz


def _fed(detector: FootEvents, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, cuts: np.ndarray) -> list[GaitEvent]:
    return [event for a, b in zip(cuts[:-1], cuts[1:], strict=True) for event in detector.update(t[a:b], acc[a:b], gyr[a:b])]


@pytest.mark.parametrize(("scenario", "seed"), [("walking", 3), ("easy_run", 4)])
def test_the_search_carried_over_finds_what_a_fresh_search_finds(scenario, seed):
    """Walking's slow rise is traced back over rows that earlier updates brought; lost samples
    leave rows whose angular acceleration waits for a neighbour; chunks of 1 to 7 rows cut the
    push-offs everywhere."""
    table, rate_hz = _lossy_feet(scenario, seed, 30.0)
    assert np.isnan(table.acc["left_foot"]).any(axis=1).mean() > 0.02  # samples were lost
    rng = np.random.default_rng(seed)
    cuts = np.concatenate([[0], np.cumsum(rng.integers(1, 8, size=len(table.t)))])
    cuts = np.append(cuts[cuts < len(table.t)], len(table.t))
    for foot in FEET:
        side = foot.split("_")[0]
        rows = (table.t, table.acc[foot], table.gyr[foot])
        carried = _fed(FootEvents(side, rate_hz), *rows, cuts)
        afresh = _fed(_SearchAfresh(side, rate_hz), *rows, cuts)
        assert sum(event.event == "TO" for event in carried) > 20
        assert carried == afresh
