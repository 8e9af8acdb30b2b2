"""The coach's terminal view (textual): live readouts of running, squats and the guided
mobility tests, fed by any async iterator of DESIGN.md messages. Only consumes: it never
calls back into the pipeline."""

from anklet.tui._app import VIEWS, CoachApp, view_of
from anklet.tui._model import AthleteState, CoachModel, FlagState, Mark, SideState

__all__ = ["VIEWS", "AthleteState", "CoachApp", "CoachModel", "FlagState", "Mark", "SideState", "view_of"]
