"""Speed of the anklet IMU CSV: write and read 1 h x 4 sensors x 200 Hz, and how long a bad
file of that size takes to be rejected.

Run: ``.venv/bin/python benchmarks/bench_files.py [repeats]``. Prints medians; the figures go
in docs/files-performance.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from anklet.errors import ValidationError
from anklet.files import SENSOR_NAMES, ImuTable, read_imu_csv, write_imu_csv

RATE_HZ = 200
DURATION_S = 3600
LOSS = 0.01  # fraction of samples lost per sensor, written as empty cells


def recording(rng: np.random.Generator) -> ImuTable:
    """1 h of random samples of the four sensors, with LOSS of them missing."""
    n = RATE_HZ * DURATION_S
    t = 1000.0 + np.arange(n) / RATE_HZ
    acc = {sensor: rng.normal(0.0, 9.8, (n, 3)) for sensor in SENSOR_NAMES}
    gyr = {sensor: rng.normal(0.0, 3.0, (n, 3)) for sensor in SENSOR_NAMES}
    for sensor in SENSOR_NAMES:
        lost = rng.random(n) < LOSS
        acc[sensor][lost] = np.nan
        gyr[sensor][lost] = np.nan
    return ImuTable(t, acc, gyr)


def median_s(function: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rejection_s(path: Path, repeats: int) -> tuple[float, str]:
    """Median time until read_imu_csv rejects ``path``, and its message."""
    message = ""

    def read() -> None:
        nonlocal message
        try:
            read_imu_csv(path)
        except ValidationError as error:
            message = str(error)

    return median_s(read, repeats), message


def with_last_line(path: Path, out: Path, edit: Callable[[str], str]) -> None:
    """Copy ``path`` to ``out`` with its last line edited."""
    text = path.read_text(encoding="utf-8")
    head, _, last = text.rstrip("\n").rpartition("\n")
    out.write_text(f"{head}\n{edit(last)}\n", encoding="utf-8")


def spaces_in_second_cell(line: str) -> str:
    """A missing sample that numpy's parser declines, so its block is read line by line."""
    cells = line.split(",")
    cells[1] = " "
    return ",".join(cells)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    table = recording(np.random.default_rng(0))
    n = len(table.t)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}; median of {repeats}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "session.csv"
        write_s = median_s(lambda: write_imu_csv(path, table), repeats)
        size_mb = path.stat().st_size / 1e6
        print(f"file: {n} rows x 25 columns, {size_mb:.0f} MB, {LOSS:.0%} of samples missing")
        print(f"write_imu_csv: median {write_s:.2f} s = {n / write_s / 1e3:.0f} k rows/s")
        read_imu_csv(path)  # warm up: imports, first touch of the memory
        read_s = median_s(lambda: read_imu_csv(path), repeats)
        print(
            f"read_imu_csv: median {read_s:.2f} s = {n / read_s / 1e3:.0f} k rows/s "
            f"= {size_mb / read_s:.0f} MB/s"
        )

        bad = Path(folder) / "bad.csv"
        with_last_line(path, bad, lambda line: line.replace(",", ",x", 1))
        bad_s, message = rejection_s(bad, repeats)
        print(f"reject a bad cell on the last line: median {bad_s:.2f} s ({message})")

        spaced = Path(folder) / "spaced.csv"
        with_last_line(path, spaced, spaces_in_second_cell)
        spaced_s = median_s(lambda: read_imu_csv(spaced), repeats)
        print(f"read a valid file numpy declines (line by line): median {spaced_s:.2f} s")


if __name__ == "__main__":
    main()
