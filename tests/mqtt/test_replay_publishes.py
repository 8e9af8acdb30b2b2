"""``anklet replay FILE --mqtt URL``: a recorded session published as it was live."""

from __future__ import annotations

import asyncio

from anklet.cli import main
from anklet.mqtt import decode

from .listen import run_cli_while_subscribed


def test_replay_publishes_the_recorded_session(broker, tmp_path, capsys):
    recording = tmp_path / "squats.mcap"
    assert main(["demo", "--headless", "--speed", "max", "--scenario", "squats", "--duration", "30", "--record", str(recording)]) == 0
    recorded = [line for line in capsys.readouterr().out.splitlines() if '"type":"rep"' in line]
    argv = ["replay", str(recording), "--speed", "max", "--headless", "--mqtt", broker.url, "--station", "replayed"]
    (code, _out, err), received = asyncio.run(run_cli_while_subscribed(broker.port, argv, topic="anklet/replayed/#"))
    assert code == 0, err
    messages = [decode(topic, payload) for topic, payload in received]
    assert {(m["station"], m["athlete"]) for m in messages} == {("replayed", "default")}
    assert {"angles", "status", "rep"} <= {m["type"] for m in messages}
    assert len([m for m in messages if m["type"] == "rep"]) == len(recorded) > 0  # the session's reps, as it gave them
