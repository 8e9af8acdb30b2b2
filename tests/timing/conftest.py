import numpy as np
import pytest

from anklet.timing import ClockSync, SequenceTracker, sync_offline

from .synthetic import SyntheticLink, feed_live, synthesize


@pytest.fixture(scope="session")
def session_run():
    """The full chaos link (loss, bursts, dups, reorders, disconnect, reboot, tick wrap), live."""
    session = synthesize(SyntheticLink(seed=0))
    sync, tracker = ClockSync(), SequenceTracker()
    live = feed_live(sync, session.packets)
    keep = tracker.update(session.packets, live)
    return session, sync, tracker, live, keep


def warm_mask(session, warmup_s: float = 5.0) -> np.ndarray:
    """Packets more than ``warmup_s`` after the first arrival of their (true) clock epoch."""
    host = session.packets.host_time_s
    mask = np.ones(len(host), dtype=bool)
    for epoch in np.unique(session.epoch):
        start = host[session.epoch == epoch].min()
        mask &= ~((host >= start) & (host < start + warmup_s))
    return mask


__all__ = ["feed_live", "sync_offline", "warm_mask"]
