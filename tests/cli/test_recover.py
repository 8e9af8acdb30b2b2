"""``anklet recover``: a cut-off recording rewritten whole, saying how much it kept."""

from __future__ import annotations

from anklet.cli import main
from anklet.gait import load_athlete
from anklet.recording import Recorder, SessionInfo, read_recording
from anklet.sim import load_scenario, simulate


def _recorded(path, seconds: float = 8.0):
    session = simulate(load_scenario("easy_run"), seed=2, duration_s=seconds)
    recorder = Recorder(path)
    recorder.begin(SessionInfo(tuple(session.sensors), "running", load_athlete(), 200.0, title="easy_run"))
    for notification in session.notifications():
        recorder.take(notification)
    recorder.mark(3.25, "default")
    recorder.end()
    return session.notifications()


def test_a_cut_off_recording_is_rewritten_whole(tmp_path, capsys):
    path = tmp_path / "session.mcap"
    sent = _recorded(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])  # killed: no summary, a partial record at the end
    assert main(["recover", str(path)]) == 0
    out = capsys.readouterr().out
    fixed = tmp_path / "session.recovered.mcap"
    assert f"into {fixed}" in out and "recovered" in out
    recording = read_recording(fixed)
    assert recording.complete and recording.notes == []
    assert 0.6 * len(sent) < len(recording.notifications) < len(sent)
    assert [n.payload for n in recording.notifications] == [n.payload for n in sent[: len(recording.notifications)]]
    assert f"{recording.duration_s:.1f} s of the session ({len(recording.notifications)} notifications" in out
    assert path.read_bytes() == data[: len(data) * 3 // 4]  # the original is left as it was


def test_recover_never_writes_over_the_original(tmp_path, capsys):
    path = tmp_path / "session.mcap"
    _recorded(path, 2.0)
    before = path.read_bytes()
    assert main(["recover", str(path), "--out", str(path)]) == 1
    assert "must go to a new file" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_recover_of_something_else_is_one_sentence(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("not a recording\n")
    assert main(["recover", str(path), "--out", str(tmp_path / "fixed.mcap")]) == 1
    err = capsys.readouterr().err
    assert err == f"anklet: {path} is not an anklet recording: it is not an MCAP file\n"
    assert not (tmp_path / "fixed.mcap").exists()
