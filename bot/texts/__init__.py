"""Everything the bot says, as small pure functions that return Telegram HTML.

Every value that comes from data or from the user passes through `esc`, so a workout titled
``<b>`` cannot break the message or inject markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime

from coach import availability
from coach.daily import Assessment
from coach.demo import DemoLoad
from coach.profile import SETTINGS
from coach.readiness import Action
from db.errors import InvalidValue
from db.models import User


def esc(text: str) -> str:
    """Escape for Telegram HTML: only <, > and & are special there (quotes stay readable)."""
    return html.escape(text, quote=False)


# The settings shown by `_show_plan_setting` (their values are not plain numbers with a unit).
PLAN_SETTING_NAMES = frozenset({"powermeter", "pace", "units", "hours", "days", "ramp", "recovery"})

# How much of what a person typed a reply repeats: enough to recognise it, never enough to push the reply
# past Telegram's 4096 characters (a refused reply would leave the person with only an apology).
ECHO_CHARS = 40
_WHITESPACE = re.compile(r"\s+")


def quote_input(value: object, limit: int = ECHO_CHARS) -> str:
    """What the person typed, on one line, cut to ``limit`` characters (an ellipsis marks the cut), escaped.

    Every reply that repeats input goes through here: cutting before escaping keeps an entity whole.
    """
    text = _WHITESPACE.sub(" ", str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return esc(text)


def invalid_value(error: InvalidValue) -> str:
    """The sentence of an `InvalidValue`, with the value given shortened (it may be anything typed)."""
    given = repr(error.value) if isinstance(error.value, str) else str(error.value)
    return f"{esc(error.field)} must be {esc(error.allowed)}; got {quote_input(given)}."


ACTION_HEADLINES = {
    Action.PROCEED: "go ahead with your planned session",
    Action.MODIFY: "train, but keep today's session easier or shorter",
    Action.REDUCE_INTENSITY: "keep it aerobic — no hard intervals today",
    Action.ACTIVE_RECOVERY: "active recovery only: an easy spin or walk, 30–60 min in zone 1",
    Action.REST: "rest today",
}

ACTION_NAMES = {
    Action.PROCEED: "proceed as planned",
    Action.MODIFY: "a modified session",
    Action.REDUCE_INTENSITY: "reduced intensity",
    Action.ACTIVE_RECOVERY: "active recovery",
    Action.REST: "rest",
}

COMMANDS = [
    ("today", "How should I train today? Today's session"),
    ("plan", "Your training plan: this week and next"),
    ("workout", "A session as a file: /workout [day] [fit|zwo|erg|mrc]"),
    ("nextweek", "Next week's sessions: accept them or make it easier"),
    ("brief", "Today's morning brief; /brief off, on or 07:30"),
    ("settings", "Show or change your settings"),
    ("demo", "Load a demo athlete's 180 days"),
    ("week", "This week's training report"),
    ("race", "Add a race: /race <name> <YYYY-MM-DD> [A|B|C] [km]"),
    ("races", "Your races: change priority or delete"),
    ("report", "A report on your question"),
    ("fitness", "Fitness, fatigue and form chart"),
    ("hrv", "HRV and resting HR chart"),
    ("curve", "Power curve"),
    ("planchart", "Your plan's fitness and form to race day, and the actual"),
    ("connect", "Connect WHOOP, Strava, Intervals.icu or Oura"),
    ("status", "Your connections and their last sync"),
    ("sync", "Fetch new data from your connections now"),
    ("disconnect", "Disconnect a service: /disconnect <name>"),
    ("help", "What I can do"),
    ("start", "Set up, or carry on with setup"),
    ("setup", "Run the guided setup again"),
    ("export", "Download everything I hold about you"),
    ("deleteme", "Delete your account and all your data"),
    ("privacy", "What I store, where, and what I share"),
]

# /help's longer word on a command; a command without one is explained by its menu description.
HELP_DETAILS = {
    "today": "today's advice from your training load, HRV, resting heart rate and sleep, with the numbers, and "
    "today's session from your plan — adapted to how ready you are — with tomorrow's form",
    "plan": "builds (or shows) your plan to your next A race — or a 12-week block without one: phases, this "
    "week's and next week's sessions in your own watts, heart rate or pace; <code>/plan sync</code> sends the next "
    "14 days to your Intervals.icu calendar (after a preview) and keeps it in step, <code>/plan stop</code> ends it",
    "workout": "sends a planned session as a file for your device: <code>/workout</code> (today, FIT for Garmin, "
    "Wahoo, Hammerhead), <code>/workout tomorrow zwo</code> (Zwift), <code>/workout 2026-12-08 mrc</code> or "
    "<code>erg</code> (TrainerRoad and other trainer apps)",
    "race": "adds a race you train for and sends its taper report, e.g. "
    "<code>/race Gran Fondo 2027-05-16 A 120</code> (priority A by default; distance in km optional)",
    "races": "lists your races, with buttons to change a race's priority (A, B, C) or delete it",
    "settings": "your time zone, sport, FTP, heart rates, weight, birth date, sex, power meter, threshold pace, "
    "km or mi, weekly hours, training days, CTL ramp, recovery weeks and brief time; tap one to change it, or "
    "type e.g. <code>/settings days mon 60 wed 90 sat 180</code>",
    "demo": "loads 180 days of a demo athlete into your account, to see what I do before your own data arrives",
    "start": "links this chat to your account and walks you through setup; run it again to finish a setup "
    "you left half-way",
    "setup": "runs the guided setup from its first question, any time (your values stay until you change them)",
    "export": "sends a ZIP with everything I hold about you, as JSON and CSV (tokens left out)",
    "deleteme": "deletes your account and everything in it, after you confirm; connected services lose access",
    "privacy": "what I store, where it is kept, and exactly what goes to the AI model",
}


def welcome(first_name: str | None, *, created: bool, offer_setup: bool = False) -> str:
    name = esc(first_name or "there")
    if created:
        return (
            f"Hi {name}! I'm Coach Watts, your endurance coach.\n\n"
            "Each morning I look at your training load, HRV, resting heart rate and sleep, and tell you "
            "how to train. Ask me <i>how should I train today?</i> any time, or use /today.\n\n"
            "No data yet? Try /demo to load a demo athlete and see what I do."
        )
    setup = (
        "\n\nYour setup was never finished: /setup walks you through it (a minute; every question can be skipped)."
        if offer_setup
        else ""
    )
    return f"Welcome back, {name}. Ask me how to train today, or use /today.{setup}"


def help_text() -> str:
    lines = ["<b>What I can do</b>"]
    lines += [f"/{name} — {HELP_DETAILS.get(name, esc(desc))}" for name, desc in COMMANDS]
    lines += [
        "",
        "You can also just ask: <i>how should I train today?</i>, <i>should I do intervals?</i>, "
        "<i>am I ready for a hard ride?</i>",
        "",
        "Settings you can type: " + ", ".join(f"<code>{esc(s.example)}</code>" for s in SETTINGS.values()),
    ]
    return "\n".join(lines)


def cannot_answer_yet() -> str:
    return (
        "I can't answer that one yet. Today I can tell you how to train today from your training load, "
        "HRV, resting heart rate and sleep — ask <i>how should I train today?</i> or use /today. "
        "/help lists everything else."
    )


def greeting(first_name: str | None) -> str:
    return f"Hi {esc(first_name or 'there')}! Ask me <i>how should I train today?</i>"


def no_data() -> str:
    return (
        "I don't have any training or recovery data for you yet, so I can't judge today without guessing.\n\n"
        "What I need: workouts with a training load, and morning HRV, resting heart rate and sleep. "
        "Use /demo to load a demo athlete and see how I work."
    )


def _fmt_signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


# The morning check-in's words (the brief's buttons and /today say them alike).
FEEL_LABELS = {1: "awful", 2: "poor", 3: "okay", 4: "good", 5: "great"}
SORENESS_LABELS = {0: "not sore", 1: "a bit sore", 2: "very sore"}


def _check_in_line(assessment: Assessment) -> str | None:
    """This morning's check-in, said even when a device signal decided the day (it still counted)."""
    c = assessment.check_in
    if c is None or (c.feel is None and c.soreness is None and not c.illness):
        return None
    parts = []
    if c.feel is not None:
        parts.append(f"feel {c.feel}/5 ({FEEL_LABELS.get(c.feel, '')})")
    if c.soreness is not None:
        parts.append(SORENESS_LABELS.get(c.soreness, ""))
    if c.illness:
        parts.append("ill")
    return f"• Your check-in this morning: {esc(', '.join(parts))}"


def today(assessment: Assessment) -> str:
    s = assessment.suggestion
    if s is None:
        return no_data()
    day = assessment.today.strftime("%a %d %b")
    lines = [
        f"<b>Today ({day}): {esc(ACTION_HEADLINES[s.action])}</b>",
        "",
        f"Why: {esc(s.reason)}.",
        "",
        "<b>The numbers</b>",
    ]
    if (check_in := _check_in_line(assessment)) is not None:
        lines.append(check_in)
    if (form := assessment.form) is not None:
        warm = " (still warming up: under 6 weeks of history)" if form.warming_up else ""
        lines.append(
            f"• Fitness (CTL) {form.ctl:.0f}, fatigue (ATL) {form.atl:.0f}, "
            f"form (TSB) {_fmt_signed(form.tsb)} this morning{warm}"
        )
        if form.ramp_per_week is not None:
            lines.append(f"• Fitness ramp {_fmt_signed(form.ramp_per_week)} per week")
        if assessment.loads_estimated:
            n = assessment.loads_estimated
            lines.append(f"• {n} workout{'s' if n != 1 else ''} without power or heart rate counted by duration")
    if (hrv := assessment.hrv) is not None:
        low, high = hrv.range_rmssd_ms
        today_part = f"today {hrv.today_rmssd_ms:.0f} ms, " if hrv.today_rmssd_ms is not None else ""
        lines.append(
            f"• HRV (rMSSD): {today_part}7-day average {hrv.baseline_rmssd_ms:.0f} ms, "
            f"normal range {low:.0f}–{high:.0f} ms"
        )
    if (rhr := assessment.resting_hr) is not None:
        today_part = f"today {rhr.today_bpm:.0f} bpm, " if rhr.today_bpm is not None else ""
        lines.append(f"• Resting HR: {today_part}60-day average {rhr.mean_60d_bpm:.0f} bpm")
    if (sleep := assessment.sleep) is not None:
        last = f"{sleep.last_night_h:.1f} h last night, " if sleep.last_night_h is not None else ""
        lines.append(f"• Sleep: {last}{sleep.debt_7d_h:.1f} h short over the last {sleep.nights_counted} nights")
    lines += [
        "",
        f"Alternatives: {esc(', '.join(ACTION_NAMES[a] for a in s.alternatives))}",
        f"Confidence: {s.confidence:.0%}",
    ]
    if s.missing:
        lines.append(f"Missing: {esc('; '.join(s.missing))}")
    return "\n".join(lines)


def demo_loaded(result: DemoLoad) -> str:
    filled = ""
    if result.profile_filled:
        names = {
            "ftp": "FTP 250 W",
            "max_hr": "max HR 186 bpm",
            "weight": "weight 71.5 kg",
            "threshold_pace_s_per_km": "threshold pace 4:30/km",
        }
        filled = "\nI also set " + ", ".join(names[f] for f in result.profile_filled) + " (change with /settings)."
    race = (
        "\nTo train for, I added an A race ten weeks from today (Demo Gran Fondo, 120 km; /races changes it)"
        if result.race_added
        else "\nYour races stay as they were"
    )
    plan = f"; your {result.plan_weeks}-week plan is built — /plan shows it." if result.plan_weeks else "."
    if result.already_loaded:
        head = (
            "The demo athlete was already in your account, so nothing was added twice: I brought its 180 days "
            f"up to today ({result.workouts_written} workouts and {result.days_written} days of HRV, resting HR "
            "and sleep)."
        )
    else:
        head = (
            f"Demo athlete loaded: {result.workouts_written} workouts and {result.days_written} days of HRV, "
            "resting HR and sleep over the last 180 days."
        )
    return (
        f"{head}{filled}{race}{plan}\n\nNow ask me <i>how should I train today?</i> or use /today for today's session."
    )


def training_days(minutes: Sequence[int]) -> str:
    """``[0, 60, 0, 90, 0, 180, 0]`` → ``Tue 60 min, Thu 90 min, Sat 3 h``."""
    return ", ".join(f"{WEEKDAY_NAMES[day]} {duration(m * 60)}" for day, m in enumerate(minutes) if m > 0)


def duration(seconds: int) -> str:
    """``4500`` → ``1 h 15 min``; ``2700`` → ``45 min``; ``7200`` → ``2 h``."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# What an unset plan setting means (`coach.availability`), so /settings never shows a bare "not set".
_PLAN_DEFAULTS = {
    "hours": f"not set ({availability.DEFAULT_WEEKLY_HOURS:g} h by default)",
    "days": f"not set ({training_days(availability.DEFAULT_DAY_MINUTES)} by default)",
    "ramp": f"not set ({availability.DEFAULT_CTL_RAMP:g} a week by default)",
    "recovery": f"not set ({availability.DEFAULT_RECOVERY_RHYTHM} by default)",
}


def _show_plan_setting(user: User, name: str, value: object) -> str:
    if value is None:
        if name == "powermeter":
            return f"not set ({'yes' if availability.has_power_meter(user) else 'no'}: {_power_default(user)})"
        if name == "pace":
            return "not set (estimated from your runs when there are enough)"
        return _PLAN_DEFAULTS.get(name, "not set")
    if name == "powermeter":
        return "yes" if value else "no"
    if name == "pace" and isinstance(value, int):
        return availability.format_pace(value)
    if name == "days" and isinstance(value, list):
        return training_days(value)
    if name == "hours" and isinstance(value, float):
        return f"{value:g} h a week"
    if name == "ramp" and isinstance(value, float):
        return f"{value:g} CTL a week"
    return str(value)


def _power_default(user: User) -> str:
    return "you have an FTP" if user.ftp is not None else "no FTP set"


def show(user: User, name: str) -> str:
    """One setting's current value, for people."""
    if name == "brief":
        return f"{user.brief_time.strftime('%H:%M')} ({'on' if user.brief_enabled else 'off'})"
    value: object = getattr(user, SETTINGS[name].attribute)
    if name in PLAN_SETTING_NAMES:
        return _show_plan_setting(user, name, value)
    if value is None:
        return "not set"
    if isinstance(value, datetime):
        return value.date().isoformat()
    units = {"ftp": " W", "maxhr": " bpm", "restinghr": " bpm", "lthr": " bpm", "weight": " kg"}
    if isinstance(value, float):
        return f"{value:g}{units[name]}"
    return f"{value}{units.get(name, '')}"


def profile_lines(user: User) -> str:
    names = {"brief": "Morning brief", "timezone": "Time zone", "sport": "Sport focus"}
    lines = []
    for name, spec in SETTINGS.items():
        label = names.get(name, spec.label[:1].upper() + spec.label[1:])
        lines.append(f"• {esc(label)}: {esc(show(user, name))}")
    return "\n".join(lines)


def settings(user: User) -> str:
    return "\n".join(
        [
            "<b>Your settings</b>",
            profile_lines(user),
            "",
            "Change one with /settings and its buttons, or type e.g. "
            + ", ".join(f"<code>{esc(s.example)}</code>" for s in list(SETTINGS.values())[:3]),
        ]
    )


def setting_saved(label: str, user: User) -> str:
    return f"Saved your {esc(label)}.\n\n" + settings(user)


def invalid_setting(error: InvalidValue) -> str:
    return f"Nothing changed: {invalid_value(error)}"


def unknown_setting(name: str) -> str:
    names = ", ".join(SETTINGS)
    return f"Nothing changed: I don't know a setting called {quote_input(name)}. The settings are: {names}."


def settings_usage() -> str:
    return "To change a setting, send its name and value, e.g. <code>/settings ftp 250</code>."


def private_only() -> str:
    return "I coach one athlete at a time — please talk to me in a private chat."


def need_start() -> str:
    return "Send /start first so I can link this chat to your account."


def button_expired() -> str:
    return "This button has expired."


def apology() -> str:
    return "Sorry — something went wrong on my side. Please try again in a minute."


def unknown_command(command: str) -> str:
    return f"I don't know {quote_input(command)}. /help lists what I can do."
