"""The report page: one self-contained HTML file (inline CSS, figures as base64 PNG, no link to
the network) whose sections appear only when the session has their content."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from anklet import __version__
from anklet.gait import SessionAnalysis
from anklet.geometry import SIDES
from anklet.report._health import SensorHealth
from anklet.report._words import (
    FLAG_MEANINGS,
    FLAG_NAMES,
    METRIC_LABELS,
    TEST_NAMES,
    assessment_result,
    clock,
    flag_evidence,
    side_word,
)

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; white-space: nowrap; }
.raised { color: #b00020; font-weight: 600; } .cleared { color: #2e7d32; }
.passed { color: #2e7d32; font-weight: 600; } .failed { color: #b00020; font-weight: 600; }
figure { margin: 1rem 0; } figure img { max-width: 100%; } figcaption { color: #444; font-size: 0.9rem; }
.source { color: #555; font-size: 0.85rem; }
"""


@dataclass(frozen=True, slots=True)
class ReportFigure:
    """A drawn figure: its file name, PNG bytes and caption."""

    name: str
    png: bytes
    caption: str


def render(
    analysis: SessionAnalysis,
    source: str,
    figures: Mapping[str, ReportFigure],
    health: Sequence[SensorHealth],
    thresholds: Mapping[str, Any],
) -> str:
    """The whole page. ``figures`` by name (those the session has); ``thresholds`` the ones
    the session was judged by, as ``_thresholds_used`` gives them."""
    summary = analysis.gait.summary()
    parts = [_opening(analysis, source, summary), _reading_guide(thresholds)]
    if analysis.gait.strides:
        parts.append(_running(summary, figures))
    if analysis.gait.reps:
        parts.append(_reps(analysis, summary, figures))
    if analysis.gait.assessments:
        parts.append(_assessments(analysis.gait.assessments))
    parts += [_flags(analysis), _sensors(analysis, health), _sources(thresholds)]
    body = "\n".join(parts)
    title = f"Ankle report: {analysis.athlete.name}, {source}"
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n'
        f"<style>{_CSS}</style>\n</head>\n<body>\n{body}\n"
        f'<p class="source">Made by anklet {_e(__version__)}.</p>\n</body>\n</html>\n'
    )


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _figure(figure: ReportFigure | None) -> str:
    if figure is None:
        return ""
    data = base64.b64encode(figure.png).decode("ascii")
    return (
        f'<figure id="{_e(figure.name)}"><img src="data:image/png;base64,{data}" alt="{_e(figure.caption)}">'
        f"<figcaption>{_e(figure.caption)}</figcaption></figure>"
    )


def _opening(analysis: SessionAnalysis, source: str, summary: Mapping[str, Any]) -> str:
    gait = analysis.gait
    duration_s = len(analysis.table.t) / analysis.rate_hz
    activity = analysis.activity or ("running or walking" if gait.strides else "squats")
    raised = [f for f in gait.flags if f.active]
    found = []
    if gait.strides:
        found.append(f"{len(gait.strides)} strides")
    if gait.reps:
        found.append(f"{len(gait.reps)} reps")
    if gait.assessments:
        passed = sum(a["passed"] for a in gait.assessments)
        found.append(f"{len(gait.assessments)} test results ({passed} passed)")
    headline = (
        "No flag was raised." if not raised else
        "Flags raised: " + "; ".join(
            f"{side_word(f.side).lower()} {FLAG_NAMES.get(f.flag, f.flag).lower()} at {clock(f.t)}" for f in raised
        ) + "."
    )
    return (
        f"<h1>Ankle report</h1>\n"
        f'<p class="meta">Athlete: {_e(analysis.athlete.name)} · session: {_e(source)} · '
        f"{clock(duration_s)} (m:ss) of {_e(activity)} · sensors: {_e(', '.join(analysis.table.sensors))}</p>\n"
        f"<p>anklet measured the ankle angle of each leg from a sensor on the shin and one on the foot"
        f"{' and found ' + _e(', '.join(found)) if found else ''}. <strong>{_e(headline)}</strong></p>"
    )


def _reading_guide(thresholds: Mapping[str, Any]) -> str:
    limits = "".join(f"<li>{_e(item['what'])}: <strong>{_e(item['value'])}</strong></li>" for item in thresholds.values())
    return (
        "<h2>How to read this report</h2>\n"
        "<p>The ankle angle is 0° in the relaxed standing pose recorded at the start of the session. "
        "Positive angles are ankle <em>bend</em> (dorsiflexion: toes towards the shin, the knee travelling over "
        "the toes); negative angles are ankle <em>extension</em> (plantarflexion: pointing the foot, as in "
        "pushing off). The two movements matter in different places: runners need extension as the foot "
        "leaves the ground (toe-off), squatters and lunges need bend at the bottom.</p>\n"
        f"<p>The athlete's profile sets the limits this session was judged by:</p><ul>{limits}</ul>\n"
        "<p>Where each limit comes from is listed at the end of the report.</p>"
    )


def _running(summary: Mapping[str, Any], figures: Mapping[str, ReportFigure]) -> str:
    rows = [
        ("strides", "count", "{:.0f}"),
        ("of them restricted", "restricted_pf_count", "{:.0f}"),
        ("median angle at toe-off", "median_ankle_angle_at_to_deg", "{:.1f}°"),
        ("median deepest bend in stance", "median_peak_dorsiflexion_deg", "{:.1f}°"),
        ("median range of motion", "median_range_deg", "{:.1f}°"),
        ("median contact time", "median_contact_time_s", "{:.3f} s"),
        ("median cadence", "median_cadence_spm", "{:.0f} steps/min"),
    ]
    per_side = summary["strides"]
    table = _table(["", *(side_word(s) for s in SIDES)], [
        [label, *(_cell(per_side[side].get(key), pattern, f"strides.{side}.{key}") for side in SIDES)]
        for label, key, pattern in rows
    ])
    symmetry = summary["symmetry"]
    symmetry_table = _table(["measure", "left", "right", "left − right", "symmetry index"], [
        [METRIC_LABELS.get(entry["metric"], entry["metric"]), _cell(entry["left"], "{:.3g}"), _cell(entry["right"], "{:.3g}"),
         _cell(entry["difference"], "{:+.3g}"), _cell(entry["symmetry_index_pct"], "{:+.1f} %")]
        for entry in symmetry
    ]) if symmetry else ""
    return (
        "<h2>Running and walking</h2>\n"
        "<p>Each stride runs from the foot landing (initial contact) to its next landing; toe-off is the moment "
        "the foot leaves the ground, where the ankle should be extended.</p>\n"
        f"{table}\n{_figure(figures.get('gait_cycle'))}\n{_figure(figures.get('to_angle'))}\n"
        f"{_figure(figures.get('contact_time'))}\n"
        "<h3>Left against right</h3>\n"
        "<p>Medians of each side's strides. The symmetry index is 100 × (left − right) / mean of the two, for "
        "times, cadence and range; for angles the difference in degrees is the measure.</p>\n"
        f"{symmetry_table}\n{_figure(figures.get('left_right'))}"
    )


def _reps(analysis: SessionAnalysis, summary: Mapping[str, Any], figures: Mapping[str, ReportFigure]) -> str:
    per_side = summary["reps"]
    table = _table(["", *(side_word(s) for s in SIDES)], [
        [label, *(_cell(per_side[side].get(key), pattern, f"reps.{side}.{key}") for side in SIDES)]
        for label, key, pattern in [
            ("reps", "count", "{:.0f}"),
            ("of them restricted", "restricted_df_count", "{:.0f}"),
            ("median deepest bend", "median_max_dorsiflexion_deg", "{:.1f}°"),
        ]
    ])
    rep_rows = [
        [side_word(r.side), clock(r.bottom_t), _cell(r.max_dorsiflexion_deg, "{:.1f}°"),
         _cell(r.knee_past_toe_cm, "{:+.1f} cm"), "restricted" if r.restricted_df else "enough"]
        for r in analysis.gait.reps
    ]
    return (
        "<h2>Squats and lunges</h2>\n"
        "<p>For each rep, the deepest ankle bend at the bottom and how far the front of the knee travelled past "
        "the longest toe (negative: it stayed behind the toes).</p>\n"
        f"{table}\n{_figure(figures.get('reps'))}\n"
        f"{_table(['side', 'bottom at', 'deepest bend', 'knee past toe', 'ankle bend'], rep_rows)}"
    )


def _assessments(assessments: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [clock(a["t"]), _e(TEST_NAMES.get(a["test"], a["test"])), _e(side_word(a["side"])),
         f'<span class="{"passed" if a["passed"] else "failed"}">{"passed" if a["passed"] else "failed"}</span>',
         _e(assessment_result(a))]
        for a in assessments
    ]
    return (
        "<h2>Ankle mobility tests</h2>\n"
        "<p>The guided tests of the coaching articles: knee-to-wall (can the knee touch the wall with the heel "
        "down, toe at the taped distance?), tall-kneeling (sitting back on the heels, does a gap stay between "
        "the front of the ankle and the floor?) and the split squat on a slant.</p>\n"
        + _table(["at", "test", "side", "result", "what was measured"], rows, escaped=True)
    )


def _flags(analysis: SessionAnalysis) -> str:
    flags = analysis.gait.flags
    if not flags:
        return "<h2>Flags</h2>\n<p>No flag was raised in this session.</p>"
    rows = [
        [clock(f.t), _e(side_word(f.side)), _e(FLAG_NAMES.get(f.flag, f.flag)),
         f'<span class="{"raised" if f.active else "cleared"}">{"raised" if f.active else "cleared"}</span>',
         _e(flag_evidence(f))]
        for f in flags
    ]
    meanings = "".join(
        f"<dt>{_e(FLAG_NAMES.get(name, name))}</dt><dd>{_e(FLAG_MEANINGS[name])}</dd>"
        for name in dict.fromkeys(f.flag for f in flags) if name in FLAG_MEANINGS
    )
    return (
        "<h2>Flags</h2>\n"
        "<p>A flag is raised when most of the recent strides or reps of one side cross the athlete's limit, and "
        "cleared when few do any more, so a single odd stride neither raises nor clears one.</p>\n"
        + _table(["at", "side", "flag", "", "evidence"], rows, escaped=True)
        + f"\n<h3>What the flags mean</h3>\n<dl>{meanings}</dl>"
    )


def _sensors(analysis: SessionAnalysis, health: Sequence[SensorHealth]) -> str:
    calibration = analysis.calibration
    quality = ", ".join(f"{side} {value:.2f}" for side, value in calibration.quality.items()) or "none"
    notes = [f"<li>{_e(reason)}</li>" for reason in calibration.legs_left_out.values()]
    notes += [f"<li>{_e(side_word(side))} leg: {_e(leg.foot_axis_warning)}</li>"
              for side, leg in calibration.legs.items() if leg.foot_axis_warning]
    rows = [
        [s.name.replace("_", " "), _cell(s.delivered_hz, "{:.1f} Hz", f"health.{s.name}.delivered_hz"),
         _cell(s.missing_pct, "{:.2f} %", f"health.{s.name}.missing_pct"), _cell(s.longest_gap_s, "{:.2f} s")]
        for s in health
    ]
    return (
        "<h2>Sensors and calibration</h2>\n"
        f"<p>Samples on a {analysis.rate_hz:g} Hz grid. A missing sample is one the sensor did not deliver "
        "(lost over Bluetooth or not recorded); short gaps are bridged, long ones leave the angles blank.</p>\n"
        + _table(["sensor", "rate delivered", "missing", "longest gap"], rows)
        + f"\n<p>Calibration quality per leg: {_e(quality)}. It says how well each leg's two sensors turned "
        "like the two sides of a hinge while anklet learnt how they are strapped on (1: exactly; near 0: the "
        "movement told little, as in squats where the foot stays flat; the notes below say what that means "
        "for the angles).</p>"
        + (f"<ul>{''.join(notes)}</ul>" if notes else "")
    )


def _sources(thresholds: Mapping[str, Any]) -> str:
    items = "".join(f"<dt>{_e(item['what'])}</dt><dd>{_e(item['source'])}</dd>" for item in thresholds.values())
    return f"<h2>Where the limits come from</h2>\n<dl class=\"source\">{items}</dl>"


def _cell(value: Any, pattern: str, key: str | None = None) -> str:
    shown = "–" if value is None or (isinstance(value, float) and not np.isfinite(value)) else pattern.format(value)
    data = f' data-key="{_e(key)}" data-value="{_e(value)}"' if key is not None and shown != "–" else ""
    return f'<td class="num"{data}>{_e(shown)}</td>'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], escaped: bool = False) -> str:
    """A table; cells made by ``_cell`` pass as they are, other text is escaped unless
    ``escaped`` says the caller did."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c if escaped else _e(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

