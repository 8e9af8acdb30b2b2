"""Offline sync: agrees with live; the centred window is at least as accurate."""

import numpy as np

from anklet.timing import sync_offline

from .conftest import warm_mask


def test_live_and_offline_agree_after_warmup(session_run):
    session, _, _, live, _ = session_run
    offline = sync_offline(session.packets, causal=True)
    assert np.array_equal(offline.epoch, live.epoch)
    diff_ms = np.abs(offline.first_sample_time_s - live.first_sample_time_s)[warm_mask(session)] * 1e3
    assert np.percentile(diff_ms, 99) < 0.2
    assert np.median(diff_ms) < 0.01


def test_centred_offline_is_accurate(session_run):
    session, _, _, live, _ = session_run
    offline = sync_offline(session.packets)
    error_ms = np.abs(offline.first_sample_time_s - session.true_first_s)[warm_mask(session)] * 1e3
    assert np.percentile(error_ms, 99) < 1.0 and np.median(error_ms) < 0.3
    diff_ms = np.abs(offline.first_sample_time_s - live.first_sample_time_s)[warm_mask(session)] * 1e3
    assert np.percentile(diff_ms, 99) < 1.0
