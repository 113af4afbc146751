"""Charts a person reads on a phone: fitness/fatigue/form, HRV against its normal range, the power curve.

Rendering is pure (numbers in, PNG bytes out) and thread-safe: every call builds its own `Figure` on an Agg
canvas and never touches pyplot, whose global figure registry and current-axes state are not safe to share
between threads. Style is passed to each artist instead of changing the process-wide ``rcParams``. Callers on
the event loop render with ``asyncio.to_thread`` so a chart never blocks the bot.

Phones show a photo about 1080 px wide, so the canvas is 1200 × 900 px with 15–20 pt text at 150 dpi; the
dark background and saturated line colours read on both the light and the dark Telegram theme.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from coach import i18n
from coach.i18n import t

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 6.0, 150

BACKGROUND = "#15191e"
PANEL = "#1d232a"
TEXT = "#e8eaed"
MUTED = "#9aa4ae"
GRID = "#38414b"
BLUE = "#4da3ff"  # fitness
PINK = "#ff6fa6"  # fatigue
AMBER = "#ffc23d"  # form, 7-day HRV
GREEN = "#3ddc97"
RED = "#ff6b6b"

TITLE_PT, LABEL_PT, TICK_PT, LEGEND_PT = 19, 15, 13, 14

# TSB bands of science.md §4.5 (intervals.icu / Elevate labels).
FRESH_TSB = (5.0, 25.0)
OPTIMAL_TSB = (-30.0, -10.0)


@dataclass(frozen=True, slots=True)
class FitnessSeries:
    """CTL/ATL/TSB per day; days from ``projected_from`` on are a projection and drawn dashed."""

    days: Sequence[date]
    ctl: Sequence[float]
    atl: Sequence[float]
    tsb: Sequence[float]
    projected_from: date | None = None
    event_day: date | None = None
    event_label: str | None = None


@dataclass(frozen=True, slots=True)
class HrvSeries:
    """Daily rMSSD and resting HR with the 7-day HRV mean and its 60-day normal range (None where unknown)."""

    days: Sequence[date]
    rmssd_ms: Sequence[float | None]
    baseline_ms: Sequence[float | None]
    band_low_ms: Sequence[float | None]
    band_high_ms: Sequence[float | None]
    resting_hr_bpm: Sequence[float | None]
    resting_hr_mean_bpm: Sequence[float | None]


@dataclass(frozen=True, slots=True)
class PowerCurve:
    """Best power against duration. ``from_streams`` False: built from ride summaries, not second-by-second."""

    durations_s: Sequence[int]
    power_w: Sequence[float]
    peak_w: float | None
    from_streams: bool
    # Each ride's (duration, average power), drawn as faint dots when the curve comes from summaries.
    rides: Sequence[tuple[int, float]] = ()
    # With a true curve: the same best-of over a longer span (``comparison_label``: "2026", "last 365 days"), and
    # the floor from the averages of rides stored without a curve, drawn apart and labelled as such.
    comparison_durations_s: Sequence[int] = ()
    comparison_power_w: Sequence[float] = ()
    comparison_label: str | None = None
    floor_durations_s: Sequence[int] = ()
    floor_power_w: Sequence[float] = ()


def _figure(rows: int, *, height_ratios: Sequence[float] | None = None) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(rows, 1, height_ratios=height_ratios, hspace=0.12)
    axes: list[Axes] = []
    for row in range(rows):
        ax = fig.add_subplot(grid[row, 0], sharex=axes[0] if axes else None)
        ax.set_facecolor(PANEL)
        ax.tick_params(colors=TEXT, labelsize=TICK_PT, length=4)
        ax.grid(True, color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        for spine in ax.spines.values():
            spine.set_color(GRID)
        axes.append(ax)
    return fig, axes


def _png(fig: Figure, *, bottom: float = 0.09) -> bytes:
    fig.subplots_adjust(left=0.11, right=0.97, top=0.90, bottom=bottom)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor=BACKGROUND)
    return out.getvalue()


def _title(fig: Figure, text: str) -> None:
    fig.suptitle(text, color=TEXT, fontsize=TITLE_PT, fontweight="bold", x=0.11, ha="left", y=0.975)


def _legend(ax: Axes, *, loc: Literal["upper left", "upper right"] = "upper left", ncol: int = 1) -> None:
    legend = ax.legend(
        loc=loc, ncol=ncol, fontsize=LEGEND_PT, facecolor=BACKGROUND, edgecolor=GRID, framealpha=0.85, labelcolor=TEXT
    )
    legend.get_frame().set_linewidth(0.8)


def _mark_day(top: Axes, bottom: Axes, day: date, label: str) -> None:
    """A dotted line through both panels on ``day`` (a race), labelled low in the form panel: the top of the
    fitness panel belongs to the legend."""
    for ax in (top, bottom):
        ax.axvline(_x1(day), color=TEXT, linewidth=1.6, linestyle=":")
    bottom.text(_x1(day), bottom.get_ylim()[0], f"{label} ", color=TEXT, fontsize=TICK_PT, ha="right", va="bottom")


def _date_axis(ax: Axes) -> None:
    # matplotlib.dates ships without annotations.
    locator = AutoDateLocator(minticks=3, maxticks=6)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    # Day and month in the athlete's language (the formatter runs while the figure is saved, in this context).
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _day_label(x)))


def _day_label(x: float) -> str:
    day = num2date(x).date()  # type: ignore[no-untyped-call]
    return i18n.when(day, "%d %b")


def _x(days: Sequence[date]) -> npt.NDArray[np.float64]:
    """Matplotlib's day numbers for the date axis (the date locator and formatter read these)."""
    numbers = date2num(list(days))  # type: ignore[no-untyped-call]
    return np.asarray(numbers, dtype=np.float64).reshape(-1)


def _x1(day: date) -> float:
    return float(_x([day])[0])


def _signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


def fitness_png(series: FitnessSeries) -> bytes:
    """Two panels: fitness and fatigue lines above, form as bars coloured by its band below."""
    fig, (top, bottom) = _figure(2, height_ratios=(3, 2))
    days = _x(series.days)
    cut = len(days)
    if series.projected_from is not None:
        cut = next((i for i, d in enumerate(series.days) if d >= series.projected_from), len(days))
    for values, colour, name in ((series.ctl, BLUE, t("Fitness (CTL)")), (series.atl, PINK, t("Fatigue (ATL)"))):
        top.plot(days[: cut + 1], list(values)[: cut + 1], color=colour, linewidth=3.0, label=name)
        if cut < len(days):
            top.plot(days[cut:], list(values)[cut:], color=colour, linewidth=2.6, linestyle=(0, (4, 2)))
    top.set_ylabel(t("load / day"), color=MUTED, fontsize=LABEL_PT)
    top.set_ylim(bottom=0)
    if len(days):
        top.annotate(
            f"{series.ctl[-1]:.0f}",
            (days[-1], series.ctl[-1]),
            xytext=(6, 0),
            textcoords="offset points",
            color=BLUE,
            fontsize=LABEL_PT,
            fontweight="bold",
            va="center",
            annotation_clip=False,
        )
    ncol = 2
    if cut < len(days):
        top.plot([], [], color=MUTED, linewidth=2.6, linestyle=(0, (4, 2)), label=t("projected"))
        ncol = 3
    _legend(top, ncol=ncol)
    top.set_ylim(top=max([*series.ctl, *series.atl, 10.0]) * 1.32)  # head-room for the legend
    top.tick_params(labelbottom=False)

    bottom.axhspan(*FRESH_TSB, color=GREEN, alpha=0.16, linewidth=0)
    bottom.axhspan(*OPTIMAL_TSB, color=BLUE, alpha=0.10, linewidth=0)
    colours = [_tsb_colour(v) for v in series.tsb]
    bottom.bar(days, list(series.tsb), width=0.85, color=colours, linewidth=0)
    bottom.axhline(0, color=MUTED, linewidth=1.0)
    low = min([*series.tsb, OPTIMAL_TSB[0] - 5])
    high = max([*series.tsb, FRESH_TSB[1] + 5])
    bottom.set_ylim(low, high)
    bottom.set_ylabel(t("Form (TSB)"), color=MUTED, fontsize=LABEL_PT)
    bottom.text(
        0.01, 0.96, t("green band: fresh +5…+25"), transform=bottom.transAxes, color=GREEN, fontsize=TICK_PT, va="top"
    )
    if series.event_day is not None:
        _mark_day(top, bottom, series.event_day, series.event_label or t("event"))
    _date_axis(bottom)
    if len(days):
        numbers = {"ctl": f"{series.ctl[-1]:.0f}", "atl": f"{series.atl[-1]:.0f}", "tsb": _signed(series.tsb[-1])}
        if series.event_day is not None:
            day = i18n.when(series.event_day, "%d %b")
            _title(fig, t("On {day}: fitness {ctl} · fatigue {atl} · form {tsb}", day=day, **numbers))
        else:
            _title(fig, t("Fitness {ctl} · fatigue {atl} · form {tsb}", **numbers))
    return _png(fig)


def _tsb_colour(tsb: float) -> str:
    if tsb > FRESH_TSB[1]:
        return MUTED
    if tsb >= FRESH_TSB[0]:
        return GREEN
    if tsb >= OPTIMAL_TSB[1]:
        return AMBER
    if tsb >= OPTIMAL_TSB[0]:
        return BLUE
    return RED


def hrv_png(series: HrvSeries) -> bytes:
    """HRV above (daily dots, the 7-day mean, the shaded normal range), resting HR below."""
    fig, (top, bottom) = _figure(2, height_ratios=(3, 2))
    days = [float(x) for x in _x(series.days)]
    band = [(d, lo, hi) for d, lo, hi in zip(days, series.band_low_ms, series.band_high_ms, strict=True) if lo and hi]
    if band:
        top.fill_between(
            [b[0] for b in band],
            [b[1] for b in band],
            [b[2] for b in band],
            color=GREEN,
            alpha=0.22,
            linewidth=0,
            label=t("normal range (60 days)"),
        )
    daily = [(d, v) for d, v in zip(days, series.rmssd_ms, strict=True) if v is not None]
    top.scatter([d for d, _ in daily], [v for _, v in daily], s=22, color=MUTED, label=t("each morning"), zorder=3)
    base = [(d, v) for d, v in zip(days, series.baseline_ms, strict=True) if v is not None]
    top.plot([d for d, _ in base], [v for _, v in base], color=AMBER, linewidth=3.2, label=t("7-day mean"), zorder=4)
    top.set_ylabel(t("HRV rMSSD (ms)"), color=MUTED, fontsize=LABEL_PT)
    values = [v for _, v in daily] + [b[1] for b in band] + [b[2] for b in band]
    if values:
        low, high = min(values), max(values)
        top.set_ylim(low - 0.08 * (high - low) - 1, high + 0.55 * (high - low) + 1)
    _legend(top, ncol=2)
    top.tick_params(labelbottom=False)

    rhr = [(d, v) for d, v in zip(days, series.resting_hr_bpm, strict=True) if v is not None]
    mean = [(d, v) for d, v in zip(days, series.resting_hr_mean_bpm, strict=True) if v is not None]
    bottom.plot([d for d, _ in rhr], [v for _, v in rhr], color=PINK, linewidth=2.4, marker="o", markersize=3.5)
    bottom.plot([d for d, _ in mean], [v for _, v in mean], color=MUTED, linewidth=2.0, linestyle=(0, (4, 2)))
    bottom.set_ylabel(t("Resting HR"), color=MUTED, fontsize=LABEL_PT)
    if rhr:
        low_r = min(v for _, v in rhr + mean)
        high_r = max(v for _, v in rhr + mean)
        bottom.set_ylim(low_r - 2, high_r + 0.6 * (high_r - low_r) + 3)
    bottom.text(
        0.01,
        0.95,
        t("bpm, dashed: 60-day mean"),
        transform=bottom.transAxes,
        color=MUTED,
        fontsize=TICK_PT,
        va="top",
    )
    _date_axis(bottom)
    latest = base[-1][1] if base else None
    if latest is not None and band:
        hrv, normal_low, normal_high = f"{latest:.0f}", f"{band[-1][1]:.0f}", f"{band[-1][2]:.0f}"
        _title(fig, t("HRV 7-day mean {hrv} ms · normal {low}–{high} ms", hrv=hrv, low=normal_low, high=normal_high))
    elif latest is not None:
        hrv = f"{latest:.0f}"
        _title(fig, t("HRV 7-day mean {hrv} ms", hrv=hrv))
    else:
        _title(fig, t("HRV and resting HR"))
    return _png(fig)


CURVE_TICKS_S = (1, 5, 15, 60, 300, 1200, 3600, 3 * 3600, 6 * 3600)


def _duration_label(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


def power_curve_png(curve: PowerCurve) -> bytes:
    """Best power (W) against duration on a log-time axis, the way every training tool draws it."""
    fig, (ax,) = _figure(1)
    durations = list(curve.durations_s)
    power = list(curve.power_w)
    label = t("best power, 90 days") if curve.from_streams else t("best whole-ride average")
    if curve.comparison_durations_s:
        ax.plot(
            list(curve.comparison_durations_s),
            list(curve.comparison_power_w),
            color=BLUE,
            linewidth=2.2,
            linestyle="--",
            label=t("best, {span}", span=curve.comparison_label),
        )
    if curve.floor_durations_s:
        ax.plot(
            list(curve.floor_durations_s),
            list(curve.floor_power_w),
            color=MUTED,
            linewidth=2.0,
            linestyle=":",
            label=t("rides without a curve (floor)"),
        )
    if curve.rides:
        ax.scatter(
            [d for d, _ in curve.rides], [p for _, p in curve.rides], s=16, color=MUTED, alpha=0.6, label=t("each ride")
        )
    if durations:
        ax.plot(durations, power, color=AMBER, linewidth=3.2, label=label)
        ax.fill_between(durations, power, color=AMBER, alpha=0.12, linewidth=0)
    if curve.peak_w is not None:
        peak = f"{curve.peak_w:.0f}"
        ax.scatter([1], [curve.peak_w], s=90, color=PINK, zorder=4, label=t("peak {watts} W", watts=peak))
    ax.set_xscale("log")
    longest = max([*durations, *curve.comparison_durations_s, *curve.floor_durations_s, 60])
    ticks = [tick for tick in CURVE_TICKS_S if tick <= longest * 1.5]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _duration_label(x)))
    ax.xaxis.set_minor_locator(FixedLocator([]))
    ax.set_xlim(0.8, longest * 1.3)
    top = max([*power, *curve.comparison_power_w, *curve.floor_power_w, curve.peak_w or 0.0, 100.0])
    ax.set_ylim(0, math.ceil(top * 1.25 / 50) * 50)
    ax.set_ylabel(t("watts"), color=MUTED, fontsize=LABEL_PT)
    ax.set_xlabel(t("duration"), color=MUTED, fontsize=LABEL_PT)
    _legend(ax, loc="upper right")
    if not curve.from_streams:
        ax.text(
            0.02,
            0.04,
            t("from ride summaries: the true curve lies on or above this line"),
            transform=ax.transAxes,
            color=MUTED,
            fontsize=TICK_PT,
        )
    if durations:
        # The headline is the point nearest 20 minutes for a true curve (the threshold test), else nearest an hour.
        headline_s = 1200 if curve.from_streams else 3600
        best = min(range(len(durations)), key=lambda i: abs(math.log(durations[i] / headline_s)))
        watts, duration = f"{power[best]:.0f}", _duration_label(durations[best])
        _title(fig, t("Power curve · {watts} W for {duration}", watts=watts, duration=duration))
    else:
        _title(fig, t("Power curve"))
    return _png(fig, bottom=0.13)


@dataclass(frozen=True, slots=True)
class PlanSeries:
    """The plan's projected end-of-day CTL/ATL to its end, and the actual PMC over the same days so far."""

    planned_days: Sequence[date]
    planned_ctl: Sequence[float]
    planned_atl: Sequence[float]
    actual_days: Sequence[date]
    actual_ctl: Sequence[float]
    actual_atl: Sequence[float]
    race_day: date | None = None
    race_label: str | None = None


def plan_png(series: PlanSeries) -> bytes:
    """The plan against what happened: projected fitness and fatigue dashed, actual solid; form below."""
    fig, (top, bottom) = _figure(2, height_ratios=(3, 2))
    planned = _x(series.planned_days)
    actual = _x(series.actual_days)
    top.plot(
        planned, list(series.planned_ctl), color=BLUE, linewidth=2.4, linestyle=(0, (4, 2)), label=t("Fitness, plan")
    )
    top.plot(
        planned, list(series.planned_atl), color=PINK, linewidth=2.0, linestyle=(0, (4, 2)), label=t("Fatigue, plan")
    )
    if len(actual):
        top.plot(actual, list(series.actual_ctl), color=BLUE, linewidth=3.2, label=t("Fitness, actual"))
        top.plot(actual, list(series.actual_atl), color=PINK, linewidth=2.6, alpha=0.9, label=t("Fatigue, actual"))
    top.set_ylabel(t("load / day"), color=MUTED, fontsize=LABEL_PT)
    _legend(top, ncol=2)
    top.set_ylim(0, max([*series.planned_ctl, *series.planned_atl, *series.actual_ctl, *series.actual_atl, 10.0]) * 1.4)
    top.tick_params(labelbottom=False)

    planned_tsb = [c - a for c, a in zip(series.planned_ctl, series.planned_atl, strict=True)]
    actual_tsb = [c - a for c, a in zip(series.actual_ctl, series.actual_atl, strict=True)]
    bottom.axhspan(*FRESH_TSB, color=GREEN, alpha=0.16, linewidth=0)
    bottom.axhspan(*OPTIMAL_TSB, color=BLUE, alpha=0.10, linewidth=0)
    bottom.bar(planned, planned_tsb, width=0.85, color=[_tsb_colour(v) for v in planned_tsb], alpha=0.55, linewidth=0)
    if len(actual):
        bottom.plot(actual, actual_tsb, color=TEXT, linewidth=2.4, label=t("actual form"))
    bottom.axhline(0, color=MUTED, linewidth=1.0)
    values = [*planned_tsb, *actual_tsb]
    bottom.set_ylim(min([*values, OPTIMAL_TSB[0] - 5]), max([*values, FRESH_TSB[1] + 5]))
    bottom.set_ylabel(t("Form (TSB)"), color=MUTED, fontsize=LABEL_PT)
    bottom.text(
        0.01, 0.96, t("bars: plan · line: actual"), transform=bottom.transAxes, color=MUTED, fontsize=TICK_PT, va="top"
    )
    if series.race_day is not None:
        _mark_day(top, bottom, series.race_day, series.race_label or t("race"))
    _date_axis(bottom)
    if len(planned):
        day, ctl = i18n.when(series.planned_days[-1], "%d %b"), f"{series.planned_ctl[-1]:.0f}"
        _title(fig, t("Plan to {day}: fitness {ctl}", day=day, ctl=ctl))
    return _png(fig)
