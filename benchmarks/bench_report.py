"""Time of ``anklet report`` and ``anklet export`` on a 2-minute simulated run, and where the
report's time goes: analysing the session, importing matplotlib, drawing and writing.

Run: ``.venv/bin/python benchmarks/bench_report.py [repeats]``. Prints medians; the figures go
in docs/report.md and docs/export.md.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_files import median_s  # (benchmarks/ is on the path when a script runs)

from anklet.files import read_imu_csv, write_imu_csv
from anklet.gait import analyze_table, load_athlete
from anklet.sim import load_scenario, simulate

DURATION_S = 120


def command(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "anklet", *args], check=True, capture_output=True)


def import_s(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def main(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for scenario in ("easy_run", "squats"):
            csv = out / f"{scenario}.csv"
            write_imu_csv(csv, simulate(load_scenario(scenario), seed=0, duration_s=DURATION_S).imu_table())
            whole = median_s(lambda: command("report", str(csv), "--out", str(out / "report")), repeats)
            analysis = analyze_table(read_imu_csv(csv), load_athlete())
            analyse = median_s(lambda: analyze_table(read_imu_csv(csv), load_athlete()), repeats)
            from anklet.report import write_report

            draw = median_s(lambda: write_report(analysis, out / "report", csv.name), repeats)
            print(f"{scenario} {DURATION_S} s: anklet report {whole:.2f} s (fresh process); read + analyse "
                  f"{analyse:.2f} s, draw + write {draw:.2f} s")
            if scenario == "easy_run":
                for export_format in ("csv", "mot", "sto"):
                    took = median_s(lambda: command("export", str(csv), "--format", export_format, "--out",
                                                    str(out / "export")), repeats)
                    print(f"{scenario} {DURATION_S} s: anklet export --format {export_format} {took:.2f} s")
        imports = [import_s("anklet.report") - import_s("anklet.gait") for _ in range(repeats)]
        print(f"importing anklet.report (matplotlib) beyond anklet.gait: {statistics.median(imports):.2f} s")
        print(f"(medians of {repeats}; Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
