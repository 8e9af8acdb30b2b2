"""The live gait stage: how soon its messages come, and how close they are to the offline ones.

Usage: .venv/bin/python benchmarks/bench_live_gait.py [seeds] [duration_s]

restricted_pf_right (default light BLE loss; no loss; no loss on the feet but bursts on
the shanks) through the live pipeline one notification at a time. Latency is in session time:
the host time of the notification being handled when a message was published, minus the time
of what it reports (a TO event: the TO; a stride: its end, counted once the angles have caught
up with the rows, 5 s after the first angles). Each foot's first TO is left out: it waits for
the push-off that fits the contact model. TOs are split by whether their foot lost samples
from 50 ms before to 150 ms after them (such a TO cannot be reported before the samples after
the loss come). Agreement: live events and strides against ``analyze_session`` on the same
notifications (causal clock sync), and the flags of each.
"""

from __future__ import annotations

import dataclasses
import math
import sys

import numpy as np

from anklet.gait import analyze_session, live_gait, load_athlete
from anklet.pipeline import LivePipeline, angles_from_table, table_from_notifications
from anklet.sim import load_scenario, simulate

ATHLETE = load_athlete()


def published(session) -> list[tuple[float, dict]]:
    pipeline = LivePipeline(list(session.sensors), stages=[live_gait(session.sample_rate_hz, ATHLETE, "running")])
    subscription = pipeline.subscribe(maxsize=10**7)
    out = []
    for notification in session.notifications():
        pipeline.handle(notification)
        out += [(notification.host_time_s, message) for message in subscription.drain()]
    pipeline.finish()
    return out + [(math.inf, message) for message in subscription.drain()]


FOOT_LOSS_WINDOW_S = (-0.05, 0.15)


def latencies_ms(messages: list[tuple[float, dict]], received) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TO latencies (ms), whether each TO's foot lost samples near it (``received``: the grid
    of the notifications, NaN where lost), and stride latencies (ms)."""
    to_ms, foot_lost, first_seen = [], [], set()
    for host_s, message in messages:
        if message["type"] == "event" and message["event"] == "TO":
            if message["side"] in first_seen:
                to_ms.append(1e3 * (host_s - message["t"]))
                near = (received.t >= message["t"] + FOOT_LOSS_WINDOW_S[0]) & (received.t <= message["t"] + FOOT_LOSS_WINDOW_S[1])
                foot_lost.append(bool(np.isnan(received.acc[f"{message['side']}_foot"][near, 0]).any()))
            first_seen.add(message["side"])
    caught_up_s = next(host_s for host_s, m in messages if m["type"] == "angles") + 5.0
    stride_ms = [1e3 * (host_s - m["end_t"]) for host_s, m in messages
                 if m["type"] == "stride" and caught_up_s < host_s < math.inf]
    return np.array(to_ms), np.array(foot_lost), np.array(stride_ms)


def to_figures(to_ms: np.ndarray) -> str:
    if not len(to_ms):
        return "none"
    return (f"n {len(to_ms)} median {np.median(to_ms):.0f} p95 {np.percentile(to_ms, 95):.0f} max {to_ms.max():.0f} ms, "
            f"{np.sum(to_ms > 150)} over 150 ms")


def agreement(session, table, messages: list[tuple[float, dict]]) -> str:
    angles, _ = angles_from_table(table, session.sample_rate_hz)
    offline = analyze_session(table, session.sample_rate_hz, angles, ATHLETE)
    events = sorted((m["side"], m["event"], m["t"]) for _, m in messages if m["type"] == "event")
    strides = sorted((m for _, m in messages if m["type"] == "stride"), key=lambda m: (m["side"], m["ic_t"]))
    offline_strides = sorted(offline.strides, key=lambda s: (s.side, s.ic_t))
    flags = [(m["side"], m["flag"], m["active"]) for _, m in messages if m["type"] == "flag"]
    text = f"events {len(events)}/{len(offline.events)}, strides {len(strides)}/{len(offline_strides)}"
    if len(events) == len(offline.events) and len(strides) == len(offline_strides):
        offline_events = sorted((e.side, e.event, e.t) for e in offline.events)
        event_ms = max(abs(a[2] - b[2]) for a, b in zip(events, offline_events, strict=True)) * 1e3
        angle_deg = max(abs(m["ankle_angle_at_to_deg"] - s.ankle_angle_at_to_deg)
                        for m, s in zip(strides, offline_strides, strict=True) if m["ankle_angle_at_to_deg"] is not None)
        text += f", event times within {event_ms:.3f} ms, TO angles within {angle_deg:.3f} deg"
    same_flags = flags == [(f.side, f.flag, f.active) for f in offline.flags]
    return text + f", flags {'the same' if same_flags else 'DIFFER'} ({', '.join(f'{s} {f}' for s, f, up in flags if up)})"


def main(seeds: int, duration_s: float) -> None:
    scenario = load_scenario("restricted_pf_right")
    lossless = {"loss_prob": 0.0, "burst_enter_prob": 0.0}
    bursty = {"burst_enter_prob": 0.02, "mean_burst_len": 8.0}
    links = {
        "default link": scenario,
        "no loss": dataclasses.replace(scenario, link=lossless),
        "shank bursts": dataclasses.replace(scenario, link=lossless, per_sensor_link={"left_shank": bursty, "right_shank": bursty}),
    }
    for label, variant in links.items():
        for seed in range(seeds):
            session = simulate(variant, seed=seed, duration_s=duration_s)
            messages = published(session)
            table = table_from_notifications(session.notifications(), causal=True)
            to_ms, foot_lost, stride_ms = latencies_ms(messages, table)
            print(f"{label}, seed {seed}: TO, foot samples there: {to_figures(to_ms[~foot_lost])}; "
                  f"behind its foot's loss: {to_figures(to_ms[foot_lost])}; stride after its end median "
                  f"{np.median(stride_ms):.0f} max {stride_ms.max():.0f} ms; {agreement(session, table, messages)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)
