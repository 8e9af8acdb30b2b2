"""How hard must a tap be? TapIdentifier on the simulator's taps, by strength and length.

    .venv/bin/python benchmarks/bench_taps.py [seeds]

Plays ``tap_roles`` (standing, five taps, 200 Hz, the default BLE link with its loss) with every
tap set to each peak and contact time, for ``seeds`` seeds (random mountings, so the face normal
lies anywhere relative to gravity), feeds the notifications to TapIdentifier and prints, per
setting, the share of taps it named (the tapped sensor, within 0.5 s) and the picks that named
anything else.
"""

import dataclasses
import sys

from anklet.sim import load_scenario, simulate
from anklet.transport import TapIdentifier

PEAKS_G = (2.0, 2.5, 3.0, 4.0, 6.0, 10.0)
CONTACTS_S = (0.005, 0.010, 0.020, 0.040)


def _named_and_false(peak_g: float, contact_s: float, seed: int) -> tuple[int, int, int]:
    """(taps named, taps made, false picks) of tap_roles with every tap at this strength."""
    base = load_scenario("tap_roles")
    taps = tuple(dataclasses.replace(tap, peak_g=peak_g, contact_s=contact_s) for tap in base.taps)
    session = simulate(dataclasses.replace(base, taps=taps), seed=seed)
    identifier = TapIdentifier()
    picks = []
    for notification in session.notifications():
        if notification.channel == "data":
            picked = identifier.update(notification.sensor, notification.payload, notification.host_time_s)
            if picked is not None:
                picks.append((notification.host_time_s, picked))
    named = sum(any(_names(pick, tap) for pick in picks) for tap in taps)
    false = sum(not any(_names(pick, tap) for tap in taps) for pick in picks)
    return named, len(taps), false


def _names(pick: tuple[float, str], tap) -> bool:
    """Whether the pick (host time, sensor) names ``tap``: its sensor, within 0.5 s after it."""
    t, sensor = pick
    return sensor == tap.sensor and tap.t_s < t <= tap.t_s + 0.5


def main(seeds: int) -> None:
    print(f"taps named / made (false picks), tap_roles at 200 Hz, {seeds} seeds")
    print("peak g  " + "".join(f"{f'{contact * 1000:g} ms':>16}" for contact in CONTACTS_S))
    for peak_g in PEAKS_G:
        cells = []
        for contact_s in CONTACTS_S:
            named = made = false = 0
            for seed in range(seeds):
                n, m, f = _named_and_false(peak_g, contact_s, seed)
                named, made, false = named + n, made + m, false + f
            cells.append(f"{named}/{made} ({false})")
        print(f"{peak_g:6g}  " + "".join(f"{cell:>16}" for cell in cells))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
