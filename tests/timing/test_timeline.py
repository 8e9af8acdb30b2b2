"""Two sensors on one host-time grid."""

import numpy as np

import anklet.timing
from anklet.timing import common_grid, resample


def test_linear_interpolation_and_nan_across_gaps():
    times = np.concatenate([np.arange(0, 1, 0.005), np.arange(1.1, 2, 0.005)]) + 0.0013
    values = np.column_stack([times * 2.0, -times])
    grid = common_grid(0.0, 100.0, 200)
    out = resample(times, values, grid)
    inside = (grid >= times[0]) & (grid <= 0.995 + 0.0013) | (grid >= 1.1013) & (grid <= times[-1])
    assert np.allclose(out[inside], np.column_stack([grid * 2.0, -grid])[inside])
    assert np.isnan(out[~inside]).all()


def test_unsorted_and_repeated_times_are_handled():
    times = np.array([0.02, 0.0, 0.01, 0.01, 0.03])
    out = resample(times, times * 10, common_grid(0.0, 200.0, 7))
    assert np.allclose(out[:7], [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3])


def test_public_names_are_pinned():
    assert sorted(anklet.timing.__all__) == sorted([
        "ClockSync", "ClockSyncParams", "DriftParams", "DriftReading", "PacketArrivals", "SequenceTracker", "SyncedPackets",
        "common_grid", "first_copies", "resample", "sample_times", "sync_offline",
    ])
