"""The help screen: every key, and what pausing does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen"]

HELP_TEXT = """\
[b]anklet coach view[/b]

[b]space[/b] / [b]p[/b]  pause / resume the display. The session goes on meanwhile: messages
          keep coming in and nothing is lost; on resume the screen jumps to now.
[b]m[/b]        mark this moment (shown as M on the traces; recordings keep it)
[b]v[/b]        next view: running, squat, assessment ([b]1[/b] [b]2[/b] [b]3[/b] pick one)
[b]a[/b]        next athlete of the feed
[b]r[/b]        start / stop recording (a new file holds the session from its start;
          the header shows ● REC while it records)
[b]?[/b] / [b]h[/b]    this help
[b]q[/b]        quit: the sensors are released and the session ends

Running: each ankle's angle at toe-off (TO) against the athlete's limit; the
badges light up for restricted extension at TO, asymmetry and a worsening trend.
Squats: reps and each rep's deepest dorsiflexion against the limit.
Assessment: the guided test's steps, a live gauge per side, the result per side.

[dim]Press any key to close.[/dim]"""


class HelpScreen(ModalScreen[None]):
    """A modal over the readout; any key closes it."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(HELP_TEXT)

    def on_key(self, event) -> None:
        event.stop()
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
