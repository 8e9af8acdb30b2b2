"""A strict reader of OpenSim's ``.mot``/``.sto`` files for the tests, written from OpenSim's
parsing rules (opensim-core: DelimFileAdapter::extendRead, FileAdapter::tokenize, IO::stod,
Storage::parseHeaders and Storage's version-1 reader), and stricter where our own files must
be: a file it accepts, OpenSim's readers accept.

* The header is every line before the first line that is ``endheader`` (spaces and tabs
  around it allowed); a header line that looks like a row of numbers is an error (OpenSim:
  "Missing end of header block"). ``key=value`` lines are metadata.
* ``DataType`` says what a cell holds (``double`` when absent); ``Quaternion`` cells are
  ``w,x,y,z``, exactly four comma-separated components.
* The first non-empty line after ``endheader`` holds the column labels, tab-separated,
  ``time`` first. Every row has exactly as many tab-separated cells as there are labels.
* OpenSim reads an unparsable number as NaN; this reader accepts only numbers Python parses
  and the spelling ``nan`` (what C++ streams write), and nothing else.
* A version-1 file (Storage's ``.mot``) is read by Storage's own reader: the first header
  line is the name, ``nRows`` and ``nColumns`` (with time) must match the data, and every
  value must be a finite number (C++ stream extraction stops at ``nan``).
* Time is strictly increasing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_ENDHEADER = re.compile(r"[ \t]*endheader[ \t]*")
_DATA_LINE = re.compile(r"[0-9][0-9.\t -]+")
_KEY_VALUE = re.compile(r"(.*)=(.*)")
_COMPONENTS = {"double": 1, "Quaternion": 4}


class OpenSimFormatError(ValueError):
    """The file breaks one of OpenSim's parsing rules."""


@dataclass
class OpenSimTable:
    """What OpenSim reads: the free header text, the metadata, labels after ``time``, times
    (n,), and the values (n, columns, components)."""

    header: list[str]
    metadata: dict[str, str]
    labels: list[str]
    time: np.ndarray
    values: np.ndarray


def read_opensim(path: Path | str) -> OpenSimTable:
    lines = Path(path).read_text(encoding="ascii").split("\n")
    header, metadata, body_start = _header(lines)
    data_type = metadata.get("DataType", "double")
    if data_type not in _COMPONENTS:
        raise OpenSimFormatError(f"DataType {data_type!r} is not one this reader knows")
    components = _COMPONENTS[data_type]
    rest = [line.removesuffix("\r") for line in lines[body_start:]]
    while rest and not rest[0].strip():
        rest.pop(0)
    if not rest:
        raise OpenSimFormatError("no column labels after endheader")
    labels = rest[0].split("\t")
    if labels[0] != "time" or any(not label or label != label.strip() for label in labels):
        raise OpenSimFormatError(f"column labels must be tab-separated, time first: {rest[0]!r}")
    rows = rest[1:]
    while rows and rows[-1] == "":
        rows.pop()
    time = np.empty(len(rows))
    values = np.empty((len(rows), len(labels) - 1, components))
    for index, row in enumerate(rows):
        cells = row.split("\t")
        if len(cells) != len(labels):
            raise OpenSimFormatError(f"row {index + 1} has {len(cells)} cells, the labels say {len(labels)}")
        time[index] = _number(cells[0])
        for column, cell in enumerate(cells[1:]):
            parts = cell.split(",")
            if len(parts) != components:
                raise OpenSimFormatError(f"row {index + 1}: {cell!r} is not {components} component(s)")
            values[index, column] = [_number(part) for part in parts]
    if not np.isfinite(time).all() or (np.diff(time) <= 0).any():
        raise OpenSimFormatError("time is not finite and strictly increasing")
    if metadata.get("version") == "1":
        _check_storage_version_1(header, metadata, labels, values)
    return OpenSimTable(header, metadata, labels[1:], time, values)


def _header(lines: list[str]) -> tuple[list[str], dict[str, str], int]:
    header, metadata = [], {}
    for number, raw in enumerate(lines):
        line = raw.removesuffix("\r")
        if _ENDHEADER.fullmatch(line):
            return header, metadata, number + 1
        if _DATA_LINE.fullmatch(line):
            raise OpenSimFormatError(f"line {number + 1} is data before endheader")
        match = _KEY_VALUE.fullmatch(line)
        if match and match[1] and match[2].strip():
            metadata[match[1].strip()] = match[2].strip()
        else:
            header.append(line)
    raise OpenSimFormatError("no endheader line")


def _number(text: str) -> float:
    if text == "nan":
        return math.nan
    if text != text.strip() or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise OpenSimFormatError(f"{text!r} is not a number")
    return float(text)


def _check_storage_version_1(header: list[str], metadata: dict[str, str], labels: list[str], values: np.ndarray) -> None:
    if not header or not header[0] or "=" in header[0]:
        raise OpenSimFormatError("a version-1 file starts with its name")
    for key in ("nRows", "nColumns", "inDegrees"):
        if key not in metadata:
            raise OpenSimFormatError(f"a version-1 file needs {key}=")
    if int(metadata["nRows"]) != len(values) or int(metadata["nColumns"]) != len(labels):
        raise OpenSimFormatError(
            f"nRows={metadata['nRows']} nColumns={metadata['nColumns']}, but the data has {len(values)} rows and "
            f"{len(labels)} columns"
        )
    if not np.isfinite(values).all():
        raise OpenSimFormatError("a version-1 file cannot hold NaN (Storage reads numbers with C++ streams)")
