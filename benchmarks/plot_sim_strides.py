"""Draw docs/figures/sim_strides.png: a few simulated strides of the right leg, with the truth.

    .venv/bin/python benchmarks/plot_sim_strides.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from anklet.sim import load_scenario, simulate  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "figures" / "sim_strides.png"


def main() -> None:
    session = simulate(load_scenario("easy_run"), seed=0, duration_s=20.0)
    table, truth = session.imu_table(), session.motion.truth
    window = (table.t >= 12.0) & (table.t <= 14.5)
    t = table.t[window]
    angles = np.degrees(session.truth_angles_on_grid()["right"][window])
    fig, axes = plt.subplots(4, 1, figsize=(9, 9), sharex=True)
    axes[0].plot(t, angles[:, 0], label="dorsiflexion (+) / plantarflexion (-)")
    axes[0].plot(t, angles[:, 1], label="inversion (+) / eversion (-)")
    axes[0].set_ylabel("right ankle, deg")
    for name, axis in (("right_foot", axes[1]), ("right_shank", axes[2])):
        axis.plot(t, table.gyr[name][window], linewidth=0.8)
        axis.set_ylabel(f"{name} gyro, rad/s\n(sensor axes)")
    axes[3].plot(t, np.linalg.norm(table.acc["right_shank"][window], axis=1) / 9.80665, label="shank")
    axes[3].plot(t, np.linalg.norm(table.acc["right_foot"][window], axis=1) / 9.80665, label="foot")
    axes[3].set_ylabel("|specific force|, g")
    axes[3].set_xlabel("session time, s")
    for event in truth.events:
        if event.side == "right" and event.event in ("IC", "TO") and t[0] <= event.t <= t[-1]:
            for axis in axes:
                axis.axvline(event.t, color="k" if event.event == "IC" else "r", linewidth=0.7, alpha=0.6)
            axes[0].text(event.t, axes[0].get_ylim()[1], event.event, ha="center", va="bottom", fontsize=8)
    axes[0].legend(loc="lower left", fontsize=8)
    axes[3].legend(loc="upper left", fontsize=8)
    fig.suptitle("easy_run, seed 0: right leg, IC (black) and TO (red) from the ground truth")
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
