"""The anklet IMU CSV (DESIGN.md): ``t`` then, per sensor, ``{sensor}_acc_{x,y,z}`` (m/s²)
and ``{sensor}_gyr_{x,y,z}`` (rad/s) in the sensor frame; empty cells are missing samples."""

from __future__ import annotations

import codecs
import io
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anklet.errors import ValidationError
from anklet.geometry import SENSOR_NAMES

AXES = ("x", "y", "z")

_SHOWN_CHARS = 20  # longest cell or column text quoted in an error message
_SHOWN_NAMES = 5  # most column names listed in one error message
_BLOCK_BYTES = 1 << 20  # numpy reads the body in blocks this big (see _parse_body)


def imu_columns(sensor: str) -> list[str]:
    """The six column names of one sensor, accelerometer first."""
    return [f"{sensor}_{kind}_{axis}" for kind in ("acc", "gyr") for axis in AXES]


@dataclass(frozen=True)
class ImuTable:
    """Samples of several sensors on one host timeline.

    ``t`` is (n,) host seconds; ``acc[sensor]`` and ``gyr[sensor]`` are (n, 3) in the sensor
    frame (m/s², rad/s) with NaN rows where a sample is missing.
    """

    t: np.ndarray
    acc: dict[str, np.ndarray]
    gyr: dict[str, np.ndarray]

    @property
    def sensors(self) -> list[str]:
        return list(self.acc)

    def rows(self, rows: slice) -> ImuTable:
        """The rows ``rows`` of every sensor."""
        if rows == slice(0, len(self.t)):
            return self
        return ImuTable(self.t[rows], {n: a[rows] for n, a in self.acc.items()}, {n: g[rows] for n, g in self.gyr.items()})

    @staticmethod
    def concatenate(tables: list[ImuTable]) -> ImuTable:
        """Consecutive tables of the same sensors as one."""
        if len(tables) == 1:
            return tables[0]
        sensors = tables[0].sensors
        return ImuTable(
            np.concatenate([table.t for table in tables]),
            {name: np.vstack([table.acc[name] for table in tables]) for name in sensors},
            {name: np.vstack([table.gyr[name] for table in tables]) for name in sensors},
        )


def write_imu_csv(path: Path, table: ImuTable) -> None:
    """Write ``table`` as an anklet IMU CSV; NaN samples become empty cells."""
    header = ["t"] + [name for sensor in table.sensors for name in imu_columns(sensor)]
    blocks = [table.t[:, None]]
    for sensor in table.sensors:
        blocks += [table.acc[sensor], table.gyr[sensor]]
    values = np.hstack(blocks)
    buffer = io.StringIO()
    np.savetxt(buffer, values[:, :1], fmt="%.6f")  # time at µs resolution
    times = buffer.getvalue().splitlines()
    buffer = io.StringIO()
    np.savetxt(buffer, values[:, 1:], fmt="%.6g", delimiter=",")
    rows = buffer.getvalue().replace("nan", "").splitlines()
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(header) + "\n")
        out.writelines(f"{t},{row}\n" for t, row in zip(times, rows, strict=True))


def read_imu_csv(path: Path | str) -> ImuTable:
    """Read an anklet IMU CSV, as ``write_imu_csv`` or another tool writes it.

    Parameters
    ----------
    path : Path or str
        The file; it is named, as given, in every error message.

    Returns
    -------
    ImuTable
        ``t`` (n,) in s, strictly increasing; ``acc[sensor]`` and ``gyr[sensor]`` (n, 3)
        float64 for each sensor present, in the order of ``SENSOR_NAMES``. A sample with any
        empty (or NaN) cell is missing as a whole: its acc and gyr rows are both NaN. Units are
        not checked: calibration tells g from m/s² and deg/s from rad/s.

    Raises
    ------
    ValidationError
        One sentence naming the file and the first problem (with its line and column), for
        every input that is not a valid IMU CSV. No other exception escapes for bad content.

    Notes
    -----
    Blank lines are skipped; CRLF line ends, a UTF-8 byte-order mark and spaces around cells
    are accepted. numpy's C parser reads the file in blocks of about 1 MB; a block it declines
    is read line by line, which names the first bad line (or reads the block, if none is bad).
    """
    name = str(path)
    data = _read_bytes(path, name)
    header, _, body = data.partition(b"\n")
    columns = _header_columns(header.decode("utf-8"), name)
    sensors = _sensor_column_indices(columns, name)
    return _table(_parse_body(body, columns, name), sensors)


def _read_bytes(path: Path | str, name: str) -> bytes:
    """The file's bytes, checked to be UTF-8 text, without byte-order mark, CRLF made LF."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise ValidationError(f"{name} does not exist") from exc
    except IsADirectoryError as exc:
        raise ValidationError(f"{name} is a directory, not an IMU CSV file") from exc
    except OSError as exc:
        raise ValidationError(f"{name} cannot be read: {exc.strerror or exc}") from exc
    except ValueError as exc:  # the path itself holds a NUL character
        raise ValidationError(f"{name} is not a usable file name: {exc}") from exc
    if b"\x00" in data:  # valid UTF-8, but no text file holds NUL bytes
        raise ValidationError(f"{name} is binary (it holds NUL bytes), not UTF-8 text")
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"{name} is not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}); "
                "is it a binary file?"
            ) from exc
    data = data.removeprefix(codecs.BOM_UTF8)
    if not data or data.isspace():
        raise ValidationError(f"{name} is empty")
    if b"\r" in data:  # a test is cheap; replace() copies the whole file even when idle
        data = data.replace(b"\r\n", b"\n")
    return data


def _header_columns(header: str, name: str) -> list[str]:
    """The column names of the header line: unique, and ``t`` first."""
    if not header.strip():
        raise ValidationError(
            f"{name} has no header: its first line is empty, but must name the columns, "
            "starting with t"
        )
    columns = [column.strip() for column in header.split(",")]
    if _number(columns[0]) is not None:
        raise ValidationError(
            f"{name} has no header: its first line starts with the number "
            f"{_quoted(columns[0])}, but must name the columns, starting with t"
        )
    repeated = [column for column, count in Counter(columns).items() if count > 1]
    if repeated:
        raise ValidationError(f"{name} names {_listed(repeated)} more than once in its header")
    if "t" not in columns:
        raise ValidationError(
            f"{name} has no t column: its header is {_quoted(header)}, but must start with t "
            "(time in s), then comma-separated sensor columns"
        )
    if columns[0] != "t":
        raise ValidationError(
            f"{name} has t as column {columns.index('t') + 1}, but t must be the first column"
        )
    return columns


def _sensor_column_indices(columns: list[str], name: str) -> dict[str, list[int]]:
    """For each sensor present, in ``SENSOR_NAMES`` order, the indices of its six columns."""
    known = {column for sensor in SENSOR_NAMES for column in imu_columns(sensor)}
    unknown = [column for column in columns[1:] if column not in known]
    if unknown:
        raise ValidationError(
            f"{name} has columns anklet does not know: {_listed(unknown)}; after t it expects "
            "{sensor}_acc_x/y/z and {sensor}_gyr_x/y/z for sensors among "
            f"{', '.join(SENSOR_NAMES)}"
        )
    index = {column: position for position, column in enumerate(columns)}
    present = [s for s in SENSOR_NAMES if any(c in index for c in imu_columns(s))]
    missing = [c for sensor in present for c in imu_columns(sensor) if c not in index]
    if missing:
        raise ValidationError(
            f"{name} lacks the columns {_listed(missing)}: a sensor needs all six of its columns"
        )
    if not present:
        raise ValidationError(
            f"{name} has no sensor columns: after t it needs the six columns of at least one of "
            f"{', '.join(SENSOR_NAMES)}"
        )
    return {sensor: [index[column] for column in imu_columns(sensor)] for sensor in present}


def _parse_body(body: bytes, columns: list[str], name: str) -> np.ndarray:
    """Every data row, (n, len(columns)); raises on the first bad line, by its number.

    numpy's C parser reads the body block by block. A block it declines (a problem to
    describe, or something valid it does not read, such as a cell of spaces) is read line by
    line, so a bad line in a long file is found about as fast as the file is read.
    """
    parsed = []
    last: tuple[int, float] | None = None  # line number and t of the last row so far
    first_line = 2  # the header is line 1
    for block in _blocks(body):
        values = _parse_fast(block, len(columns))
        if values is not None and (last is None or values[0, 0] > last[1]):
            last = (first_line + block.rstrip().count(b"\n"), float(values[-1, 0]))
        else:
            values, last = _parse_precise(block.decode("utf-8"), columns, name, first_line, last)
        parsed.append(values)
        first_line += block.count(b"\n")
    n_rows = sum(len(values) for values in parsed)
    if n_rows < 2:
        raise ValidationError(
            f"{name} has {n_rows} data row{'' if n_rows == 1 else 's'}; at least 2 are needed"
        )
    return np.concatenate(parsed)


def _blocks(body: bytes) -> Iterator[bytes]:
    """``body`` in pieces of about ``_BLOCK_BYTES`` that end at line ends."""
    start = 0
    while start < len(body):
        newline = body.find(b"\n", start + _BLOCK_BYTES)
        end = len(body) if newline < 0 else newline + 1
        yield body[start:end]
        start = end


def _parse_fast(block: bytes, n_columns: int) -> np.ndarray | None:
    """The rows of a well-formed block, (n, n_columns), by numpy's C parser; else None.

    Whatever this accepts, ``_parse_precise`` reads to the same numbers; None leaves the block
    to it. Rows must be finite with ``t`` increasing; blank lines are skipped.
    """
    block = block.rstrip()
    if not block:
        return None  # numpy warns about empty input
    try:
        values = np.loadtxt(
            io.BytesIO(_fill_empty_cells(block + b"\n")),
            delimiter=",",
            comments=None,
            ndmin=2,
            dtype=np.float64,
            encoding="ascii",
        )
    except ValueError:
        return None
    if values.shape[1] != n_columns:
        return None
    t = values[:, 0]
    if np.isinf(values).any() or np.isnan(t).any() or (np.diff(t) <= 0).any():
        return None
    return values


def _fill_empty_cells(block: bytes) -> bytes:
    """``block`` with ``nan`` written into empty cells, which numpy's parser rejects.

    ``block`` ends with a newline; an empty first cell is left alone (``t`` may not be empty).
    """
    chars = np.frombuffer(block, np.uint8)
    after_comma = np.flatnonzero(chars[:-1] == ord(",")) + 1
    follower = chars[after_comma]
    empty = after_comma[(follower == ord(",")) | (follower == ord("\n"))]
    nan = np.frombuffer(b"nan", np.uint8)
    return np.insert(chars, np.repeat(empty, len(nan)), np.tile(nan, len(empty))).tobytes()


def _parse_precise(
    block: str, columns: list[str], name: str, first_line: int, last: tuple[int, float] | None
) -> tuple[np.ndarray, tuple[int, float] | None]:
    """The rows of a block read line by line, and the new ``last`` (line number, t).

    ``first_line`` is the number of the block's first line; ``last`` is that of the row
    before the block. The first bad line raises, by its number.
    """
    lines = block.split("\n")
    values = np.empty((len(lines), len(columns)))
    n_rows = 0
    for line_number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        row = _row_values(line, line_number, columns, name)
        _check_time(row[0], line, line_number, last, name)
        last = (line_number, row[0])
        values[n_rows] = row
        n_rows += 1
    return values[:n_rows], last


def _row_values(line: str, line_number: int, columns: list[str], name: str) -> list[float]:
    """The numbers of one line, NaN for empty cells; raises on a wrong count or a bad cell."""
    cells = line.split(",")
    if len(cells) != len(columns):
        raise ValidationError(
            f"{name} line {line_number} has {len(cells)} fields, but the header names "
            f"{len(columns)} columns"
        )
    return [
        _cell_value(cell, column, line_number, name)
        for cell, column in zip(cells, columns, strict=True)
    ]


def _cell_value(cell: str, column: str, line_number: int, name: str) -> float:
    """The number in one cell, NaN if it is empty; raises unless it is a finite number."""
    text = cell.strip()
    if not text:
        return math.nan
    value = _number(text)
    if value is None:
        raise ValidationError(
            f"{name} line {line_number}, column {column}: {_quoted(text)} is not a number"
        )
    if math.isinf(value):
        raise ValidationError(
            f"{name} line {line_number}, column {column}: {_quoted(text)} is infinite; "
            "leave the cell empty for a missing sample"
        )
    return value


def _number(text: str) -> float | None:
    """The float that ``text`` spells, or None; the same numbers numpy's loadtxt accepts."""
    if not text.isascii() or "_" in text:  # float() also takes '1_0' and '١'; a CSV does not
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _check_time(
    t: float, line: str, line_number: int, last: tuple[int, float] | None, name: str
) -> None:
    """Raise unless ``t`` is a number later than that of the ``last`` row (line number, t)."""
    if math.isnan(t):
        spelled = "empty" if not line.partition(",")[0].strip() else "NaN"
        raise ValidationError(f"{name} line {line_number} has no time: t is {spelled}")
    if last is not None and t <= last[1]:
        raise ValidationError(
            f"{name} line {line_number}: t = {t!r} s does not come after t = {last[1]!r} s "
            f"on line {last[0]}; t must increase strictly"
        )


def _table(values: np.ndarray, sensors: dict[str, list[int]]) -> ImuTable:
    """Split the columns by sensor; a sample with any NaN is missing whole, acc and gyr."""
    acc, gyr = {}, {}
    for sensor, indices in sensors.items():
        sample = values[:, indices]  # (n, 6), a copy
        sample[np.isnan(sample).any(axis=1)] = np.nan
        acc[sensor] = np.ascontiguousarray(sample[:, :3])
        gyr[sensor] = np.ascontiguousarray(sample[:, 3:])
    return ImuTable(values[:, 0].copy(), acc, gyr)


def _quoted(text: str) -> str:
    """``text`` for a message: shortened, quoted, control characters escaped (one line)."""
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 1] + "…"
    return repr(text)


def _listed(names: list[str]) -> str:
    """The first few ``names``, quoted, and how many more there are."""
    shown = ", ".join(_quoted(name) for name in names[:_SHOWN_NAMES])
    rest = len(names) - _SHOWN_NAMES
    return f"{shown} and {rest} more" if rest > 0 else shown
