"""SensorOrientation gives the same answer however a stream is cut into chunks (live = offline).

The stream is a running foot from the simulator with missing samples: short gaps (bridged with
the samples one stride earlier, or with a line), one long gap (a lost connection: restart), and
gaps at both ends. Chunks are cut at random, and also exactly at, next to and inside the gaps,
so there are 0-row, 1-row and all-NaN chunks and chunks that open or close a gap.
"""

from typing import NamedTuple

import numpy as np
import pytest

from anklet.fusion import OrientationParams, SensorOrientation
from anklet.fusion import _orientation as orientation_module
from anklet.fusion._orientation import _RecentRows

from .truth import RATE_HZ, knock_out, true_alignment

SENSOR = "right_foot"
LONG_GAP = (2400, 2920)  # 2.6 s > max_bridged_gap_s (2 s): the filter restarts at row 2920
SHORT_GAPS = [(1600, 1640), (1860, 1861), (2100, 2160), (3100, 3130), (3600, 3700), (3850, 3870)]
STANDING_GAP = (300, 320)  # less than 4 s of history: joined by a line
EDGE_GAPS = [(0, 11), (3990, 4000)]  # missing at the start; a gap still open at the end
GAPS = [*EDGE_GAPS, STANDING_GAP, *SHORT_GAPS, LONG_GAP]
PARTNER_GAPS = [(2120, 2130), (3580, 3620)]  # inside two of the foot's gaps, and across an edge


@pytest.fixture(scope="module")
def stream(simulated):
    """20 s at 200 Hz (standing, then running from about 4 s), gyr bias from standing."""
    session, table = simulated("easy_run", 3, 20.0)
    gyr, acc = knock_out(table.gyr[SENSOR], table.acc[SENSOR], GAPS)
    bias = np.nanmean(table.gyr[SENSOR][100:500], axis=0)
    # the shank's flexion rate, lost now and then too, for the foot's gaps to borrow from
    alignment = true_alignment(session, "right")
    shank_gyr, _ = knock_out(table.gyr["right_shank"], table.acc["right_shank"], PARTNER_GAPS)
    partner = Partner(alignment.foot[:, 2], shank_gyr @ alignment.shank[:, 2])
    return gyr, acc, bias, partner


class Partner(NamedTuple):
    flexion_axis: np.ndarray  # the foot's, in its sensor frame
    flexion_rate: np.ndarray  # the shank's, rad/s (n,)


@pytest.fixture(scope="module")
def whole(stream):
    """One call on the whole stream, and {row after the gap: period found} for every bridge."""
    gyr, acc, bias, partner = stream
    periods = {}
    real_bridge = orientation_module._bridge

    def recording_bridge(history, after, count, rate_hz, *args):
        row = int(np.flatnonzero((gyr == after[:3]).all(axis=1))[0])
        periods[row] = orientation_module._period_rows(history, rate_hz)
        return real_bridge(history, after, count, rate_hz, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(orientation_module, "_bridge", recording_bridge)
        chunk = SensorOrientation(RATE_HZ, bias, flexion_axis=partner.flexion_axis).update(gyr, acc, partner.flexion_rate)
    return chunk, periods


def test_the_stream_exercises_both_bridges_and_a_restart(whole):
    chunk, periods = whole
    np.testing.assert_array_equal(chunk.restarts, [LONG_GAP[1]])
    # The short gaps are bridged, the long one is not; the leading gap has nothing before it.
    assert {stop for _, stop in [STANDING_GAP, *SHORT_GAPS]} <= set(periods)
    assert LONG_GAP[1] not in periods and EDGE_GAPS[0][1] not in periods
    # Before the restart, 4 s of running lie behind every gap: the stride is found (about 143
    # rows at 168 steps/min, or twice that). A gap in the standing start is joined by a line.
    for _, stop in SHORT_GAPS[:3]:
        assert periods[stop] is not None and (130 <= periods[stop] <= 160 or 270 <= periods[stop] <= 310)
    assert periods[STANDING_GAP[1]] is None


def _cuts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random chunk boundaries (sizes 0 to 250 rows, many of 1) plus one boundary at or up to 3
    rows beside each gap edge, two inside the long gap, and where the settling after the
    restart ends."""
    sizes = rng.choice([0, 1, 1, 1, 2, 3, 7, 19, 40, 101, 250], size=n)
    random_cuts = np.cumsum(sizes)
    edges = np.array([edge for gap in GAPS for edge in gap])
    forced = list(edges + rng.choice([-3, -1, 0, 0, 1, 3], size=len(edges)))
    forced += [LONG_GAP[0] + 7, LONG_GAP[1] - 7, LONG_GAP[1] + 1000]  # an all-NaN chunk; settle end
    cuts = np.concatenate([random_cuts[random_cuts < n], forced])
    cuts = cuts[(cuts > 0) & (cuts < n)]
    repeated = rng.choice(cuts, size=5)  # the same boundary twice: an empty chunk
    return np.sort(np.concatenate([cuts, repeated]))


@pytest.mark.parametrize("seed", range(6))
def test_random_chunks_give_the_same_orientation_and_restarts(stream, whole, seed):
    gyr, acc, bias, partner = stream
    expected, _ = whole
    n = len(gyr)
    bounds = np.concatenate([[0], _cuts(np.random.default_rng(seed), n), [n]])
    orientation = SensorOrientation(RATE_HZ, bias, flexion_axis=partner.flexion_axis)
    quats, restarts, kinds = [], [], set()
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        chunk = orientation.update(gyr[start:stop], acc[start:stop], partner.flexion_rate[start:stop])
        assert chunk.quat.shape == (stop - start, 4)
        quats.append(chunk.quat)
        restarts.append(chunk.restarts + start)  # chunk rows -> stream rows
        missing = np.isnan(gyr[start:stop]).any(axis=1)
        kinds.add("empty" if stop == start else "one row" if stop - start == 1 else
                  "all missing" if missing.all() else "opens or closes a gap" if missing.any() else "complete")
    assert kinds == {"empty", "one row", "all missing", "opens or closes a gap", "complete"}
    quat = np.vstack(quats)
    np.testing.assert_array_equal(np.isnan(quat), np.isnan(expected.quat))
    # Same samples through the same filter in the same order: equal to rounding, at most.
    np.testing.assert_allclose(quat, expected.quat, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.concatenate(restarts), expected.restarts)


def test_params_are_honoured_in_chunks_too(stream):
    """A shorter bridging limit turns the 0.5 s gap into a restart, in one call and in chunks.
    With the settling cut to 1 s, the short gap at row 3130 comes after it, while the history
    is too short to find the stride, and a line over it would be far off: a restart too."""
    gyr, acc, bias, _ = stream
    params = OrientationParams(max_bridged_gap_s=0.4, settle_s=1.0, history_s=4.0)
    whole = SensorOrientation(RATE_HZ, bias, params).update(gyr, acc)
    np.testing.assert_array_equal(whole.restarts, [LONG_GAP[1], 3130, 3700])
    orientation = SensorOrientation(RATE_HZ, bias, params)
    parts = [orientation.update(gyr[a:b], acc[a:b]) for a, b in [(0, 3650), (3650, 3700), (3700, 3701), (3701, 4000)]]
    np.testing.assert_allclose(np.vstack([p.quat for p in parts]), whole.quat, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.concatenate([p.restarts + a for p, a in zip(parts, [0, 3650, 3700, 3701])]),
                                  whole.restarts)


@pytest.mark.parametrize("size", [1, 5, 50])
def test_the_recent_rows_kept_for_bridging_are_the_last_ones_added(size):
    rng = np.random.default_rng(size)
    recent, expected = _RecentRows(size), np.empty((0, 2))
    for _ in range(2000):
        rows = rng.normal(size=(int(rng.integers(0, 3 * size + 2)), 2))
        recent.add(rows)
        expected = np.vstack([expected, rows])[-size:]
        if rng.random() < 0.01:  # a restart forgets them
            recent.clear()
            expected = expected[:0]
        assert len(recent) == len(expected)
        assert not len(expected) or np.array_equal(recent.rows(), expected)
