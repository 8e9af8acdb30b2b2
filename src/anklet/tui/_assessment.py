"""The assessment view: a guided mobility test of the seed articles (knee-to-wall, tall
kneeling, slant-board split squat). It shows the test's instructions (``anklet.gait``'s
texts, from the articles) with the current step lit, a live gauge per side against the
angle that passes, the result per side against it, and the trace.

The live pipeline publishes a test's assessments and reps but not its phase, so the view
infers the step from them (and, for tall kneeling, from the angle: kneeling is a strongly
plantarflexed ankle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from anklet.gait import (
    AthleteProfile,
    GuidedTest,
    KneeToWallParams,
    KneeToWallTest,
    SplitSquatTest,
    TallKneelingParams,
    TallKneelingTest,
)
from anklet.geometry import SIDES, knee_to_wall_required_df_rad, tall_kneeling_required_pf_rad
from anklet.tui._format import degrees
from anklet.tui._gauge import Gauge, passes
from anklet.tui._model import GUIDED_TESTS, AthleteState
from anklet.tui._trace import AngleTrace
from anklet.tui._updates import update_if_changed

__all__ = ["AssessmentView", "TestSpec", "test_spec"]

TRACE_SPAN_S = 15.0
_STEP_NAMES = {"ready": "Set up", "hold": "Do", "result": "Result"}


@dataclass(frozen=True)
class TestSpec:
    """How the view shows one test: its name, the gait class with its texts, the angle that
    passes (dorsiflexion-signed, deg) and on which side of it (``good``), the gauge's range."""

    test: str
    title: str
    test_type: type[GuidedTest]
    pass_deg: float
    good: str
    range_deg: tuple[float, float]


def test_spec(test: str, athlete: AthleteProfile) -> TestSpec:
    """The view of ``test`` (one of ``GUIDED_TESTS``) for this athlete's body and thresholds."""
    th = athlete.thresholds
    if test == "knee_to_wall":
        required = math.degrees(knee_to_wall_required_df_rad(athlete.body, athlete.knee_to_wall_distance_m))
        return TestSpec(test, "KNEE-TO-WALL", KneeToWallTest, required, "above", (-10.0, 60.0))
    if test == "tall_kneeling":
        required_pf = math.degrees(tall_kneeling_required_pf_rad(
            athlete.body, th.tall_kneeling_max_gap_cm / 100.0, TallKneelingParams().knee_height_m))
        # the test gives kneeling the benefit of its tolerance (TallKneelingTest)
        return TestSpec(test, "TALL KNEELING", TallKneelingTest, -(required_pf - th.tall_kneeling_tolerance_deg),
                        "below", (-80.0, 10.0))
    return TestSpec(test, "SPLIT SQUAT (slant board)", SplitSquatTest, th.restricted_df_lunge_deg, "above", (-50.0, 50.0))


@dataclass(frozen=True, slots=True)
class Step:
    """Where the test is: ``phase`` (``anklet.gait.PHASES``), the side under way, and what
    the view counts of it (attempts or reps so far)."""

    phase: str
    side: str | None = None
    progress: str = ""


def infer_step(test: str, state: AthleteState) -> Step:
    """The test's step from its messages so far (see the module's note)."""
    assessments = [a for a in state.assessments if a["test"] == test]
    reps = sorted((rep for side in state.sides.values() for rep in side.reps), key=lambda rep: rep["t"])
    last_assessed_t = assessments[-1]["t"] if assessments else -math.inf
    if test == "tall_kneeling":
        kneeling_deg = math.degrees(TallKneelingParams().kneeling_below_rad)
        kneeling = [s for s in SIDES if (df := state.sides[s].dorsiflexion_deg) is not None and df < kneeling_deg]
        if kneeling:
            return Step("hold", None, "kneeling: " + " and ".join(kneeling))
    elif test == "knee_to_wall":
        assessed = {a["side"] for a in assessments}
        attempts = [rep for rep in reps if rep["side"] not in assessed]
        if attempts:
            side = attempts[-1]["side"]
            count = sum(rep["side"] == side for rep in attempts)
            return Step("hold", side, f"{side} side: attempt {count} of {KneeToWallParams().attempts} done")
    elif reps and reps[-1]["t"] > last_assessed_t:
        last = reps[-1]
        in_set = sum(r["side"] == last["side"] and r["set_index"] == last["set_index"] and r["t"] > last_assessed_t
                     for r in reps)
        return Step("hold", last["side"], f"{last['side']} leg, set {last['set_index'] + 1}: {in_set} reps")
    return Step("result" if assessments else "ready")


def instruction_lines(spec: TestSpec, athlete: AthleteProfile, step: Step, assessments: list[dict[str, Any]]) -> Text:
    """The three steps of the test, the current one lit: setting up and the result in the gait
    test's own words; the movement up to its first live figure (which the view counts itself)."""
    test = spec.test_type(100.0, athlete)  # the rate matters only to the test's detectors
    test.assessments_ = assessments
    texts = {}
    for phase in _STEP_NAMES:
        test.phase_ = phase
        texts[phase] = test.instructions
    template = spec.test_type.instruction_texts["hold"]
    texts["hold"] = template[: template.index("{")].strip() if "{" in template else texts["hold"]
    if not assessments:
        texts["result"] = "comes once a side is done."
    text = Text()
    for index, phase in enumerate(_STEP_NAMES):
        current = phase == step.phase
        text.append("▶ " if current else "  ", style="bold yellow")
        text.append(f"{index + 1} {_STEP_NAMES[phase]}: ", style="bold" if current else "dim")
        text.append(texts[phase], style="" if current else "dim")
        if current and step.progress:
            text.append(f"  [{step.progress}]", style="bold yellow")
        text.append("\n")
    return text


def result_text(spec: TestSpec, side: str, assessments: list[dict[str, Any]]) -> Text:
    """This side's results (a split squat has one per set) against the angle that passes."""
    mine = [a for a in assessments if a["side"] == side]
    text = Text(no_wrap=False)
    if not mine:
        return text.append("no result yet", style="dim")
    for assessment in mine[-3:]:
        text.append(" PASS " if assessment["passed"] else " FAIL ",
                    style="bold white on green" if assessment["passed"] else "bold white on red")
        text.append(" " + _figures(spec, assessment) + "\n")
    return text


def _figures(spec: TestSpec, a: dict[str, Any]) -> str:
    if spec.test == "knee_to_wall":
        return (f"max DF {degrees(a['max_dorsiflexion_deg'])} of {degrees(a['required_deg'])}; "
                f"reach {a['max_toe_to_wall_cm']:.1f} cm, tape at {a['toe_to_wall_cm']:.1f} cm")
    if spec.test == "tall_kneeling":
        return (f"extension {a['max_plantarflexion_deg']:.0f}° of {a['required_pf_deg']:.0f}°; "
                f"gap {a['ankle_gap_cm']:.1f} cm")
    dorsiflexion = a["max_dorsiflexion_deg"]
    return (f"set {a['set_index'] + 1}: {a['reps']} reps, max DF {min(dorsiflexion):.0f}-{max(dorsiflexion):.0f}° "
            f"(limit {spec.pass_deg:.0f}°)")


class AssessmentSide(Vertical):
    """One ankle: the live gauge, the best angle on the trace, the results, the trace."""

    def __init__(self, side: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.side = side

    def compose(self) -> ComposeResult:
        yield Static(classes="side-title")
        yield Gauge(range_deg=(-10.0, 60.0), good="above")
        yield Static(classes="result")
        yield AngleTrace(span_s=TRACE_SPAN_S, range_deg=(-10.0, 60.0))

    def show(self, spec: TestSpec, state: AthleteState, step: Step, assessments: list[dict[str, Any]]) -> None:
        side = state.sides[self.side]
        now = side.dorsiflexion_deg
        shown = [value for _, value in list(side.angles)[-int(TRACE_SPAN_S * 10):] if value is not None]
        best = (max if spec.good == "above" else min)(shown) if shown else None
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {self.side.upper()} ", style="bold reverse")
        if step.phase == "hold" and step.side == self.side:
            title.append(" ◀ testing", style="bold yellow")
        title.append("  now ")
        title.append(degrees(now), style="bold" if now is None else (
            "bold green" if passes(now, spec.pass_deg, spec.good) else "bold red"))
        title.append(f"  best {degrees(best)}", style="dim")
        update_if_changed(self.query_one(".side-title", Static), title)
        self.query_one(Gauge).good = spec.good
        self.query_one(Gauge).show(now, spec.pass_deg, spec.range_deg)
        update_if_changed(self.query_one(".result", Static), result_text(spec, self.side, assessments))
        marks = [mark.t for mark in state.marks]
        self.query_one(AngleTrace).show(side.angles, (), marks, threshold_deg=spec.pass_deg, range_deg=spec.range_deg)


class AssessmentView(Vertical):
    """The test the session runs (its ``activity``, else the last assessment's test)."""

    def __init__(self, athlete: AthleteProfile, **kwargs) -> None:
        super().__init__(**kwargs)
        self.athlete = athlete

    def compose(self) -> ComposeResult:
        yield Static(classes="instructions")
        with Horizontal(classes="sides"):
            for side in SIDES:
                yield AssessmentSide(side, classes=f"side side-{side}")

    def show(self, state: AthleteState) -> None:
        instructions = self.query_one(".instructions", Static)
        if state.activity not in GUIDED_TESTS:
            instructions.update(Text.assemble(
                ("No guided test in this session. ", "bold"),
                "Run one with anklet demo --scenario knee_to_wall (or tall_kneeling, split_squat)."))
            self.query_one(".sides").display = False
            return
        self.query_one(".sides").display = True
        spec = test_spec(state.activity, self.athlete)
        assessments = [a for a in state.assessments if a["test"] == spec.test]
        step = infer_step(spec.test, state)
        self.border_title = spec.title
        update_if_changed(instructions, instruction_lines(spec, self.athlete, step, assessments))
        for panel in self.query(AssessmentSide):
            panel.show(spec, state, step, assessments)
