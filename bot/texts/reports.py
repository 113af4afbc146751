"""What the bot says around charts and reports: captions, progress lines, usage and errors (Telegram HTML)."""

from __future__ import annotations

from bot.texts import esc
from coach.charts import FitnessSeries, HrvSeries
from coach.curves import CurveView
from coach.history import CurveSummary
from coach.plan_chart import PlanChart
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


def duration_label(duration_s: int) -> str:
    """5 s, 1 min, 20 min, 1 h 30 min: how an athlete names an effort's length."""
    if duration_s < 60:
        return f"{duration_s} s"
    if duration_s < 3600:
        return f"{duration_s // 60} min" + (f" {duration_s % 60} s" if duration_s % 60 else "")
    hours, minutes = divmod(duration_s // 60, 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def true_curve_caption(view: CurveView) -> str:
    """The key numbers of the 90-day curve, the comparison's 20 minutes, the FTP estimate, and the floor's label."""
    key = " · ".join(f"{duration_label(d)} {w:.0f} W" for d, w in view.key_numbers().items())
    sessions = view.sessions_with_curve
    lines = [f"Power curve, best of {sessions} workout{'s' if sessions != 1 else ''} in {view.days} days: {key}"]
    compared = view.comparison.get(1200)
    if compared is not None:
        lines.append(f"Best 20 min, {esc(view.comparison_label)}: {compared.value:.0f} W (dashed line)")
    ftp = view.ftp
    if ftp.ftp_w is not None and ftp.cp_w is not None and ftp.w_prime_j is not None:
        lines.append(
            f"Estimated FTP {ftp.ftp_w:.0f} W (critical power {ftp.cp_w:.0f} W, W′ {ftp.w_prime_j / 1000:.1f} kJ, "
            f"from {len(ftp.efforts)} best efforts of 3–20 min)"
        )
    if view.sessions_without_curve:
        n = view.sessions_without_curve
        their = "their" if n != 1 else "its"
        lines.append(
            f"{n} ride{'s' if n != 1 else ''} stored without second-by-second power: drawn dotted from {their} "
            "average power, a floor under the true curve"
        )
    return "\n".join(lines)


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


def plan_chart_caption(chart: PlanChart) -> str:
    s = chart.series
    now = ""
    if s.actual_days:
        now = f"Today fitness {s.actual_ctl[-1]:.0f} (as of {s.actual_days[-1]:%d %b}). "
    race = ""
    if s.race_day is not None:
        form = f", race-morning form {_signed(chart.race_morning_tsb)}" if chart.race_morning_tsb is not None else ""
        race = f"Race day {s.race_day:%d %b}: fitness {chart.end_ctl:.0f}{form} (target +5…+25). "
    return f"{now}{race}Dashed: the plan; solid: what you did."


def no_plan_chart() -> str:
    return "You have no training plan to chart yet: /plan builds one."
