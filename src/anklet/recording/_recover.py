"""Rewriting a cut-off or damaged recording as a whole one."""

from __future__ import annotations

from pathlib import Path

from anklet.errors import ValidationError
from anklet.recording._reader import Recording, read_recording
from anklet.recording._writer import RecordingWriter


def recover_recording(path: str | Path, out: str | Path) -> Recording:
    """Read what can be read of the recording at ``path`` and write it to ``out`` as a finished,
    indexed recording (session, notifications, calibration, marks). Returns what was read
    (``notes`` says what was lost). Raises ValidationError when ``out`` is ``path`` (the
    original is never overwritten) or nothing can be read."""
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise ValidationError(f"the recovered copy must go to a new file, not over {path}")
    recording = read_recording(path)
    writer = RecordingWriter(out, recording.session)
    try:
        for notification in recording.notifications:
            writer.write(notification)
        if recording.calibration is not None:
            writer.write_calibration(recording.calibration_time_s, recording.calibration)
        for mark in recording.marks:
            writer.write_mark(mark)
    finally:
        writer.close()
    return recording
