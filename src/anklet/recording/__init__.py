"""Recordings: a session's raw notifications, with its description, calibration and the
coach's marks, in an MCAP file that can be read back after a crash (docs/recording.md)."""

from anklet.recording._compact import COMPACT_STEPS, SampleSteps
from anklet.recording._format import FORMAT_VERSION
from anklet.recording._reader import Recording, is_recording, read_recording
from anklet.recording._recorder import Recorder, RecordingTransport
from anklet.recording._recover import recover_recording
from anklet.recording._session import Mark, SessionInfo
from anklet.recording._writer import CHUNK_EVERY_S, RecordingWriter

__all__ = [
    "CHUNK_EVERY_S",
    "COMPACT_STEPS",
    "FORMAT_VERSION",
    "Mark",
    "Recorder",
    "Recording",
    "RecordingTransport",
    "RecordingWriter",
    "SampleSteps",
    "SessionInfo",
    "is_recording",
    "read_recording",
    "recover_recording",
]
