"""``anklet report INPUT --out DIR``: a self-contained HTML page (it parses, links nothing on the
network, embeds exactly the PNGs beside it) whose numbers are the analysis's, with the sections
the session has; bad input is one sentence and exit 1."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from anklet.cli import main
from anklet.files import write_imu_csv
from anklet.sim import load_scenario, simulate


class _Page(HTMLParser):
    """What the tests look at: headings, images, every link-like attribute, keyed cells, text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.values: dict[str, str] = {}
        self.text: list[str] = []
        self._heading = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._heading = tag == "h2"
        if tag == "img":
            self.images.append(attrs["src"])
        self.links += [value for name, value in attrs.items() if name in ("src", "href", "action") and value]
        if "data-key" in attrs:
            self.values[attrs["data-key"]] = attrs["data-value"]

    def handle_data(self, data):
        if self._heading:
            self.headings.append(data)
            self._heading = False
        self.text.append(data)


def _report(input_csv, out, *extra) -> _Page:
    assert main(["report", str(input_csv), "--out", str(out), *extra]) == 0
    return _Page((out / "report.html").read_text(encoding="utf-8"))


def test_a_run_report_is_self_contained_and_holds_the_analysis_numbers(run_csv, tmp_path, capsys):
    assert main(["analyze", str(run_csv), "--out", str(tmp_path / "analysis")]) == 0
    summary = json.loads((tmp_path / "analysis" / "summary.json").read_text())
    capsys.readouterr()
    page = _report(run_csv, tmp_path / "report")
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"reported {run_csv}: ") and "with 4 figures" in out
    pngs = sorted(path.name for path in (tmp_path / "report").glob("*.png"))
    assert pngs == ["contact_time.png", "gait_cycle.png", "left_right.png", "to_angle.png"]
    # every image is embedded, one per figure, the same bytes as the file beside the page
    assert len(page.images) == len(pngs)
    embedded = sorted(base64.b64decode(src.removeprefix("data:image/png;base64,")) for src in page.images)
    assert embedded == sorted((tmp_path / "report" / name).read_bytes() for name in pngs)
    assert all(link.startswith("data:image/png;base64,") for link in page.links)
    assert "http" not in (tmp_path / "report" / "report.html").read_text()
    assert page.headings == ["How to read this report", "Running and walking", "Flags", "Sensors and calibration",
                             "Where the limits come from"]
    for side in ("left", "right"):
        strides = summary["strides"][side]
        assert int(page.values[f"strides.{side}.count"]) == strides["count"]
        assert float(page.values[f"strides.{side}.median_ankle_angle_at_to_deg"]) == pytest.approx(
            strides["median_ankle_angle_at_to_deg"], abs=1e-9)
        assert int(page.values[f"strides.{side}.restricted_pf_count"]) == strides["restricted_pf_count"]
    text = " ".join(page.text)
    raised = [flag for flag in summary["flags"] if flag["active"]]
    assert raised and text.count("raised") >= len(raised)
    assert "Restricted ankle extension" in text and "low-back" in text  # what the flag means, in words
    for sensor in ("left_shank", "left_foot", "right_shank", "right_foot"):
        assert 0 <= float(page.values[f"health.{sensor}.missing_pct"]) < 5


def test_a_squat_report_has_reps_and_no_gait_cycle(squats_csv, tmp_path):
    page = _report(squats_csv, tmp_path)
    assert sorted(path.name for path in tmp_path.glob("*.png")) == ["reps.png"] and len(page.images) == 1
    assert "Squats and lunges" in page.headings and "Running and walking" not in page.headings
    text = " ".join(page.text)
    assert "Restricted ankle bend" in text and "knees cannot travel over the toes" in text
    assert int(page.values["reps.left.count"]) + int(page.values["reps.right.count"]) >= 8


def test_a_guided_test_report_gives_each_sides_result(tmp_path):
    write_imu_csv(tmp_path / "imu.csv", simulate(load_scenario("tall_kneeling"), seed=0, duration_s=24).imu_table())
    page = _report(tmp_path / "imu.csv", tmp_path / "out", "--activity", "tall_kneeling")
    assert "Ankle mobility tests" in page.headings and page.images == []
    text = " ".join(page.text)
    assert "Tall-kneeling test (ankle extension)" in text
    assert text.count("passed") >= 1 and text.count("failed") >= 1  # the simulated athlete: left fails
    assert "gap of" in text


@pytest.mark.parametrize("make, expected", [
    (lambda d: d / "nope.csv", "nope.csv does not exist"),
    (lambda d: (d / "report.html").write_text("<html></html>") and d / "report.html", "has no t column"),
    (lambda d: (d / "corrupt.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00") and d / "corrupt.csv", "binary"),
])
def test_bad_input_is_one_sentence(tmp_path, one_sentence, make, expected):
    assert main(["report", str(make(tmp_path)), "--out", str(tmp_path / "out")]) == 1
    assert expected in one_sentence()
    assert not (tmp_path / "out").exists()


def test_an_unwritable_folder_is_one_sentence(squats_csv, tmp_path, one_sentence):
    (tmp_path / "taken").write_text("a file where the folder should go")
    assert main(["report", str(squats_csv), "--out", str(tmp_path / "taken")]) == 1
    assert f"cannot write the report into {tmp_path / 'taken'}" in one_sentence()


def test_only_the_report_command_loads_matplotlib():
    code = (
        "import sys, anklet.cli\n"
        "for name in anklet.cli._COMMANDS:\n"
        "    if name != 'report': anklet.cli.build_parser(name)\n"
        "print('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_a_recording_is_reported_as_its_analysis(run_recording, tmp_path):
    assert main(["analyze", str(run_recording), "--out", str(tmp_path / "analysis")]) == 0
    summary = json.loads((tmp_path / "analysis" / "summary.json").read_text())
    page = _report(run_recording, tmp_path / "report")
    assert "Running and walking" in page.headings and len(page.images) == 4
    for side in ("left", "right"):
        assert int(page.values[f"strides.{side}.count"]) == summary["strides"][side]["count"] > 10


def test_a_truncated_recording_is_reported_as_far_as_it_goes_or_is_one_sentence(run_recording, tmp_path, capsys,
                                                                                  one_sentence):
    data = run_recording.read_bytes()
    (tmp_path / "cut.mcap").write_bytes(data[: len(data) * 2 // 3])  # killed while recording
    page = _report(tmp_path / "cut.mcap", tmp_path / "report")
    assert "note: " in capsys.readouterr().err and "Running and walking" in page.headings
    (tmp_path / "stub.mcap").write_bytes(data[:40])  # killed before the session was described
    assert main(["report", str(tmp_path / "stub.mcap"), "--out", str(tmp_path / "stub")]) == 1
    assert "stub.mcap" in one_sentence()
