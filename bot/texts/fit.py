"""What the athlete reads after sending a FIT file (pure functions, HTML-escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.texts import esc, quote_input
from coach import i18n
from coach.daily import LoadImpact
from coach.i18n import N_, t, tn, tp
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
    LoadMethod.POWER: N_("TSS from power"),
    LoadMethod.HEART_RATE: N_("HRSS, from heart rate"),
    LoadMethod.ESTIMATE: N_("estimated from duration"),
}


def _kind(kind: str) -> str:
    """The workout type as a title (``Ride``), in the athlete's language."""
    names = {
        "Ride": tp("workout type", "Ride"),
        "Run": tp("workout type", "Run"),
        "Swim": tp("workout type", "Swim"),
        "Walk": tp("workout type", "Walk"),
        "Hike": tp("workout type", "Hike"),
        "Rowing": tp("workout type", "Rowing"),
        "NordicSki": tp("workout type", "NordicSki"),
        "Workout": tp("workout type", "Workout"),
    }
    return names.get(kind, kind)


def _kind_in_prose(kind: str) -> str:
    """The workout type inside a sentence (``ride``), in the athlete's language."""
    names = {
        "Ride": tp("workout type in a sentence", "ride"),
        "Run": tp("workout type in a sentence", "run"),
        "Swim": tp("workout type in a sentence", "swim"),
        "Walk": tp("workout type in a sentence", "walk"),
        "Hike": tp("workout type in a sentence", "hike"),
        "Rowing": tp("workout type in a sentence", "rowing"),
        "NordicSki": tp("workout type in a sentence", "nordicski"),
        "Workout": tp("workout type in a sentence", "workout"),
    }
    return names.get(kind, kind.lower())


def fit_imported(summary: WorkoutSummary, impact: LoadImpact | None, *, duplicate: bool, tz: ZoneInfo) -> str:
    kind = workout_type(summary.sport)
    head = (
        t("<b>{kind} imported</b>", kind=esc(_kind(kind)))
        if not duplicate
        else t("<b>You had sent me this {kind} before</b>", kind=esc(_kind_in_prose(kind)))
    )
    distance = f", {i18n.distance(summary.distance_meters)}" if summary.distance_meters else ""
    if summary.distance_meters and summary.duration_sec > 0 and kind == "Run":
        # A run is read by its pace, not its speed.
        pace = i18n.pace(summary.duration_sec / (summary.distance_meters / 1000))
        distance += ", " + t("pace {pace}", pace=pace)
    start = summary.start_time.astimezone(tz)
    when = f"{i18n.when(start, '%a %d %b %Y, %H:%M')} {start:%Z}"
    lines = [head, f"{when} · {_duration(summary.duration_sec)}{distance}", ""]
    if summary.normalized_power is not None:
        np_w = f"{summary.normalized_power:.0f}"
        if summary.tss is not None and summary.intensity_factor is not None and summary.ftp is not None:
            lines.append(
                t(
                    "• Normalized power {np} W, IF {if_}, TSS {tss} (FTP {ftp} W)",
                    np=np_w,
                    if_=i18n.number(summary.intensity_factor, 2),
                    tss=format(summary.tss, ".0f"),
                    ftp=format(summary.ftp, ".0f"),
                )
            )
        else:
            lines.append(
                t("• Normalized power {np} W (no FTP known, so no IF or TSS: send /settings ftp 250)", np=np_w)
            )
        avg = (
            t("• Average {watts} W", watts=format(summary.average_watts, ".0f"))
            if summary.average_watts is not None
            else t("• Power")
        )
        extra = [t("max {watts} W", watts=format(summary.max_watts, ".0f"))] if summary.max_watts is not None else []
        if summary.kilojoules is not None:
            extra.append(f"{summary.kilojoules:.0f} kJ")
        if summary.variability_index is not None:
            extra.append(f"VI {i18n.number(summary.variability_index, 2)}")
        lines.append(avg + (", " + ", ".join(extra) if extra else ""))
    if summary.average_hr is not None:
        if summary.max_hr is not None:
            lines.append(
                t(
                    "• Heart rate: average {average}, max {max} bpm",
                    average=format(summary.average_hr, ".0f"),
                    max=format(summary.max_hr, ".0f"),
                )
            )
        else:
            lines.append(t("• Heart rate: average {average} bpm", average=format(summary.average_hr, ".0f")))
    if summary.tss is None:
        lines.append(
            t("• Load {load} ({method})", load=format(summary.load, ".0f"), method=t(_METHOD[summary.load_method]))
        )
    if summary.plausibility_wording is not None:
        wording = summary.plausibility_wording
        lines += ["", f"⚠️ {esc(t(wording.message, **wording.fields(i18n.number)))}"]
    elif summary.plausibility:
        lines += ["", f"⚠️ {esc(summary.plausibility)}"]
    if impact is not None and not duplicate:
        lines += [
            "",
            t("<b>Effect on {day}</b>", day=i18n.when(impact.day, "%a %d %b")),
            t(
                "• Fitness (CTL) {before} → {after}",
                before=i18n.number(impact.ctl_before, 1),
                after=i18n.number(impact.ctl_after, 1),
            ),
            t(
                "• Fatigue (ATL) {before} → {after}",
                before=i18n.number(impact.atl_before, 1),
                after=i18n.number(impact.atl_after, 1),
            ),
            t(
                "• Form (TSB) the next morning {before} → {after}",
                before=_signed(impact.tsb_before),
                after=_signed(impact.tsb_after),
            ),
        ]
    elif duplicate:
        lines += ["", t("It is already in your history, so nothing changed.")]
    return "\n".join(lines)


def fit_file_imported(results: Sequence[FitImport], *, tz: ZoneInfo) -> str:
    """The answer to a file: its activity, or each activity of a multisport file in order."""
    if len(results) == 1:
        (only,) = results
        return fit_imported(only.summary, only.impact, duplicate=only.duplicate, tz=tz)
    kinds = ", ".join(_kind_in_prose(workout_type(result.summary.sport)) for result in results)
    head = tn(
        "<b>{n} activity in this file</b> ({kinds})",
        "<b>{n} activities in this file</b> ({kinds})",
        len(results),
        kinds=esc(kinds),
    )
    blocks = [fit_imported(result.summary, result.impact, duplicate=result.duplicate, tz=tz) for result in results]
    return "\n\n".join([head, *blocks])


def fit_refused(reason: str) -> str:
    """``reason``: the refusal's sentence in the athlete's language (`FitImportError.said`)."""
    return t("I could not import that file: {reason} Nothing was stored.", reason=esc(reason))


def not_a_fit_file(file_name: str | None) -> str:
    if file_name:
        return t(
            "I can read workouts from <b>.fit</b> activity files only ({name}). "
            "Export the original file from your device or Garmin Connect / Strava and send it as a file.",
            name=quote_input(file_name),
        )
    return t(
        "I can read workouts from <b>.fit</b> activity files only. "
        "Export the original file from your device or Garmin Connect / Strava and send it as a file."
    )


def fit_too_big_for_telegram() -> str:
    return t(
        "Telegram lets bots download files up to {limit} MB, and this one is larger. "
        "Import it from the command line instead: coach-watts import-fit FILE. Nothing was stored.",
        limit=TELEGRAM_DOWNLOAD_LIMIT_MB,
    )
