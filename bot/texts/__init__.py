"""Everything the bot says, as small pure functions that return Telegram HTML.

Every value that comes from data or from the user passes through `esc`, so a workout titled
``<b>`` cannot break the message or inject markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from babel.numbers import get_decimal_symbol

from coach import availability, i18n
from coach.daily import Assessment
from coach.demo import DemoLoad
from coach.i18n import N_, t, tn, tp
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
    # An empty message would look up the catalog's header: only words are translated.
    allowed = t(error.allowed_message, **error.fields) if error.allowed_message else error.allowed
    return t(
        "{field} must be {allowed}; got {given}.",
        field=esc(t(error.field) if error.field else error.field),
        allowed=esc(allowed),
        given=quote_input(given),
    )


# Said with t(...) where they are shown (bot/texts/brief.py and llm.py use them too).
ACTION_HEADLINES = {
    Action.PROCEED: N_("go ahead with your planned session"),
    Action.MODIFY: N_("train, but keep today's session easier or shorter"),
    Action.REDUCE_INTENSITY: N_("keep it aerobic — no hard intervals today"),
    Action.ACTIVE_RECOVERY: N_("active recovery only: an easy spin or walk, 30–60 min in zone 1"),
    Action.REST: N_("rest today"),
}

ACTION_NAMES = {
    Action.PROCEED: N_("proceed as planned"),
    Action.MODIFY: N_("a modified session"),
    Action.REDUCE_INTENSITY: N_("reduced intensity"),
    Action.ACTIVE_RECOVERY: N_("active recovery"),
    Action.REST: N_("rest"),
}

# The command menu: (command, description); the descriptions are registered per language with t(description).
COMMANDS = [
    ("today", N_("How should I train today? Today's session")),
    ("plan", N_("Your training plan: this week and next")),
    ("workout", N_("A session as a file: /workout [day] [fit|zwo|erg|mrc]")),
    ("nextweek", N_("Next week's sessions: accept them or make it easier")),
    ("brief", N_("Today's morning brief; /brief off, on or 07:30")),
    ("settings", N_("Show or change your settings")),
    ("demo", N_("Load a demo athlete's 180 days")),
    ("week", N_("This week's training report")),
    ("race", N_("Add a race: /race <name> <YYYY-MM-DD> [A|B|C] [km]")),
    ("races", N_("Your races: change priority or delete")),
    ("report", N_("A report on your question")),
    ("fitness", N_("Fitness, fatigue and form chart")),
    ("hrv", N_("HRV and resting HR chart")),
    ("curve", N_("Power curve")),
    ("planchart", N_("Your plan's fitness and form to race day, and the actual")),
    ("connect", N_("Connect WHOOP, Strava, Intervals.icu or Oura")),
    ("status", N_("Your connections and their last sync")),
    ("sync", N_("Fetch new data from your connections now")),
    ("disconnect", N_("Disconnect a service: /disconnect <name>")),
    ("help", N_("What I can do")),
    ("start", N_("Set up, or carry on with setup")),
    ("setup", N_("Run the guided setup again")),
    ("export", N_("Download everything I hold about you")),
    ("deleteme", N_("Delete your account and all your data")),
    ("privacy", N_("What I store, where, and what I share")),
]

# /help's longer word on a command; a command without one is explained by its menu description.
HELP_DETAILS = {
    "today": N_(
        "today's advice from your training load, HRV, resting heart rate and sleep, with the numbers, and "
        "today's session from your plan — adapted to how ready you are — with tomorrow's form"
    ),
    "plan": N_(
        "builds (or shows) your plan to your next A race — or a 12-week block without one: phases, this "
        "week's and next week's sessions in your own watts, heart rate or pace; <code>/plan sync</code> sends the "
        "next 14 days to your Intervals.icu calendar (after a preview) and keeps it in step, <code>/plan stop</code> "
        "ends it"
    ),
    "workout": N_(
        "sends a planned session as a file for your device: <code>/workout</code> (today, FIT for Garmin, "
        "Wahoo, Hammerhead), <code>/workout tomorrow zwo</code> (Zwift), <code>/workout 2026-12-08 mrc</code> or "
        "<code>erg</code> (TrainerRoad and other trainer apps)"
    ),
    "race": N_(
        "adds a race you train for and sends its taper report, e.g. "
        "<code>/race Gran Fondo 2027-05-16 A 120</code> (priority A by default; distance in km optional)"
    ),
    "races": N_("lists your races, with buttons to change a race's priority (A, B, C) or delete it"),
    "settings": N_(
        "your time zone, sport, FTP, heart rates, weight, birth date, sex, power meter, threshold pace, "
        "km or mi, weekly hours, training days, CTL ramp, recovery weeks, brief time and the language I speak "
        "(English, Deutsch, Español, Français); tap one to change it, or type e.g. "
        "<code>/settings days mon 60 wed 90 sat 180</code>"
    ),
    "demo": N_("loads 180 days of a demo athlete into your account, to see what I do before your own data arrives"),
    "start": N_(
        "links this chat to your account and walks you through setup; run it again to finish a setup you left half-way"
    ),
    "setup": N_("runs the guided setup from its first question, any time (your values stay until you change them)"),
    "export": N_("sends a ZIP with everything I hold about you, as JSON and CSV (tokens left out)"),
    "deleteme": N_("deletes your account and everything in it, after you confirm; connected services lose access"),
    "privacy": N_("what I store, where it is kept, and exactly what goes to the AI model"),
}


def _name(first_name: str | None) -> str:
    # Translators: how a greeting names someone whose Telegram name is empty ("Hi there!").
    return esc(first_name or tp("greeting without a name", "there"))


def welcome(first_name: str | None, *, created: bool, offer_setup: bool = False) -> str:
    name = _name(first_name)
    if created:
        return "\n\n".join(
            [
                t("Hi {name}! I'm Coach Watts, your endurance coach.", name=name),
                t(
                    "Each morning I look at your training load, HRV, resting heart rate and sleep, and tell you "
                    "how to train. Ask me <i>how should I train today?</i> any time, or use /today."
                ),
                t("No data yet? Try /demo to load a demo athlete and see what I do."),
            ]
        )
    text = t("Welcome back, {name}. Ask me how to train today, or use /today.", name=name)
    if offer_setup:
        text += "\n\n" + t(
            "Your setup was never finished: /setup walks you through it (a minute; every question can be skipped)."
        )
    return text


def help_text() -> str:
    lines = [t("<b>What I can do</b>")]
    lines += [f"/{name} — {t(HELP_DETAILS[name]) if name in HELP_DETAILS else esc(t(desc))}" for name, desc in COMMANDS]
    lines += [
        "",
        t(
            "You can also just ask: <i>how should I train today?</i>, <i>should I do intervals?</i>, "
            "<i>am I ready for a hard ride?</i>"
        ),
        "",
        t(
            "Settings you can type: {examples}",
            examples=", ".join(f"<code>{esc(s.example)}</code>" for s in SETTINGS.values()),
        ),
    ]
    return "\n".join(lines)


def greeting(first_name: str | None) -> str:
    return t("Hi {name}! Ask me <i>how should I train today?</i>", name=_name(first_name))


def no_data() -> str:
    return "\n\n".join(
        [
            t("I don't have any training or recovery data for you yet, so I can't judge today without guessing."),
            t(
                "What I need: workouts with a training load, and morning HRV, resting heart rate and sleep. "
                "Use /demo to load a demo athlete and see how I work."
            ),
        ]
    )


def _fmt_signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


def _g(value: float) -> str:
    """``7.5`` → ``7.5`` (``7,5`` in German), ``8.0`` → ``8``: as few digits as the value needs."""
    return f"{value:g}".replace(".", get_decimal_symbol(i18n.locale()))


# The morning check-in's words (the brief's buttons and /today say them alike), said with t(...).
FEEL_LABELS = {1: N_("awful"), 2: N_("poor"), 3: N_("okay"), 4: N_("good"), 5: N_("great")}
SORENESS_LABELS = {0: N_("not sore"), 1: N_("a bit sore"), 2: N_("very sore")}


def _label(labels: dict[int, str], key: int) -> str:
    label = labels.get(key)
    return t(label) if label else ""


def _check_in_line(assessment: Assessment) -> str | None:
    """This morning's check-in, said even when a device signal decided the day (it still counted)."""
    c = assessment.check_in
    if c is None or (c.feel is None and c.soreness is None and not c.illness):
        return None
    parts = []
    if c.feel is not None:
        parts.append(t("feel {feel}/5 ({label})", feel=c.feel, label=_label(FEEL_LABELS, c.feel)))
    if c.soreness is not None:
        parts.append(_label(SORENESS_LABELS, c.soreness))
    if c.illness:
        parts.append(t("ill"))
    return t("• Your check-in this morning: {answers}", answers=esc(", ".join(parts)))


def today(assessment: Assessment) -> str:
    s = assessment.suggestion
    if s is None:
        return no_data()
    day = i18n.when(assessment.today, "%a %d %b")
    lines = [
        t("<b>Today ({day}): {advice}</b>", day=day, advice=esc(t(ACTION_HEADLINES[s.action]))),
        "",
        t("Why: {reason}.", reason=esc(s.reason)),
        "",
        t("<b>The numbers</b>"),
    ]
    if (check_in := _check_in_line(assessment)) is not None:
        lines.append(check_in)
    if (form := assessment.form) is not None:
        values = {"ctl": f"{form.ctl:.0f}", "atl": f"{form.atl:.0f}", "tsb": _fmt_signed(form.tsb)}
        if form.warming_up:
            lines.append(
                t(
                    "• Fitness (CTL) {ctl}, fatigue (ATL) {atl}, form (TSB) {tsb} this morning "
                    "(still warming up: under 6 weeks of history)",
                    **values,
                )
            )
        else:
            lines.append(t("• Fitness (CTL) {ctl}, fatigue (ATL) {atl}, form (TSB) {tsb} this morning", **values))
        if form.ramp_per_week is not None:
            lines.append(t("• Fitness ramp {ramp} per week", ramp=_fmt_signed(form.ramp_per_week)))
        if assessment.loads_estimated:
            lines.append(
                tn(
                    "• {n} workout without power or heart rate counted by duration",
                    "• {n} workouts without power or heart rate counted by duration",
                    assessment.loads_estimated,
                )
            )
    if (hrv := assessment.hrv) is not None:
        low, high = hrv.range_rmssd_ms
        hrv_values = {"baseline": f"{hrv.baseline_rmssd_ms:.0f}", "low": f"{low:.0f}", "high": f"{high:.0f}"}
        if hrv.today_rmssd_ms is not None:
            lines.append(
                t(
                    "• HRV (rMSSD): today {today} ms, 7-day average {baseline} ms, normal range {low}–{high} ms",
                    today=format(hrv.today_rmssd_ms, ".0f"),
                    **hrv_values,
                )
            )
        else:
            lines.append(t("• HRV (rMSSD): 7-day average {baseline} ms, normal range {low}–{high} ms", **hrv_values))
    if (rhr := assessment.resting_hr) is not None:
        mean = f"{rhr.mean_60d_bpm:.0f}"
        if rhr.today_bpm is not None:
            lines.append(
                t(
                    "• Resting HR: today {today} bpm, 60-day average {mean} bpm",
                    today=format(rhr.today_bpm, ".0f"),
                    mean=mean,
                )
            )
        else:
            lines.append(t("• Resting HR: 60-day average {mean} bpm", mean=mean))
    if (sleep := assessment.sleep) is not None:
        debt = i18n.number(sleep.debt_7d_h, 1)
        if sleep.last_night_h is not None:
            lines.append(
                t(
                    "• Sleep: {last} h last night, {debt} h short over the last {nights} nights",
                    last=i18n.number(sleep.last_night_h, 1),
                    debt=debt,
                    nights=sleep.nights_counted,
                )
            )
        else:
            lines.append(
                t("• Sleep: {debt} h short over the last {nights} nights", debt=debt, nights=sleep.nights_counted)
            )
    lines += [
        "",
        t("Alternatives: {actions}", actions=esc(", ".join(t(ACTION_NAMES[a]) for a in s.alternatives))),
        t("Confidence: {confidence}", confidence=format(s.confidence, ".0%")),
    ]
    if s.missing:
        lines.append(t("Missing: {missing}", missing=esc("; ".join(s.missing))))
    return "\n".join(lines)


# What /demo fills in an empty profile, said with t(...).
_DEMO_VALUES = {
    "ftp": N_("FTP 250 W"),
    "max_hr": N_("max HR 186 bpm"),
    "weight": N_("weight 71.5 kg"),
    "threshold_pace_s_per_km": N_("threshold pace 4:30/km"),
}


def demo_loaded(result: DemoLoad) -> str:
    filled = ""
    if result.profile_filled:
        values = ", ".join(t(_DEMO_VALUES[f]) for f in result.profile_filled)
        filled = "\n" + t("I also set {values} (change with /settings).", values=values)
    weeks = result.plan_weeks
    if result.race_added and weeks:
        race = t(
            "To train for, I added an A race ten weeks from today (Demo Gran Fondo, 120 km; /races changes it); "
            "your {weeks}-week plan is built — /plan shows it.",
            weeks=weeks,
        )
    elif result.race_added:
        race = t("To train for, I added an A race ten weeks from today (Demo Gran Fondo, 120 km; /races changes it).")
    elif weeks:
        race = t("Your races stay as they were; your {weeks}-week plan is built — /plan shows it.", weeks=weeks)
    else:
        race = t("Your races stay as they were.")
    counts = {"workouts": result.workouts_written, "days": result.days_written}
    if result.already_loaded:
        head = t(
            "The demo athlete was already in your account, so nothing was added twice: I brought its 180 days "
            "up to today ({workouts} workouts and {days} days of HRV, resting HR and sleep).",
            **counts,
        )
    else:
        head = t(
            "Demo athlete loaded: {workouts} workouts and {days} days of HRV, resting HR and sleep over the last "
            "180 days.",
            **counts,
        )
    now = t("Now ask me <i>how should I train today?</i> or use /today for today's session.")
    return f"{head}{filled}\n{race}\n\n{now}"


def training_days(minutes: Sequence[int]) -> str:
    """``[0, 60, 0, 90, 0, 180, 0]`` → ``Tue 60 min, Thu 90 min, Sat 3 h`` (day names in the athlete's language)."""
    return ", ".join(
        f"{i18n.weekday(_A_MONDAY + timedelta(days=day), 'abbreviated')} {duration(m * 60)}"
        for day, m in enumerate(minutes)
        if m > 0
    )


def duration(seconds: int) -> str:
    """``4500`` → ``1 h 15 min``; ``2700`` → ``45 min``; ``7200`` → ``2 h``."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_A_MONDAY = date(2024, 1, 1)


def _plan_default(name: str) -> str:
    """What an unset plan setting means (`coach.availability`), so /settings never shows a bare "not set"."""
    if name == "hours":
        return t("not set ({hours} h by default)", hours=_g(availability.DEFAULT_WEEKLY_HOURS))
    if name == "days":
        return t("not set ({days} by default)", days=training_days(availability.DEFAULT_DAY_MINUTES))
    if name == "ramp":
        return t("not set ({ramp} a week by default)", ramp=_g(availability.DEFAULT_CTL_RAMP))
    if name == "recovery":
        return t("not set ({rhythm} by default)", rhythm=availability.DEFAULT_RECOVERY_RHYTHM)
    return t("not set")


def _yes_no(value: bool) -> str:
    return t("yes") if value else t("no")


def _show_plan_setting(user: User, name: str, value: object) -> str:
    if value is None:
        if name == "powermeter":
            return t(
                "not set ({answer}: {reason})",
                answer=_yes_no(availability.has_power_meter(user)),
                reason=_power_default(user),
            )
        if name == "pace":
            return t("not set (estimated from your runs when there are enough)")
        return _plan_default(name)
    if name == "powermeter":
        return _yes_no(bool(value))
    if name == "pace" and isinstance(value, int):
        return availability.format_pace(value, imperial=user.distance_unit == "mi")  # the athlete's unit
    if name == "days" and isinstance(value, list):
        return training_days(value)
    if name == "hours" and isinstance(value, float):
        return t("{hours} h a week", hours=_g(value))
    if name == "ramp" and isinstance(value, float):
        return t("{ramp} CTL a week", ramp=_g(value))
    return str(value)


def _power_default(user: User) -> str:
    return t("you have an FTP") if user.ftp is not None else t("no FTP set")


# Stored values shown as words (the keys stay English in the database and in what the athlete types).
_VALUE_WORDS = {
    "cycling": N_("cycling"),
    "running": N_("running"),
    "triathlon": N_("triathlon"),
    "other": N_("other"),
    "female": N_("female"),
    "male": N_("male"),
}


def show(user: User, name: str) -> str:
    """One setting's current value, for people."""
    if name == "brief":
        at = user.brief_time.strftime("%H:%M")
        return t("{time} (on)", time=at) if user.brief_enabled else t("{time} (off)", time=at)
    if name == "language":
        if user.language is None:
            following = i18n.LANGUAGE_NAMES[i18n.choose(None, user.telegram_language)]
            return t("as your Telegram app ({language})", language=following)
        return i18n.LANGUAGE_NAMES.get(user.language, user.language)
    value: object = getattr(user, SETTINGS[name].attribute)
    if name in PLAN_SETTING_NAMES:
        return _show_plan_setting(user, name, value)
    if value is None:
        return t("not set")
    if isinstance(value, datetime):
        return value.date().isoformat()
    units = {"ftp": " W", "maxhr": " bpm", "restinghr": " bpm", "lthr": " bpm", "weight": " kg"}
    if isinstance(value, float):
        return f"{_g(value)}{units[name]}"
    if isinstance(value, str) and value in _VALUE_WORDS:
        return t(_VALUE_WORDS[value])
    return f"{value}{units.get(name, '')}"


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


# The overview's names where the setting's own label would read oddly at the start of a line.
_OVERVIEW_NAMES = {"brief": N_("Morning brief"), "timezone": N_("Time zone"), "sport": N_("Sport focus")}


def profile_lines(user: User) -> str:
    lines = []
    for name, spec in SETTINGS.items():
        label = t(_OVERVIEW_NAMES[name]) if name in _OVERVIEW_NAMES else capitalized(t(spec.label))
        lines.append(t("• {label}: {value}", label=esc(label), value=esc(show(user, name))))
    return "\n".join(lines)


def settings(user: User) -> str:
    examples = ", ".join(f"<code>{esc(s.example)}</code>" for s in list(SETTINGS.values())[:3])
    return "\n".join(
        [
            t("<b>Your settings</b>"),
            profile_lines(user),
            "",
            t("Change one with /settings and its buttons, or type e.g. {examples}", examples=examples),
        ]
    )


def setting_saved(label: str, user: User) -> str:
    return t("Saved your {setting}.", setting=esc(t(label))) + "\n\n" + settings(user)


def invalid_setting(error: InvalidValue) -> str:
    return t("Nothing changed: {reason}", reason=invalid_value(error))


def unknown_setting(name: str) -> str:
    names = ", ".join(SETTINGS)
    return t(
        "Nothing changed: I don't know a setting called {name}. The settings are: {names}.",
        name=quote_input(name),
        names=names,
    )


def settings_usage() -> str:
    return t("To change a setting, send its name and value, e.g. <code>/settings ftp 250</code>.")


def private_only() -> str:
    return t("I coach one athlete at a time — please talk to me in a private chat.")


def need_start() -> str:
    return t("Send /start first so I can link this chat to your account.")


def button_expired() -> str:
    return t("This button has expired.")


def apology() -> str:
    return t("Sorry — something went wrong on my side. Please try again in a minute.")


def unknown_command(command: str) -> str:
    return t("I don't know {command}. /help lists what I can do.", command=quote_input(command))
