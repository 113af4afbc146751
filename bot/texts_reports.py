"""What the bot says around charts and reports: captions, progress lines, usage and errors (Telegram HTML)."""

from __future__ import annotations

from bot.texts import esc
from coach.charts import FitnessSeries, HrvSeries
from coach.history import CurveSummary
from coach.reports.requests import RaceRequestError


def _signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


# --------------------------------------------------------------------------- charts


def fitness_caption(series: FitnessSeries, ramp_per_week: float | None) -> str:
    ramp = f" · ramp {_signed(ramp_per_week)}/week" if ramp_per_week is not None else ""
    return (
        f"Fitness (CTL) {series.ctl[-1]:.0f} · fatigue (ATL) {series.atl[-1]:.0f} · "
        f"form (TSB) {_signed(series.tsb[-1])} this morning{ramp} — last {len(series.days)} days to the end of "
        f"{series.days[-1]:%d %b}"
    )


def no_fitness_data() -> str:
    return (
        "I have no workouts with a training load for you yet, so there is no fitness chart to draw. "
        "Connect a provider or try /demo."
    )


def hrv_caption(series: HrvSeries) -> str:
    baseline = next((v for v in reversed(series.baseline_ms) if v is not None), None)
    low = next((v for v in reversed(series.band_low_ms) if v is not None), None)
    high = next((v for v in reversed(series.band_high_ms) if v is not None), None)
    rhr = next((v for v in reversed(series.resting_hr_bpm) if v is not None), None)
    parts = []
    if baseline is not None:
        parts.append(f"HRV 7-day mean {baseline:.0f} ms")
    if low is not None and high is not None:
        parts.append(f"normal range {low:.0f}–{high:.0f} ms")
    if rhr is not None:
        parts.append(f"resting HR {rhr:.0f} bpm")
    return " · ".join(parts) + f" — last {len(series.days)} days"


def no_hrv_data(mornings: int) -> str:
    if mornings == 0:
        return "I have no morning HRV for you yet, so there is no HRV chart to draw. Connect a provider or try /demo."
    return (
        f"I have only {mornings} morning HRV reading{'s' if mornings != 1 else ''} in the last 60 days — too few "
        "for a 7-day mean and a normal range (I need at least 3 in a week and 14 in 60 days)."
    )


def curve_caption(summary: CurveSummary) -> str:
    curve = summary.curve
    parts = []
    if curve.peak_w is not None:
        parts.append(f"peak {curve.peak_w:.0f} W")
    for target in (3600, 7200):
        if target in curve.durations_s:
            watts = curve.power_w[list(curve.durations_s).index(target)]
            parts.append(f"best {target // 3600} h ride average {watts:.0f} W")
    source = (
        "from second-by-second power"
        if curve.from_streams
        else "from ride summaries (average power per ride), so it is a floor under your true curve"
    )
    return f"Power curve, {summary.rides_with_power} rides in {summary.days} days: " + ", ".join(parts) + f" — {source}"


def no_curve_data(days: int) -> str:
    return (
        f"None of your workouts in the last {days} days has power, so I can't draw a power curve. "
        "Rides recorded with a power meter (or /demo) will show here."
    )


# --------------------------------------------------------------------------- reports


def report_queued(kind: str) -> str:
    return f"⏳ Working on your {esc(kind)}…"


def report_progress(kind: str, done: list[str], current: str | None) -> str:
    lines = [f"⏳ Working on your {esc(kind)}…"]
    lines += [f"✓ {esc(step)}" for step in done]
    if current is not None:
        lines.append(f"… {esc(current)}")
    return "\n".join(lines)


def report_done(kind: str, steps: list[str]) -> str:
    return "\n".join([f"✅ Your {esc(kind)} is ready.", *(f"✓ {esc(s)}" for s in steps)])


def report_failed(kind: str) -> str:
    return f"Sorry — I couldn't finish your {esc(kind)}. Please try again in a minute."


def report_resumed(kind: str) -> str:
    return f"⏳ I was restarted while working on your {esc(kind)}; picking it up again…"


def race_usage() -> str:
    return (
        "Tell me the race and its date, e.g. <code>/race Gran Fondo 2026-12-20</code>. "
        "I'll plan a taper that brings your form (TSB) to +5…+25 on race day."
    )


def race_error(error: RaceRequestError) -> str:
    return f"{esc(str(error))}\n\n" + race_usage()


def report_usage() -> str:
    return (
        "Ask a question after the command, e.g. <code>/report am I ready for a hilly century?</code> "
        "For the weekly review use /week; for a race taper use /race."
    )


def report_busy() -> str:
    return "I'm still working on your previous report — it will arrive here in a moment."
