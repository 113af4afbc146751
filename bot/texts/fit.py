"""What the athlete reads after sending a FIT file (pure functions, HTML-escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.texts import esc, quote_input
from coach.daily import LoadImpact
from coach.science.load import LoadMethod
from integrations.fit.store import workout_type
from integrations.fit.summary import WorkoutSummary

if TYPE_CHECKING:
    from bot.fit_import import FitImport

TELEGRAM_DOWNLOAD_LIMIT_MB = 20


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


def fit_summary_line(summary: WorkoutSummary) -> str:
    """One plain-text line: sport, date, duration and the headline numbers (for the CLI)."""
    parts = [
        f"{workout_type(summary.sport)} {summary.start_time:%Y-%m-%d %H:%M} UTC",
        _duration(summary.duration_sec),
    ]
    if summary.normalized_power is not None:
        parts.append(f"NP {summary.normalized_power:.0f} W")
    if summary.intensity_factor is not None and summary.tss is not None:
        parts.append(f"IF {summary.intensity_factor:.3f}, TSS {summary.tss:.1f}")
    if summary.average_hr is not None:
        parts.append(f"avg HR {summary.average_hr:.0f}")
    if summary.tss is None:
        parts.append(f"load {summary.load:.0f} ({_METHOD[summary.load_method]})")
    return ", ".join(parts)


_METHOD = {
    LoadMethod.POWER: "TSS from power",
    LoadMethod.HEART_RATE: "HRSS, from heart rate",
    LoadMethod.ESTIMATE: "estimated from duration",
}


def fit_imported(summary: WorkoutSummary, impact: LoadImpact | None, *, duplicate: bool, tz: ZoneInfo) -> str:
    kind = workout_type(summary.sport)
    head = (
        f"<b>{esc(kind)} imported</b>" if not duplicate else f"<b>You had sent me this {esc(kind.lower())} before</b>"
    )
    distance = f", {summary.distance_meters / 1000:.1f} km" if summary.distance_meters else ""
    if summary.distance_meters and summary.duration_sec > 0 and workout_type(summary.sport) == "Run":
        # A run is read by its pace, not its speed.
        per_km_s = round(summary.duration_sec / (summary.distance_meters / 1000))
        distance += f", pace {per_km_s // 60}:{per_km_s % 60:02d}/km"
    start = summary.start_time.astimezone(tz)
    lines = [head, f"{start:%a %d %b %Y, %H:%M %Z} · {_duration(summary.duration_sec)}{distance}", ""]
    if summary.normalized_power is not None:
        scored = (
            f", IF {summary.intensity_factor:.2f}, TSS {summary.tss:.0f} (FTP {summary.ftp:.0f} W)"
            if summary.tss is not None and summary.intensity_factor is not None and summary.ftp is not None
            else " (no FTP known, so no IF or TSS: send /settings ftp 250)"
        )
        lines.append(f"• Normalized power {summary.normalized_power:.0f} W{scored}")
        avg = f"• Average {summary.average_watts:.0f} W" if summary.average_watts is not None else "• Power"
        extra = [f"max {summary.max_watts:.0f} W"] if summary.max_watts is not None else []
        if summary.kilojoules is not None:
            extra.append(f"{summary.kilojoules:.0f} kJ")
        if summary.variability_index is not None:
            extra.append(f"VI {summary.variability_index:.2f}")
        lines.append(avg + (", " + ", ".join(extra) if extra else ""))
    if summary.average_hr is not None:
        top = f", max {summary.max_hr:.0f}" if summary.max_hr is not None else ""
        lines.append(f"• Heart rate: average {summary.average_hr:.0f}{top} bpm")
    if summary.tss is None:
        lines.append(f"• Load {summary.load:.0f} ({_METHOD[summary.load_method]})")
    if summary.plausibility:
        lines += ["", f"⚠️ {esc(summary.plausibility)}"]
    if impact is not None and not duplicate:
        lines += [
            "",
            f"<b>Effect on {impact.day:%a %d %b}</b>",
            f"• Fitness (CTL) {impact.ctl_before:.1f} → {impact.ctl_after:.1f}",
            f"• Fatigue (ATL) {impact.atl_before:.1f} → {impact.atl_after:.1f}",
            f"• Form (TSB) the next morning {_signed(impact.tsb_before)} → {_signed(impact.tsb_after)}",
        ]
    elif duplicate:
        lines += ["", "It is already in your history, so nothing changed."]
    return "\n".join(lines)


def fit_file_imported(results: Sequence[FitImport], *, tz: ZoneInfo) -> str:
    """The answer to a file: its activity, or each activity of a multisport file in order."""
    if len(results) == 1:
        (only,) = results
        return fit_imported(only.summary, only.impact, duplicate=only.duplicate, tz=tz)
    kinds = ", ".join(workout_type(result.summary.sport).lower() for result in results)
    head = f"<b>{len(results)} activities in this file</b> ({esc(kinds)})"
    blocks = [fit_imported(result.summary, result.impact, duplicate=result.duplicate, tz=tz) for result in results]
    return "\n\n".join([head, *blocks])


def fit_refused(reason: str) -> str:
    return f"I could not import that file: {esc(reason)} Nothing was stored."


def not_a_fit_file(file_name: str | None) -> str:
    named = f" ({quote_input(file_name)})" if file_name else ""
    return (
        f"I can read workouts from <b>.fit</b> activity files only{named}. "
        "Export the original file from your device or Garmin Connect / Strava and send it as a file."
    )


def fit_too_big_for_telegram() -> str:
    return (
        f"Telegram lets bots download files up to {TELEGRAM_DOWNLOAD_LIMIT_MB} MB, and this one is larger. "
        "Import it from the command line instead: coach-watts import-fit FILE. Nothing was stored."
    )
