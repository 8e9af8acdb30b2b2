"""``anklet bench accuracy``: dorsiflexion error of the whole chain against simulated truth;
``anklet bench events``: gait-event timing, ours and the published detectors';
``anklet bench flags``: the flags raised on estimated strides and reps against the truth's."""

from __future__ import annotations

import argparse
import json
import sys

from anklet.bench import (
    DEFAULT_SCENARIOS,
    DETECTOR_LABELS,
    DETECTORS,
    ROBUSTNESS_CASES,
    SPEEDS_MPS,
    STRIKES,
    TARGET_DETECTED_PCT,
    TARGET_DRIFT_DEG,
    TARGET_MEDIAN_MS,
    TARGET_RMSE_DEG,
    TARGET_SENSITIVITY_PCT,
    TARGET_SPECIFICITY_PCT,
    TARGET_SPURIOUS_PCT,
    TARGET_TO_ANGLE_MAE_DEG,
    WALKING_SPEEDS_MPS,
    AccuracyReport,
    BenchConditions,
    DriftResult,
    EventScore,
    EventsReport,
    FlagScore,
    FlagsReport,
    bench_accuracy,
    bench_events,
    bench_flags,
)
from anklet.errors import ValidationError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        description="Benchmarks that anyone can rerun.",
    )
    parser.set_defaults(handler=lambda _args: _print_help(parser))
    benches = parser.add_subparsers(title="benchmarks", metavar="BENCH")
    accuracy = benches.add_parser(
        "accuracy",
        help="dorsiflexion RMSE and drift against simulated truth",
        description="Simulate scenarios with random mounting, IMU noise and bias, packet loss and "
        "clock drift, run them through the offline pipeline, and compare the dorsiflexion with the "
        f"truth (targets: RMSE <= {TARGET_RMSE_DEG:g} deg per side on running and squat scenarios, "
        f"drift <= {TARGET_DRIFT_DEG:g} deg over 30 minutes).",
    )
    accuracy.add_argument(
        "--scenario",
        dest="scenarios",
        action="append",
        metavar="NAME",
        help=f"scenario name or TOML file, repeatable (default: {', '.join(DEFAULT_SCENARIOS)})",
    )
    accuracy.add_argument("--seeds", type=int, default=3, metavar="N", help="seeds 0..N-1 per scenario (default 3)")
    accuracy.add_argument(
        "--duration", type=float, metavar="S", help="session length, s (default: each scenario's own)"
    )
    accuracy.add_argument(
        "--drift-minutes",
        type=float,
        default=30.0,
        metavar="M",
        help="length of the easy_run drift run, min; 0 skips it (default 30)",
    )
    _add_loss_and_output_options(accuracy)
    accuracy.set_defaults(handler=_run_accuracy)
    events = benches.add_parser(
        "events",
        help="gait-event timing (IC, TO) against simulated truth, ours and published detectors",
        description="Simulate running at each speed and strike pattern, walking at each walking speed, "
        "and recordings that do not follow the protocol (short standing, stops, turns, sensors on the "
        "side of the shoe) under the accuracy bench's conditions, find IC and TO with our detector and "
        "the published ones on the same data, and compare with the truth (targets for ours: median "
        f"|error| <= {TARGET_MEDIAN_MS:g} ms, >= {TARGET_DETECTED_PCT:g} % detected, <= "
        f"{TARGET_SPURIOUS_PCT:g} % spurious everywhere; ankle angle at TO within "
        f"{TARGET_TO_ANGLE_MAE_DEG:g} deg on average at every running speed and strike). Name speeds, "
        "strikes, walking speeds or cases to run only those.",
    )
    events.add_argument(
        "--speed", dest="speeds", type=float, action="append", metavar="M_S",
        help=f"running speed, m/s, repeatable (default: {', '.join(f'{v:g}' for v in SPEEDS_MPS)})",
    )
    events.add_argument(
        "--strike", dest="strikes", action="append", choices=STRIKES,
        help=f"strike pattern, repeatable (default: {', '.join(STRIKES)})",
    )
    events.add_argument(
        "--walking-speed", dest="walking_speeds", type=float, action="append", metavar="M_S",
        help=f"walking speed, m/s, repeatable (default: {', '.join(f'{v:g}' for v in WALKING_SPEEDS_MPS)})",
    )
    events.add_argument(
        "--case", dest="cases", action="append", choices=tuple(ROBUSTNESS_CASES),
        help="robustness case, repeatable (default: all: "
        + "; ".join(f"{name}: {what}" for name, what in ROBUSTNESS_CASES.items()).replace("%", "%%") + ")",
    )
    events.add_argument("--seeds", type=int, default=2, metavar="N", help="seeds 0..N-1 per speed and strike (default 2)")
    events.add_argument("--duration", type=float, default=60.0, metavar="S", help="session length, s (default 60)")
    _add_loss_and_output_options(events)
    events.set_defaults(handler=_run_events)
    flags = benches.add_parser(
        "flags",
        help="flag sensitivity and specificity on estimated strides and reps",
        description="Simulate running at 2.5-5.5 m/s with each strike pattern (each ankle restricted at "
        "toe-off or not, one fading with fatigue) and squats (restricted or not) under the accuracy bench's "
        "conditions, run them through the whole offline chain, and compare the flags raised per side with "
        f"the truth's (targets: sensitivity >= {TARGET_SENSITIVITY_PCT:g} %%, specificity >= "
        f"{TARGET_SPECIFICITY_PCT:g} %%, no flag raised again after it went down).",
    )
    flags.add_argument("--seeds", type=int, default=2, metavar="N", help="seeds 0..N-1 per session (default 2)")
    _add_loss_and_output_options(flags)
    flags.set_defaults(handler=_run_flags, duration=None)  # each session runs for its own length


def _add_loss_and_output_options(bench: argparse.ArgumentParser) -> None:
    """The options every bench shares: the link's loss, and how the result is reported."""
    bench.add_argument("--loss-pct", type=float, default=5.0, metavar="P", help="BLE packet loss, %% (default 5)")
    bench.add_argument(
        "--burst-share", type=float, default=0.5, metavar="F",
        help="fraction of the loss in bursts of 5 packets on average, 0-1 (default 0.5)",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    bench.add_argument("--check", action="store_true", help="exit 1 when a target is missed")


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _checked_conditions(args: argparse.Namespace) -> BenchConditions:
    """The bench conditions the options ask for, after the checks every bench shares."""
    if args.seeds < 1:
        raise ValidationError(f"--seeds must be at least 1, not {args.seeds}")
    if args.duration is not None and not args.duration > 0:
        raise ValidationError(f"--duration must be a positive number of seconds, not {args.duration:g}")
    if not 0 <= args.loss_pct < 100:
        raise ValidationError(f"--loss-pct must be at least 0 and below 100, not {args.loss_pct:g}")
    if not 0 <= args.burst_share <= 1:
        raise ValidationError(f"--burst-share must be between 0 and 1, not {args.burst_share:g}")
    return BenchConditions(loss_pct=args.loss_pct, burst_share=args.burst_share)


def _run_accuracy(args: argparse.Namespace) -> int:
    conditions = _checked_conditions(args)
    if not args.drift_minutes >= 0:
        raise ValidationError(f"--drift-minutes must be 0 (skip) or positive, not {args.drift_minutes:g}")
    report = bench_accuracy(
        tuple(args.scenarios or DEFAULT_SCENARIOS),
        seeds=args.seeds,
        duration_s=args.duration,
        drift_minutes=args.drift_minutes,
        conditions=conditions,
        progress=_progress if sys.stderr.isatty() and not args.json else None,
    )
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(render(report))
    return 1 if args.check and not report.targets_met else 0


def _run_events(args: argparse.Namespace) -> int:
    conditions = _checked_conditions(args)
    # Named speeds, strikes, walking speeds or cases run only those; nothing named runs all.
    everything = not (args.speeds or args.strikes or args.walking_speeds or args.cases)
    running = everything or args.speeds or args.strikes
    report = bench_events(
        tuple(args.speeds or SPEEDS_MPS) if running else (),
        tuple(args.strikes or STRIKES) if running else (),
        walking_speeds_mps=tuple(args.walking_speeds or (WALKING_SPEEDS_MPS if everything else ())),
        cases=tuple(args.cases or (ROBUSTNESS_CASES if everything else ())),
        seeds=args.seeds,
        duration_s=args.duration,
        conditions=conditions,
        progress=_progress if sys.stderr.isatty() and not args.json else None,
    )
    print(json.dumps(report.to_json()) if args.json else render_events(report))
    return 1 if args.check and not report.targets_met else 0


def _run_flags(args: argparse.Namespace) -> int:
    report = bench_flags(
        seeds=args.seeds,
        conditions=_checked_conditions(args),
        progress=_progress if sys.stderr.isatty() and not args.json else None,
    )
    print(json.dumps(report.to_json()) if args.json else render_flags(report))
    return 1 if args.check and not report.targets_met else 0


def _progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def render(report: AccuracyReport) -> str:
    """The report as fixed-width tables and a verdict line."""
    lines = [
        f"anklet bench accuracy: {report.seeds} seed{'s' if report.seeds != 1 else ''} per scenario; "
        f"{report.conditions.describe()}",
        _measured_loss(report),
        "",
        f"{'scenario':<22}{'kind':<13}{'side':<7}{'RMSE deg':>9}{'max deg':>9}{'p95 deg':>9}"
        f"{'missing %':>11}{'quality':>9}  target",
    ]
    for s in report.summaries:
        target = {True: "ok", False: "MISSED", None: "-"}[s.target_met]
        if s.calibrated_seeds < s.seeds:
            target += f" (no angles in {s.seeds - s.calibrated_seeds}/{s.seeds} seeds)"
        lines.append(
            f"{s.scenario:<22}{s.kind:<13}{s.side:<7}{_num(s.rmse_deg, 9)}{_num(s.max_deg, 9)}"
            f"{_num(s.p95_deg, 9)}{_num(s.missing_pct, 11, 1)}{_num(s.quality, 9)}  {target}"
        )
    failures = dict.fromkeys(f"{s.scenario}: {f}" for s in report.summaries for f in s.failures)
    lines += [f"  {failure}" for failure in failures]
    if report.drift is not None:
        lines += ["", *_drift_lines(report.drift)]
    lines += ["", _verdict(report)]
    return "\n".join(lines)


def _measured_loss(report: AccuracyReport) -> str:
    losses = [loss for run in report.runs for loss in run.packet_loss_pct.values()]
    drifts = sorted({abs(d) for run in report.runs for d in run.clock_drift_ppm.values()})
    return (
        f"measured: packet loss {min(losses):.1f}-{max(losses):.1f} % per sensor and run; "
        f"|clock drift| {', '.join(f'{d:g}' for d in drifts)} ppm"
    )


def _drift_lines(drift: DriftResult) -> list[str]:
    sides = list(drift.drift_deg)
    unit, per_unit = ("min", 60.0) if drift.block_s >= 60.0 else ("s", 1.0)
    head = f"drift over time: {drift.scenario}, {drift.duration_s / 60:g} min, seed {drift.seed}, "
    head += f"blocks of {drift.block_s / per_unit:g} {unit}; error = estimate - truth, deg"
    lines = [
        head,
        f"{f'block ({unit})':<14}" + "".join(f"{side + ' mean':>12}{side + ' RMSE':>12}" for side in sides),
    ]
    for block in drift.blocks:
        label = f"{block.start_s / per_unit:g}-{block.end_s / per_unit:g}"
        lines.append(
            f"{label:<14}"
            + "".join(f"{_num(block.mean_deg[side], 12)}{_num(block.rmse_deg[side], 12)}" for side in sides)
        )
    if drift.failure is not None:
        lines.append(f"  no angles: {drift.failure}")
    figures = ", ".join(f"{side} {_num(drift.drift_deg[side], 0)} deg" for side in sides)
    lines.append(
        f"drift (largest |block mean - first block mean|): {figures} (target <= {TARGET_DRIFT_DEG:g} deg)"
    )
    return lines


def _verdict(report: AccuracyReport) -> str:
    if report.targets_met:
        return (
            f"targets met: dorsiflexion RMSE <= {TARGET_RMSE_DEG:g} deg on every running and squat "
            f"scenario and side"
            + (f", drift <= {TARGET_DRIFT_DEG:g} deg" if report.drift is not None else " (drift run skipped)")
        )
    return "targets MISSED: " + "; ".join(report.missed)


def _num(value: float | None, width: int, digits: int = 2) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def render_events(report: EventsReport) -> str:
    """The events report as fixed-width tables and a verdict line."""
    lines = [
        f"anklet bench events: {report.seeds} seed{'s' if report.seeds != 1 else ''} x {report.duration_s:g} s "
        f"per session design; {report.conditions.describe()}"
        + ("; robustness cases from the recording's first row" if "robustness" in report.groups else ""),
    ]
    for group in report.groups:
        lines += [
            "",
            f"ours, {group}: median |error| ms, detected %, spurious %"
            + ("; mean |error| of the ankle angle at TO, deg" if group != "robustness" else ""),
            f"{'scenario':<20}{'IC ms':>7}{'det %':>8}{'spur %':>8}{'TO ms':>7}{'det %':>8}{'spur %':>8}"
            f"{'TO angle':>10}  target",
        ]
        for result in (r for r in report.results if r.group == group):
            ic, to = result.scores["ours"]["IC"], result.scores["ours"]["TO"]
            lines.append(
                f"{result.scenario:<20}{_num(ic.median_abs_ms, 7)}{_num(ic.detected_pct, 8, 1)}{_num(ic.spurious_pct, 8, 1)}"
                f"{_num(to.median_abs_ms, 7)}{_num(to.detected_pct, 8, 1)}{_num(to.spurious_pct, 8, 1)}"
                f"{_num(to.to_angle_mae_deg, 10)}  {'MISSED' if result.missed() else 'ok'}"
            )
            if group == "robustness":
                lines.append(f"  {result.description}")
            lines += [f"  {failure}" for failure in result.failures]
    for group in report.groups:
        lines += [
            "",
            f"every detector on the same data, pooled over {group} "
            "(angle at TO: estimated; timing only: the true angle at the detected TO)",
            f"{'detector':<50}{'event':<7}{'median':>8}{'bias':>8}{'p95':>8}{'det %':>8}{'spur %':>8}"
            f"{'angle@TO':>10}{'timing':>8}",
        ]
        for detector in DETECTORS:
            for event in ("IC", "TO", "MS"):
                if event in report.results[0].scores[detector]:
                    lines.append(_detector_line(DETECTOR_LABELS[detector], event, report.pooled(detector, event, group)))
    lines += ["", "targets met" if report.targets_met else "targets MISSED: " + "; ".join(report.missed)]
    return "\n".join(lines)


def _detector_line(label: str, event: str, score: EventScore) -> str:
    angles = f"{_num(score.to_angle_mae_deg, 10)}{_num(score.to_timing_mae_deg, 8)}" if event == "TO" else ""
    return (
        f"{label:<50}{event:<7}{_num(score.median_abs_ms, 8)}{_num(score.bias_ms, 8)}{_num(score.p95_abs_ms, 8)}"
        f"{_num(score.detected_pct, 8, 1)}{_num(score.spurious_pct, 8, 1)}{angles}"
    )


def render_flags(report: FlagsReport) -> str:
    """The flags report: one line per flag and pooled, each miss, a verdict line."""
    lines = [
        f"anklet bench flags: {len(report.scenarios)} sessions x {report.seeds} seed{'s' if report.seeds != 1 else ''}; "
        f"{report.conditions.describe()}",
        "",
        "per side and session: true positives, false negatives, true negatives, false positives; "
        "onset = our first raise - the truth's, s",
        f"{'kind':<9}{'flag':<15}{'TP':>5}{'FN':>5}{'TN':>5}{'FP':>5}{'sens %':>9}{'spec %':>9}{'flickers':>10}"
        f"{'onset median':>14}{'min':>8}{'max':>8}",
    ]
    for kind, flag in report.flags:
        lines.append(_flag_line(f"{kind:<9}{flag}", report.score(flag, kind)))
    lines.append(_flag_line(f"{'all':<9}", report.score()))
    misses = report.score().misses()
    if misses:
        lines += ["", "misses:"]
        lines += [
            f"  {m.scenario} seed {m.seed} {m.side} {m.flag}: "
            + (f"truth from {m.truth_from_t:.1f} s, never raised" if m.outcome == "fn" else f"raised at {m.raised_t:.1f} s, not in the truth")
            for m in misses
        ]
    lines += [f"  no angles: {failure}" for failure in report.failures]
    lines += ["", "targets met" if report.targets_met else "targets MISSED: " + "; ".join(report.missed)]
    return "\n".join(lines)


def _flag_line(label: str, score: FlagScore) -> str:
    onset = score.to_json()["onset_delay_s"]
    return (
        f"{label:<24}{score.count('tp'):>5}{score.count('fn'):>5}{score.count('tn'):>5}{score.count('fp'):>5}"
        f"{_num(score.sensitivity_pct, 9, 1)}{_num(score.specificity_pct, 9, 1)}{score.flickers:>10}"
        f"{_num(onset['median'], 14)}{_num(onset['min'], 8)}{_num(onset['max'], 8)}"
    )
