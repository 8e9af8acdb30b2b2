"""The coach's terminal view (textual): live readouts of running, squats and the guided
mobility tests, fed by any async iterator of DESIGN.md messages. Only consumes: it never
calls back into the pipeline. ``WatchApp`` shows many stations' athletes at once, from MQTT."""

from anklet.tui._app import VIEWS, CoachApp, view_of
from anklet.tui._feed import warnings_as_notices
from anklet.tui._model import AthleteState, CoachModel, FlagState, Mark, SideState
from anklet.tui._watch import WatchApp
from anklet.tui._watch_model import WatchedAthlete, WatchModel

__all__ = [
    "VIEWS", "AthleteState", "CoachApp", "CoachModel", "FlagState", "Mark", "SideState", "WatchApp", "WatchModel",
    "WatchedAthlete", "view_of", "warnings_as_notices",
]
