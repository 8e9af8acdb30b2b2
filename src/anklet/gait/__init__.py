"""Gait: events (IC, MS, TO) and strides of running and walking from the foot sensors."""

from anklet.gait._axis import flexion_axis_from_calibration, flexion_axis_from_motion, foot_flexion_axes
from anklet.gait._events import GaitEventDetector, detect_events
from anklet.gait._foot_events import EventParams, FootEvents, GaitEvent
from anklet.gait._published import (
    PUBLISHED_DETECTORS,
    FootSignals,
    PublishedDetector,
    forward_axis,
    ic_at_gyro_minimum,
    ic_herzer,
    ic_rampp,
    published_events,
    sagittal_rate,
    to_at_gyro_minimum,
    to_at_zero_crossing,
)
from anklet.gait._strides import SYMMETRY_METRICS, Stride, Symmetry, strides_from_events, symmetry

__all__ = [
    "PUBLISHED_DETECTORS",
    "SYMMETRY_METRICS",
    "EventParams",
    "FootEvents",
    "FootSignals",
    "GaitEvent",
    "GaitEventDetector",
    "PublishedDetector",
    "Stride",
    "Symmetry",
    "detect_events",
    "flexion_axis_from_calibration",
    "flexion_axis_from_motion",
    "foot_flexion_axes",
    "forward_axis",
    "ic_at_gyro_minimum",
    "ic_herzer",
    "ic_rampp",
    "published_events",
    "sagittal_rate",
    "strides_from_events",
    "symmetry",
    "to_at_gyro_minimum",
    "to_at_zero_crossing",
]

# squats, the seed articles' mobility tests, athlete profiles
from anklet.gait._athlete import DEFAULT_ATHLETE, AthleteProfile, FlagThresholds, load_athlete  # noqa: E402
from anklet.gait._mobility import PHASES, GuidedTest  # noqa: E402
from anklet.gait._mobility_knee_to_wall import KneeToWallParams, KneeToWallTest  # noqa: E402
from anklet.gait._mobility_split_squat import SplitSquatParams, SplitSquatTest  # noqa: E402
from anklet.gait._mobility_tall_kneeling import TallKneelingParams, TallKneelingTest  # noqa: E402
from anklet.gait._squat import Rep, RepDetector, RepParams, detect_reps  # noqa: E402
from anklet.gait._flags import FlagChange  # noqa: E402
from anklet.gait._squat_flag import RestrictedDfFlag  # noqa: E402
from anklet.gait._squat_segment import SegmentParams  # noqa: E402

__all__ += [
    "DEFAULT_ATHLETE",
    "PHASES",
    "AthleteProfile",
    "FlagChange",
    "FlagThresholds",
    "GuidedTest",
    "KneeToWallParams",
    "KneeToWallTest",
    "Rep",
    "RepDetector",
    "RepParams",
    "RestrictedDfFlag",
    "SegmentParams",
    "SplitSquatParams",
    "SplitSquatTest",
    "TallKneelingParams",
    "TallKneelingTest",
    "detect_reps",
    "load_athlete",
]

# a whole session: events, strides or reps, flags, summary
from anklet.gait._running_flags import RunningFlags  # noqa: E402
from anklet.gait._session import SessionAnalysis, SessionGait, analyze_session, analyze_table  # noqa: E402

__all__ += ["RunningFlags", "SessionAnalysis", "SessionGait", "analyze_session", "analyze_table"]

# the live stage: messages as the rows and angles come
from anklet.gait._live import ACTIVITIES, GuidedTestGait, RunningGait, SquatGait, live_gait  # noqa: E402
from anklet.gait._stride_builder import StrideBuilder  # noqa: E402

__all__ += ["ACTIVITIES", "GuidedTestGait", "RunningGait", "SquatGait", "StrideBuilder", "live_gait"]
