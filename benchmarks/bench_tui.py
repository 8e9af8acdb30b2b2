"""Memory, CPU and lag of a long ``anklet demo`` in its coach view, in a real terminal (tmux).

Starts ``anklet demo --duration S`` in a detached tmux session of 100x30 (its own socket),
and every ``--every`` seconds reads the process's resident memory and CPU time from /proc
and the session time the view's header shows; at the end presses ``q`` and checks that the
demo quits. Prints a table and a summary; ``--out FILE`` writes the samples as CSV.

    .venv/bin/python benchmarks/bench_tui.py --duration 1800 --out bench_tui.csv

Lag: the header's session time against the wall clock since the first sample that showed
it; a view that fell behind its feed would show a gap that grows over the session.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANKLET = ROOT / ".venv" / "bin" / "anklet"
SOCKET = f"anklet-bench-{os.getpid()}"
HEADER_T = re.compile(r"\bt\s+([\d.]+) s\b")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=True).stdout


def proc_sample(pid: int) -> tuple[float, float]:
    """Resident memory (MiB) and CPU time so far (user + system, s) of ``pid``."""
    rss_kib = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS:"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss_kib / 1024.0, (int(fields[11]) + int(fields[12])) / ticks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1800.0, help="demo length, s (default 1800)")
    parser.add_argument("--every", type=float, default=10.0, help="sampling period, s (default 10)")
    parser.add_argument("--scenario", default="easy_run")
    parser.add_argument("--out", type=Path, help="write the samples as CSV here")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("bench_tui needs tmux", file=sys.stderr)
        return 1
    exit_code = Path(tempfile.mkdtemp()) / "exit_code"
    command = f"{ANKLET} demo --scenario {args.scenario} --duration {args.duration:g}; echo $? > {exit_code}; sleep 60"
    tmux("new-session", "-d", "-x", "100", "-y", "30", command)
    shell = int(tmux("display-message", "-p", "#{pane_pid}").strip())
    time.sleep(1.0)
    pid = int(Path(f"/proc/{shell}/task/{shell}/children").read_text().split()[0])  # the demo under the shell
    started = time.monotonic()
    rows, first_seen = [], None
    try:
        while time.monotonic() - started < args.duration + 5.0:
            time.sleep(args.every)
            rss_mib, cpu_s = proc_sample(pid)
            wall_s = time.monotonic() - started
            match = HEADER_T.search(tmux("capture-pane", "-p"))
            shown_t = float(match.group(1)) if match else float("nan")
            if match and first_seen is None and shown_t > 0:
                first_seen = (wall_s, shown_t)
            lag_s = (wall_s - first_seen[0]) - (shown_t - first_seen[1]) if first_seen and match else float("nan")
            cpu_pct = 100.0 * (cpu_s - rows[-1]["cpu_s"]) / (wall_s - rows[-1]["wall_s"]) if rows else float("nan")
            rows.append({"wall_s": wall_s, "rss_mib": rss_mib, "cpu_s": cpu_s, "cpu_pct": cpu_pct,
                         "shown_t_s": shown_t, "lag_s": lag_s})
            print(f"{wall_s:7.0f} s  RSS {rss_mib:6.1f} MiB  CPU {cpu_pct:5.1f} %  shown t {shown_t:7.1f} s  "
                  f"lag {lag_s:+5.1f} s", flush=True)
        tmux("send-keys", "q")
        time.sleep(3.0)
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
    if args.out:
        with args.out.open("w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    # after start-up and calibration, while the session runs
    steady = [row for row in rows if 60.0 < row["wall_s"] <= args.duration] or rows[1:]
    cpu = sorted(row["cpu_pct"] for row in steady)
    print(f"\nRSS: {rows[0]['rss_mib']:.0f} MiB at {rows[0]['wall_s']:.0f} s, {steady[0]['rss_mib']:.0f} MiB at 1 min, "
          f"{rows[-1]['rss_mib']:.0f} MiB at the end, peak {max(r['rss_mib'] for r in rows):.0f} MiB")
    print(f"CPU of one core after the first minute: median {cpu[len(cpu) // 2]:.1f} %, max {cpu[-1]:.1f} %, "
          f"mean {100.0 * (rows[-1]['cpu_s'] - steady[0]['cpu_s']) / (rows[-1]['wall_s'] - steady[0]['wall_s']):.1f} %")
    lags = [row["lag_s"] for row in steady if row["lag_s"] == row["lag_s"]]
    if lags:
        print(f"lag of the shown session time: {lags[0]:+.1f} s at 1 min, {lags[-1]:+.1f} s at the end")
    print(f"after q: {'quit with exit code ' + exit_code.read_text().strip() if exit_code.exists() else 'still running'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
