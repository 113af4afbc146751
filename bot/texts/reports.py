"""What the bot says around charts and reports: captions, progress lines, usage and errors (Telegram HTML)."""

from __future__ import annotations

from bot.texts import esc
from coach import i18n
from coach.charts import FitnessSeries, HrvSeries
from coach.curves import CurveView
from coach.history import CurveSummary
from coach.i18n import t, tn
from coach.plan_chart import PlanChart
from coach.reports.requests import RaceRequestError


def _signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


# --------------------------------------------------------------------------- charts


def fitness_caption(series: FitnessSeries, ramp_per_week: float | None) -> str:
    ramp = " · " + t("ramp {ramp}/week", ramp=_signed(ramp_per_week)) if ramp_per_week is not None else ""
    return tn(
        "Fitness (CTL) {ctl} · fatigue (ATL) {atl} · form (TSB) {tsb} this morning{ramp} — last {n} day to the end "
        "of {day}",
        "Fitness (CTL) {ctl} · fatigue (ATL) {atl} · form (TSB) {tsb} this morning{ramp} — last {n} days to the end "
        "of {day}",
        len(series.days),
        ctl=i18n.number(series.ctl[-1]),
        atl=i18n.number(series.atl[-1]),
        tsb=_signed(series.tsb[-1]),
        ramp=ramp,
        day=i18n.when(series.days[-1], "%d %b"),
    )


def no_fitness_data() -> str:
    return t(
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
        parts.append(t("HRV 7-day mean {ms} ms", ms=i18n.number(baseline)))
    if low is not None and high is not None:
        parts.append(t("normal range {low}–{high} ms", low=i18n.number(low), high=i18n.number(high)))
    if rhr is not None:
        parts.append(t("resting HR {bpm} bpm", bpm=i18n.number(rhr)))
    return " · ".join(parts) + " — " + tn("last {n} day", "last {n} days", len(series.days))


def no_hrv_data(mornings: int) -> str:
    if mornings == 0:
        return t(
            "I have no morning HRV for you yet, so there is no HRV chart to draw. Connect a provider or try /demo."
        )
    return tn(
        "I have only {n} morning HRV reading in the last 60 days — too few "
        "for a 7-day mean and a normal range (I need at least 3 in a week and 14 in 60 days).",
        "I have only {n} morning HRV readings in the last 60 days — too few "
        "for a 7-day mean and a normal range (I need at least 3 in a week and 14 in 60 days).",
        mornings,
    )


def curve_caption(summary: CurveSummary) -> str:
    curve = summary.curve
    parts = []
    if curve.peak_w is not None:
        parts.append(t("peak {watts} W", watts=i18n.number(curve.peak_w)))
    for target in (3600, 7200):
        if target in curve.durations_s:
            watts = curve.power_w[list(curve.durations_s).index(target)]
            parts.append(t("best {hours} h ride average {watts} W", hours=target // 3600, watts=i18n.number(watts)))
    source = (
        t("from second-by-second power")
        if curve.from_streams
        else t("from ride summaries (average power per ride), so it is a floor under your true curve")
    )
    return tn(
        "Power curve, {n} ride in {days} days: {numbers} — {source}",
        "Power curve, {n} rides in {days} days: {numbers} — {source}",
        summary.rides_with_power,
        days=summary.days,
        numbers=", ".join(parts),
        source=source,
    )


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
    lines = [
        tn(
            "Power curve, best of {n} workout in {days} days: {numbers}",
            "Power curve, best of {n} workouts in {days} days: {numbers}",
            sessions,
            days=view.days,
            numbers=key,
        )
    ]
    compared = view.comparison.get(1200)
    if compared is not None:
        lines.append(
            t(
                "Best 20 min, {span}: {watts} W (dashed line)",
                span=esc(t(view.comparison_label)),
                watts=i18n.number(compared.value),
            )
        )
    ftp = view.ftp
    if ftp.ftp_w is not None and ftp.cp_w is not None and ftp.w_prime_j is not None:
        lines.append(
            tn(
                "Estimated FTP {ftp} W (critical power {cp} W, W′ {w_prime} kJ, from {n} best effort of 3–20 min)",
                "Estimated FTP {ftp} W (critical power {cp} W, W′ {w_prime} kJ, from {n} best efforts of 3–20 min)",
                len(ftp.efforts),
                ftp=i18n.number(ftp.ftp_w),
                cp=i18n.number(ftp.cp_w),
                w_prime=i18n.number(ftp.w_prime_j / 1000, 1),
            )
        )
    if view.sessions_without_curve:
        lines.append(
            tn(
                "{n} ride stored without second-by-second power: drawn dotted from its "
                "average power, a floor under the true curve",
                "{n} rides stored without second-by-second power: drawn dotted from their "
                "average power, a floor under the true curve",
                view.sessions_without_curve,
            )
        )
    return "\n".join(lines)


def no_curve_data(days: int) -> str:
    return t(
        "None of your workouts in the last {days} days has power, so I can't draw a power curve. "
        "Rides recorded with a power meter (or /demo) will show here.",
        days=days,
    )


# --------------------------------------------------------------------------- reports


# ``kind`` is the report's title (`coach.reports.TITLES`) and a step is a progress step's name: both English in
# the code, put in the athlete's language here.


def report_queued(kind: str) -> str:
    return t("⏳ Working on your {report}…", report=esc(t(kind)))


def report_progress(kind: str, done: list[str], current: str | None) -> str:
    lines = [report_queued(kind)]
    lines += [f"✓ {esc(t(step))}" for step in done]
    if current is not None:
        lines.append(f"… {esc(t(current))}")
    return "\n".join(lines)


def report_done(kind: str, steps: list[str]) -> str:
    return "\n".join([t("✅ Your {report} is ready.", report=esc(t(kind))), *(f"✓ {esc(t(s))}" for s in steps)])


def report_failed(kind: str) -> str:
    return t("Sorry — I couldn't finish your {report}. Please try again in a minute.", report=esc(t(kind)))


def report_resumed(kind: str) -> str:
    return t("⏳ I was restarted while working on your {report}; picking it up again…", report=esc(t(kind)))


def race_usage() -> str:
    return t(
        "Tell me the race and its date, e.g. <code>/race Gran Fondo 2026-12-20</code>. "
        "I'll plan a taper that brings your form (TSB) to +5…+25 on race day."
    )


def race_error(error: RaceRequestError) -> str:
    return f"{esc(str(error))}\n\n" + race_usage()


def report_usage() -> str:
    return t(
        "Ask a question after the command, e.g. <code>/report am I ready for a hilly century?</code> "
        "For the weekly review use /week; for a race taper use /race."
    )


def report_busy() -> str:
    return t("I'm still working on your previous report — it will arrive here in a moment.")


def plan_chart_caption(chart: PlanChart) -> str:
    s = chart.series
    sentences = []
    if s.actual_days:
        sentences.append(
            t(
                "Today fitness {ctl} (as of {day}).",
                ctl=i18n.number(s.actual_ctl[-1]),
                day=i18n.when(s.actual_days[-1], "%d %b"),
            )
        )
    if s.race_day is not None:
        race = {"day": i18n.when(s.race_day, "%d %b"), "ctl": f"{chart.end_ctl:.0f}"}
        if chart.race_morning_tsb is not None:
            sentences.append(
                t(
                    "Race day {day}: fitness {ctl}, race-morning form {form} (target +5…+25).",
                    form=_signed(chart.race_morning_tsb),
                    **race,
                )
            )
        else:
            sentences.append(t("Race day {day}: fitness {ctl} (target +5…+25).", **race))
    sentences.append(t("Dashed: the plan; solid: what you did."))
    return " ".join(sentences)


def no_plan_chart() -> str:
    return t("You have no training plan to chart yet: /plan builds one.")
