"""While recording through ``RecordingTransport``, the sensors' arrival times close the chunks,
and a pause of the sensors closes the chunk in progress: nothing waits in memory for the next
notification, and a streaming session's chunks are not cut a second time by the timer."""

from __future__ import annotations

import asyncio

from mcap.reader import make_reader

from anklet.recording import Recorder, RecordingTransport, read_recording
from anklet.transport import Notification, Transport

from .sessions import session_info

PAUSE_S = 1.0


class _StreamThenPause(Transport):
    """``sent`` paced by their arrival times, with a pause after those before ``pause_at_s``;
    how many notifications the file held at the end of the pause is kept."""

    def __init__(self, sent: list[Notification], pause_at_s: float, path) -> None:
        self.sent, self.pause_at_s, self.path = sent, pause_at_s, path
        self.on_disk_after_pause: int | None = None

    async def notifications(self):
        loop = asyncio.get_running_loop()
        start = loop.time()
        paused = False
        for notification in self.sent:
            if not paused and notification.host_time_s >= self.pause_at_s:
                await asyncio.sleep(PAUSE_S)
                self.on_disk_after_pause = len(read_recording(self.path).notifications)
                paused, start = True, start + PAUSE_S
            await asyncio.sleep(max(0.0, notification.host_time_s - (loop.time() - start)))
            yield notification


async def test_a_pause_puts_what_came_before_on_disk_and_streaming_cuts_chunks_once(tmp_path, simulated):
    sent = [n for n in simulated.notifications() if n.host_time_s < 2.5]
    path = tmp_path / "r.mcap"
    recorder = Recorder(path)
    recorder.begin(session_info(simulated))
    inner = _StreamThenPause(sent, 2.0, path)
    transport = RecordingTransport(inner, recorder)
    async with transport:
        async for _ in transport.notifications():
            pass
    assert inner.on_disk_after_pause == sum(n.host_time_s < 2.0 for n in sent)  # all of it, within the pause
    with open(path, "rb") as file:
        chunks = len(make_reader(file).get_summary().chunk_indexes)
    # 2 s of streaming: the arrival times close 3 chunks (the timer, out of step, would cut 3-4
    # more); the pause closes one, the end the last
    assert chunks <= 6
    assert [n.payload for n in read_recording(path).notifications] == [n.payload for n in sent]
