"""Reading the anklet IMU CSV: round trips with write_imu_csv, the partial-sample rule, one
sentence for each kind of bad input, and fuzzing (only ValidationError or a valid table)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from anklet.errors import ValidationError
from anklet.files import SENSOR_NAMES, ImuTable, imu_columns, read_imu_csv, write_imu_csv
from anklet.files import _imu_csv
from anklet.files._imu_csv import _header_columns, _parse_fast, _parse_precise

# tmp_path is shared by the examples of one test; each example overwrites its file.
FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FOOT_HEADER = "t," + ",".join(imu_columns("left_foot"))
FOOT_ROW = "1,2,3,4,5,6"  # the six left_foot cells of a valid row


@st.composite
def tables(draw, max_rows: int = 8) -> tuple[ImuTable, dict[str, np.ndarray]]:
    """A small table of any sensor subset in any column order, and its missing-sample masks."""
    sensors = draw(st.lists(st.sampled_from(SENSOR_NAMES), min_size=1, max_size=4, unique=True))
    n = draw(st.integers(2, max_rows))
    steps_us = draw(arrays(np.int64, n, elements=st.integers(1, 10**6)))
    t = (draw(st.integers(-(10**9), 10**10)) + np.cumsum(steps_us)) / 1e6  # as written: µs
    finite = st.floats(-1e4, 1e4, allow_subnormal=False)
    acc, gyr, missing = {}, {}, {}
    for sensor in sensors:
        acc[sensor] = draw(arrays(np.float64, (n, 3), elements=finite))
        gyr[sensor] = draw(arrays(np.float64, (n, 3), elements=finite))
        missing[sensor] = draw(arrays(np.bool_, n))
        acc[sensor][missing[sensor]] = np.nan
        gyr[sensor][missing[sensor]] = np.nan
    return ImuTable(t, acc, gyr), missing


def written(tmp_path: Path, content: str | bytes, name: str = "session.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def foot_file(tmp_path: Path, *rows: str) -> Path:
    """A left_foot-only file with the given data rows (line 2 onwards)."""
    return written(tmp_path, "\n".join([FOOT_HEADER, *rows]) + "\n")


def error_message(path: Path | str) -> str:
    """The message read_imu_csv raises for ``path``: one line that names the file."""
    with pytest.raises(ValidationError) as caught:
        read_imu_csv(path)
    message = str(caught.value)
    assert len(message.splitlines()) == 1, message
    assert str(path) in message
    return message


def assert_valid_table(table: ImuTable) -> None:
    """What every table read_imu_csv returns must satisfy."""
    n = len(table.t)
    assert n >= 2
    assert table.t.dtype == np.float64 and np.all(np.isfinite(table.t))
    assert np.all(np.diff(table.t) > 0)
    assert table.sensors == [s for s in SENSOR_NAMES if s in table.sensors]
    assert table.sensors == list(table.gyr)
    for sensor in table.sensors:
        for samples in (table.acc[sensor], table.gyr[sensor]):
            assert samples.shape == (n, 3) and samples.dtype == np.float64
            assert not np.isinf(samples).any()
        missing = np.isnan(table.acc[sensor]).any(axis=1)
        assert np.array_equal(np.isnan(table.acc[sensor]).all(axis=1), missing)
        assert np.array_equal(np.isnan(table.gyr[sensor]).all(axis=1), missing)
        assert np.array_equal(np.isnan(table.gyr[sensor]).any(axis=1), missing)


# --- round trip ------------------------------------------------------------------------------


@FUZZ
@given(drawn=tables())
def test_round_trip_with_write_imu_csv(tmp_path, drawn):
    table, missing = drawn
    path = tmp_path / "round_trip.csv"
    write_imu_csv(path, table)
    read = read_imu_csv(path)
    assert read.sensors == [s for s in SENSOR_NAMES if s in table.sensors]
    np.testing.assert_array_equal(read.t, table.t)  # µs times survive %.6f exactly
    for sensor in table.sensors:
        pairs = ((read.acc[sensor], table.acc[sensor]), (read.gyr[sensor], table.gyr[sensor]))
        for got, wanted in pairs:
            assert np.array_equal(np.isnan(got).all(axis=1), missing[sensor])
            np.testing.assert_allclose(got, wanted, rtol=1e-5, atol=0)  # %.6g


@pytest.fixture
def numpy_only(monkeypatch):
    """Take the line-by-line parser away: what is read then went through numpy's fast path."""

    def refuse(*args):
        raise AssertionError("the line-by-line parser read the file")

    monkeypatch.setattr(_imu_csv, "_parse_precise", refuse)


def test_numpy_alone_reads_what_write_imu_csv_writes(tmp_path, numpy_only):
    rng = np.random.default_rng(0)
    n = 50
    acc = {s: rng.normal(size=(n, 3)) for s in SENSOR_NAMES}
    gyr = {s: rng.normal(size=(n, 3)) for s in SENSOR_NAMES}
    acc["left_foot"][3] = gyr["left_foot"][3] = np.nan
    acc["right_foot"][n - 1] = gyr["right_foot"][n - 1] = np.nan  # empty cells at line end
    path = tmp_path / "written.csv"
    write_imu_csv(path, ImuTable(np.arange(n) / 200, acc, gyr))
    table = read_imu_csv(path)
    for sensor in SENSOR_NAMES:
        np.testing.assert_allclose(table.acc[sensor], acc[sensor], rtol=1e-5)
        np.testing.assert_allclose(table.gyr[sensor], gyr[sensor], rtol=1e-5)


def test_numpy_alone_reads_crlf_files_with_empty_last_cells(tmp_path, numpy_only):
    content = f"{FOOT_HEADER}\r\n0,1,2,3,4,5,\r\n1,{FOOT_ROW}\r\n"
    table = read_imu_csv(written(tmp_path, content))
    assert np.isnan(table.gyr["left_foot"]).all(axis=1).tolist() == [True, False]


def test_sensors_come_in_anklet_order_whatever_the_column_order(tmp_path):
    header = ",".join(["t", *imu_columns("right_foot"), *imu_columns("left_shank")])
    path = written(tmp_path, f"{header}\n0,{'1,' * 11}1\n1,{'2,' * 11}2\n")
    table = read_imu_csv(path)
    assert table.sensors == ["left_shank", "right_foot"]
    np.testing.assert_array_equal(table.gyr["left_shank"], [[1, 1, 1], [2, 2, 2]])


def test_crlf_bom_blank_lines_and_spaces_are_accepted(tmp_path):
    content = f"\ufeff{FOOT_HEADER}\r\n0, 1,2,3,4,5,6\r\n\r\n 0.5 ,{FOOT_ROW} \r\n\r\n"
    table = read_imu_csv(written(tmp_path, content))
    np.testing.assert_array_equal(table.t, [0, 0.5])
    np.testing.assert_array_equal(table.acc["left_foot"], [[1, 2, 3], [1, 2, 3]])


# --- the partial-sample rule -----------------------------------------------------------------


def test_one_empty_cell_makes_the_whole_sample_missing(tmp_path):
    header = ",".join(["t", *imu_columns("left_foot"), *imu_columns("right_foot")])
    path = written(
        tmp_path,
        f"{header}\n"
        "0,1,2,3,4,5,6,7,8,9,10,11,12\n"
        "1,1,2,3,4,,6,7,8,9,10,11,12\n"  # left_foot gyr_y empty
        "2,1,2,nan,4,5,6,7,8,9,10,11,\n"  # left_foot acc_z NaN, right_foot gyr_z empty
        "3,,,,,,,,,,,,\n",  # every sensor missing: the row stays
    )
    table = read_imu_csv(path)
    np.testing.assert_array_equal(table.t, [0, 1, 2, 3])
    assert np.isnan(table.acc["left_foot"]).all(axis=1).tolist() == [False, True, True, True]
    assert np.isnan(table.gyr["left_foot"]).all(axis=1).tolist() == [False, True, True, True]
    assert np.isnan(table.acc["right_foot"]).all(axis=1).tolist() == [False, False, True, True]
    assert np.isnan(table.gyr["right_foot"]).all(axis=1).tolist() == [False, False, True, True]
    np.testing.assert_array_equal(table.acc["right_foot"][1], [7, 8, 9])


# --- one sentence per kind of bad input ------------------------------------------------------


def test_missing_file(tmp_path):
    assert "does not exist" in error_message(str(tmp_path / "nowhere.csv"))


def test_directory(tmp_path):
    assert "is a directory" in error_message(tmp_path)


def test_unreadable_path(tmp_path):
    inside_a_file = written(tmp_path, "x") / "session.csv"
    assert "cannot be read: Not a directory" in error_message(inside_a_file)


def test_nul_in_the_path(tmp_path):
    assert "not a usable file name" in error_message(f"{tmp_path}/a\x00b.csv")


def test_binary_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert "is binary" in error_message(written(tmp_path, png))


def test_not_utf8(tmp_path):
    message = error_message(written(tmp_path, b"t,left_foot\xe9\n"))
    assert "is not UTF-8 text (byte 11 is 0xe9)" in message


@pytest.mark.parametrize("content", [b"", b"\n \r\n\t", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    assert error_message(written(tmp_path, content)).endswith("is empty")


def test_first_line_empty(tmp_path):
    message = error_message(written(tmp_path, f"\n{FOOT_HEADER}\n0,{FOOT_ROW}\n"))
    assert "has no header: its first line is empty" in message


def test_no_header_numbers_first(tmp_path):
    message = error_message(written(tmp_path, f"0,{FOOT_ROW}\n1,{FOOT_ROW}\n"))
    assert "has no header: its first line starts with the number '0'" in message


def test_header_without_t(tmp_path):
    semicolons = FOOT_HEADER.replace(",", ";")
    message = error_message(written(tmp_path, f"{semicolons}\n0;{FOOT_ROW}\n"))
    assert "has no t column: its header is 't;left_foot_acc_x;l…'" in message


def test_t_not_first(tmp_path):
    header = ",".join([*imu_columns("left_foot"), "t"])
    message = error_message(written(tmp_path, f"{header}\n{FOOT_ROW},0\n"))
    assert "has t as column 7, but t must be the first column" in message


def test_duplicated_columns(tmp_path):
    message = error_message(written(tmp_path, f"{FOOT_HEADER},left_foot_acc_x,t\n"))
    assert "names 't', 'left_foot_acc_x' more than once in its header" in message


def test_unknown_columns(tmp_path):
    header = f"{FOOT_HEADER},left_ankle_acc_x,temperature"
    message = error_message(written(tmp_path, f"{header}\n0,{FOOT_ROW},1,2\n"))
    assert "does not know: 'left_ankle_acc_x', 'temperature';" in message
    assert "{sensor}_acc_x/y/z" in message
    assert "left_shank, left_foot, right_shank, right_foot" in message


def test_many_unknown_columns_are_counted_not_listed(tmp_path):
    header = "t," + ",".join(f"c{i}" for i in range(40))
    message = error_message(written(tmp_path, header + "\n"))
    assert "'c0', 'c1', 'c2', 'c3', 'c4' and 35 more" in message


def test_sensor_with_some_columns(tmp_path):
    header = f"{FOOT_HEADER},right_shank_acc_x,right_shank_gyr_z"
    message = error_message(written(tmp_path, f"{header}\n"))
    assert (
        "lacks the columns 'right_shank_acc_y', 'right_shank_acc_z', 'right_shank_gyr_x', "
        "'right_shank_gyr_y': a sensor needs all six" in message
    )


def test_no_sensor_columns(tmp_path):
    message = error_message(written(tmp_path, "t\n0\n1\n"))
    assert "has no sensor columns" in message


@pytest.mark.parametrize(("row", "count"), [("1,1,2,3,4,5", 6), (f"1,{FOOT_ROW},7", 8), ("1", 1)])
def test_row_with_wrong_number_of_fields(tmp_path, row, count):
    message = error_message(foot_file(tmp_path, f"0,{FOOT_ROW}", "", row))
    assert f"line 4 has {count} fields, but the header names 7 columns" in message


def test_every_row_one_field_short(tmp_path):
    message = error_message(foot_file(tmp_path, "0,1,2,3,4,5", "1,1,2,3,4,5"))
    assert "line 2 has 6 fields, but the header names 7 columns" in message


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("abc", "'abc'"),
        ('"1.5"', "'\"1.5\"'"),
        ("1_000", "'1_000'"),  # float() would take it; the file format does not
        ("١", "'١'"),  # an Arabic-Indic digit, which float() also takes
        ("1\x0b2", "'1\\x0b2'"),  # a line break for str.splitlines, escaped in the message
        ("1\u20282", "'1\\u20282'"),
        ("1.5" + "x" * 27, "'1.5" + "x" * 16 + "…'"),
    ],
)
def test_cell_that_is_not_a_number(tmp_path, cell, shown):
    message = error_message(foot_file(tmp_path, f"0,{FOOT_ROW}", f"1,1,2,3,4,{cell},6"))
    assert f"line 3, column left_foot_gyr_y: {shown} is not a number" in message


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "1e999"])
def test_infinite_cell(tmp_path, cell):
    message = error_message(foot_file(tmp_path, f"0,{FOOT_ROW}", f"1,{cell},2,3,4,5,6"))
    assert f"line 3, column left_foot_acc_x: '{cell}' is infinite" in message


@pytest.mark.parametrize(("cell", "spelled"), [("", "empty"), ("  ", "empty"), ("NaN", "NaN")])
def test_row_without_time(tmp_path, cell, spelled):
    path = foot_file(tmp_path, f"0,{FOOT_ROW}", f"1,{FOOT_ROW}", f"{cell},{FOOT_ROW}")
    message = error_message(path)
    assert f"line 4 has no time: t is {spelled}" in message


@pytest.mark.parametrize("later", ["0.02", "0.01"])
def test_time_not_strictly_increasing(tmp_path, later):
    path = foot_file(tmp_path, f"0.01,{FOOT_ROW}", "", f"0.02,{FOOT_ROW}", f"{later},{FOOT_ROW}")
    message = error_message(path)
    assert f"line 5: t = {later} s does not come after t = 0.02 s on line 4" in message


@pytest.mark.parametrize(
    ("rows", "said"), [((), "0 data rows;"), ((f"0,{FOOT_ROW}", ""), "1 data row;")]
)
def test_fewer_than_two_rows(tmp_path, rows, said):
    assert f"has {said} at least 2 are needed" in error_message(foot_file(tmp_path, *rows))


def test_the_first_bad_line_is_named_in_a_long_file(tmp_path, monkeypatch):
    """numpy declines one block; the line-by-line parser finds the first problem in it."""
    monkeypatch.setattr(_imu_csv, "_BLOCK_BYTES", 4096)
    rows = [f"{i / 200},{FOOT_ROW}" for i in range(5000)]
    rows[4000] = rows[4000].replace("5", "five")
    rows[4500] = rows[4500].replace("6", "")
    message = error_message(foot_file(tmp_path, *rows))
    assert "line 4002, column left_foot_gyr_y: 'five' is not a number" in message


# --- fuzzing ---------------------------------------------------------------------------------


def read_or_reject(path: Path) -> None:
    """Reading ``path`` gives a valid table or one ValidationError sentence, nothing else."""
    try:
        table = read_imu_csv(path)
    except ValidationError as error:
        assert len(str(error).splitlines()) == 1
        assert str(path) in str(error)
    else:
        assert_valid_table(table)


@FUZZ
@given(content=st.binary(max_size=400))
def test_arbitrary_bytes(tmp_path, content):
    read_or_reject(written(tmp_path, content))


@FUZZ
@given(content=st.text(max_size=400))
def test_arbitrary_text(tmp_path, content):
    read_or_reject(written(tmp_path, content))


CSV_CHARS = "0123456789.,-+eEnaifINF \t\n\r_\x0b\x0c\x1c\x85\u2028\u00a0١"


@FUZZ
@given(body=st.text(alphabet=CSV_CHARS, max_size=400))
def test_arbitrary_body_after_a_valid_header(tmp_path, body):
    read_or_reject(written(tmp_path, f"{FOOT_HEADER}\n{body}"))


JUNK = st.one_of(
    st.sampled_from(["", " ", "nan", "inf", "-1e999", "1_0", "abc", '"1"', "0x10", "1e5", "١"]),
    st.text(alphabet=CSV_CHARS, max_size=6),
)


@st.composite
def mutated_files(draw) -> str:
    """A written IMU CSV with a few cells replaced, rows cut short, lines dropped or copied."""
    table, _ = draw(tables(max_rows=6))
    header = ",".join(["t", *(c for s in table.sensors for c in imu_columns(s))])
    samples = np.hstack([b for s in table.sensors for b in (table.acc[s], table.gyr[s])])
    rows = [
        [f"{t:.6f}", *(f"{v:.6g}" if v == v else "" for v in row)]  # as write_imu_csv writes
        for t, row in zip(table.t, samples, strict=True)
    ]
    for _ in range(draw(st.integers(1, 4))):
        line = draw(st.integers(0, len(rows) - 1))
        action = draw(st.sampled_from(["cell", "cut", "drop", "copy", "blank"]))
        if action == "cell":
            if rows[line]:
                rows[line][draw(st.integers(0, len(rows[line]) - 1))] = draw(JUNK)
        elif action == "cut":
            del rows[line][draw(st.integers(0, len(rows[line]))) :]
        elif action == "drop":
            del rows[line]
        elif action == "copy":
            rows.insert(draw(st.integers(0, len(rows))), list(rows[line]))
        else:
            rows.insert(line, [])
        if not rows:
            break
    return "\n".join([header, *(",".join(row) for row in rows)]) + "\n"


@FUZZ
@given(content=mutated_files())
def test_mutated_valid_files(tmp_path, content):
    read_or_reject(written(tmp_path, content))


@settings(max_examples=200, deadline=None)
@given(
    content=st.one_of(
        mutated_files(),
        st.text(alphabet=CSV_CHARS, max_size=200).map(lambda body: f"{FOOT_HEADER}\n{body}"),
    )
)
def test_numpy_and_line_by_line_parsers_agree(content):
    """Whatever numpy's fast path accepts, the line-by-line parser reads to the same numbers."""
    header, _, body = content.partition("\n")
    columns = _header_columns(header, "x")
    fast = _parse_fast(body.encode(), len(columns))
    if fast is not None:
        precise, _ = _parse_precise(body, columns, "x", 2, None)
        np.testing.assert_array_equal(fast, precise)


def outcome(path: Path) -> ImuTable | str:
    """The table read from ``path``, or the message of its ValidationError."""
    try:
        return read_imu_csv(path)
    except ValidationError as error:
        return str(error)


@FUZZ
@given(content=mutated_files(), block_bytes=st.integers(1, 200))
def test_small_blocks_give_the_same_table_or_message(tmp_path, content, block_bytes):
    """Where the blocks of the body end changes nothing: rows, line numbers, times."""
    path = written(tmp_path, content)
    whole = outcome(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_imu_csv, "_BLOCK_BYTES", block_bytes)
        in_blocks = outcome(path)
    if isinstance(whole, str):
        assert in_blocks == whole
    else:
        assert isinstance(in_blocks, ImuTable)
        np.testing.assert_array_equal(in_blocks.t, whole.t)
        for sensor in whole.sensors:
            np.testing.assert_array_equal(in_blocks.acc[sensor], whole.acc[sensor])
            np.testing.assert_array_equal(in_blocks.gyr[sensor], whole.gyr[sensor])


@pytest.mark.parametrize("middle", [FOOT_ROW, "1,2,3, ,5,6"])  # numpy reads it, or line by line
def test_time_must_increase_across_blocks(tmp_path, monkeypatch, middle):
    monkeypatch.setattr(_imu_csv, "_BLOCK_BYTES", 1)  # one line per block
    path = foot_file(tmp_path, f"0,{FOOT_ROW}", f"1,{middle}", "", f"1,{FOOT_ROW}")
    assert "line 5: t = 1.0 s does not come after t = 1.0 s on line 3" in error_message(path)
