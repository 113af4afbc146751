"""What the bot says in the guided setup, in /settings, and about the athlete's data (export, delete, privacy).

Pure functions returning Telegram HTML; every value from data or from the user passes through `esc`.
"""

from __future__ import annotations

from bot.texts import esc, invalid_value, profile_lines, quote_input
from coach.places import Place, Why
from coach.profile import ONBOARDING_STEPS, PlaceNotFound
from db.errors import InvalidValue
from db.models import User
from db.validation import (
    AGE_RANGE_YEARS,
    CTL_RAMP_RANGE,
    FTP_RANGE_W,
    LTHR_RANGE_BPM,
    MAX_HR_RANGE_BPM,
    RESTING_HR_RANGE_BPM,
    SESSION_MINUTES_RANGE,
    THRESHOLD_PACE_RANGE_S_PER_KM,
    WEEKLY_HOURS_RANGE,
    WEIGHT_RANGE_KG,
)

# The short names on the /settings buttons.
BUTTON_LABELS = {
    "timezone": "Time zone",
    "sport": "Sport",
    "ftp": "FTP",
    "maxhr": "Max HR",
    "restinghr": "Resting HR",
    "lthr": "Threshold HR",
    "weight": "Weight",
    "dob": "Birth date",
    "sex": "Sex",
    "powermeter": "Power meter",
    "pace": "Threshold pace",
    "units": "km / mi",
    "hours": "Weekly hours",
    "days": "Training days",
    "ramp": "CTL ramp",
    "recovery": "Recovery weeks",
    "brief": "Brief time",
}

SKIP = "Skip"
FINISH_LATER = "Finish later"
CANCEL = "Cancel"
REMOVE = "Remove"
SHARE_LOCATION = "📍 Share my location"

QUESTIONS = {
    "timezone": (
        "<b>Where are you?</b> I count your days and send your morning brief in your local time.\n"
        "Tap <i>Share my location</i> (I only use it to find your time zone and don't keep it), or type your "
        "city, country or time zone — e.g. <i>Munich</i>, <i>Portugal</i> or <i>America/New_York</i>."
    ),
    "sport": "<b>What do you mainly train for?</b>",
    "ftp": (
        "<b>Your FTP</b> (functional threshold power) in watts, e.g. <code>250</code>. It sets your power "
        f"zones and the training load of rides ({FTP_RANGE_W[0] + 1}–{FTP_RANGE_W[1] - 1} W)."
    ),
    "maxhr": (
        "<b>Your maximum heart rate</b> in bpm, e.g. <code>186</code>: the highest you have seen at the end of "
        f"an all-out effort ({MAX_HR_RANGE_BPM[0]}–{MAX_HR_RANGE_BPM[1]} bpm)."
    ),
    "restinghr": (
        "<b>Your resting heart rate</b> in bpm, e.g. <code>48</code>, measured lying down just after waking "
        f"({RESTING_HR_RANGE_BPM[0]}–{RESTING_HR_RANGE_BPM[1]} bpm)."
    ),
    "lthr": (
        "<b>Your threshold heart rate (LTHR)</b> in bpm, e.g. <code>170</code>: your average over a hard "
        f"30–60 minute effort ({LTHR_RANGE_BPM[0]}–{LTHR_RANGE_BPM[1]} bpm). It sets the load of sessions "
        "without power."
    ),
    "weight": (
        f"<b>Your weight</b> in kg, e.g. <code>71.5</code>, for watts per kilo "
        f"(more than {WEIGHT_RANGE_KG[0]:g} and less than {WEIGHT_RANGE_KG[1]:g} kg)."
    ),
    "dob": (
        "<b>Your date of birth</b>, e.g. <code>1990-04-17</code>, for age-graded numbers "
        f"(ages {AGE_RANGE_YEARS[0]}–{AGE_RANGE_YEARS[1]})."
    ),
    "sex": "<b>Your sex</b>, used only for the heart-rate load constants. Optional.",
    "powermeter": (
        "<b>Do you ride with a power meter or a smart trainer?</b> With one (and an FTP) your sessions come in "
        "watts; without, in heart rate."
    ),
    "pace": (
        "<b>Runners: your threshold pace</b> per km, e.g. <code>4:30</code> — about your best pace for an hour "
        f"({THRESHOLD_PACE_RANGE_S_PER_KM[0] // 60}:00–{THRESHOLD_PACE_RANGE_S_PER_KM[1] // 60}:00 per km; "
        "<code>7:15/mi</code> works too)."
    ),
    "units": "<b>Kilometres or miles?</b> For paces and distances.",
    "hours": (
        "<b>How many hours a week can you train?</b> Tap or type a number, e.g. <code>7.5</code> "
        f"({WEEKLY_HOURS_RANGE[0]:g}–{WEEKLY_HOURS_RANGE[1]:g} h). Your plan never asks for more."
    ),
    "days": (
        "<b>Which days can you train, and for how long at most?</b> Type each day with its longest session, e.g. "
        "<code>mon 60 wed 90 sat 3h</code> (minutes, or hours with h; "
        f"{SESSION_MINUTES_RANGE[0]} min to {SESSION_MINUTES_RANGE[1] // 60} h), or tap a common week. "
        "Days you leave out are rest days; the long sessions go on the days with the most time."
    ),
    "ramp": (
        "<b>How fast may your fitness build?</b> The CTL ramp in points a week, "
        f"{CTL_RAMP_RANGE[0]:g} (cautious) to {CTL_RAMP_RANGE[1]:g} (ambitious)."
    ),
    "recovery": (
        "<b>How often an easier week?</b> 3:1 is three weeks of building and one of recovery; 2:1 recovers "
        "every third week (good for masters athletes or a busy life)."
    ),
    "brief": (
        "<b>When should your morning brief arrive?</b> Tap a time or type one like <code>06:45</code> "
        "(your local time; 07:00 unless you choose)."
    ),
}


# What not knowing a value means, said with the buttons each flow shows: setup has Skip; /settings has
# Remove (when a value is set) and Cancel, so "Skip" there would name a button that is not on screen.
IF_UNKNOWN_IN_SETUP = {
    "ftp": "No power meter, or don't know it? Skip.",
    "restinghr": "Skip if you don't know: a connected watch tells me every morning.",
    "lthr": "Skip if you don't know.",
    "pace": "Skip it and I estimate it from your runs.",
}
IF_UNKNOWN_IN_SETTINGS = {
    "ftp": "No power meter, or don't know it? Tap Remove and I go by heart rate.",
    "restinghr": "Don't know it? Tap Remove: a connected watch tells me every morning.",
    "lthr": "Don't know it? Tap Remove.",
    "pace": "Tap Remove and I estimate it from your runs.",
}


def question(step: str, *, onboarding: bool, current: str | None = None, removable: bool = False) -> str:
    """The question of one step; ``removable``: /settings shows a Remove button (a value is set)."""
    text = QUESTIONS[step]
    if onboarding:
        number = ONBOARDING_STEPS.index(step) + 1
        hint = f" {IF_UNKNOWN_IN_SETUP[step]}" if step in IF_UNKNOWN_IN_SETUP else ""
        return f"<i>Setup {number}/{len(ONBOARDING_STEPS)}</i>\n{text}{hint}"
    hint = f" {IF_UNKNOWN_IN_SETTINGS[step]}" if removable and step in IF_UNKNOWN_IN_SETTINGS else ""
    now = f"\nNow: {esc(current)}." if current is not None else ""
    return f"{text}{hint}{now}"


def typed_answer_hint(step: str, *, onboarding: bool) -> str:
    way_out = "type <i>skip</i>" if onboarding else "tap Cancel"
    if step == "timezone":
        return f"Type a city or time zone, share your location, or {way_out}."
    return f"Send the value, or {way_out}."


def setup_again() -> str:
    return (
        "Let's go through your setup. Every question can be skipped, and your current values stay until you "
        "change them."
    )


def welcome(first_name: str | None) -> str:
    name = esc(first_name or "there")
    return (
        f"Hi {name}! I'm Coach Watts, your endurance coach.\n\n"
        "Each morning I look at your training load, HRV, resting heart rate and sleep, and tell you how to "
        "train. Let's set you up: a few quick questions, each one skippable, all changeable later with "
        "/settings."
    )


def welcome_back_resume(first_name: str | None) -> str:
    return f"Welcome back, {esc(first_name or 'there')}. Let's finish setting you up where we left off."


def setup_paused() -> str:
    return "Setup paused. Send /start to carry on, or change any value with /settings."


def setup_done(user: User) -> str:
    return (
        "<b>All set.</b>\n\n"
        + profile_lines(user)
        + "\n\nAsk me <i>how should I train today?</i> any time, or use /today. No data yet? /demo loads a demo "
        "athlete. /help lists everything."
    )


def saved(label: str, value: str) -> str:
    return f"✓ {esc(label[:1].upper() + label[1:])}: {esc(value)}"


def skipped(label: str) -> str:
    return f"– {esc(label[:1].upper() + label[1:])}: skipped"


def plan_rebuilt() -> str:
    return "↻ Your plan is rebuilt from today with it (/plan shows it)."


def unchanged() -> str:
    return "Nothing changed."


def timezone_from_location(zone: str) -> str:
    return f"✓ Time zone: {esc(zone)} (from your location, which I did not keep)."


def timezone_found(place: Place) -> str:
    detail = f" ({esc(place.label)})" if place.label != place.zone else ""
    return f"✓ Time zone: {esc(place.zone)}{detail}"


def place_not_found(err: PlaceNotFound) -> str:
    typed = quote_input(err.value)
    if err.why is Why.SMALL_PLACE and err.suggestions:
        place = err.suggestions[0]
        return (
            f"The only <i>{typed}</i> I know is {esc(place.label)}, on {esc(place.zone)} time — I haven't saved it. "
            "Tap it if that's you, or type the nearest big city or your country."
        )
    if err.why is Why.AMBIGUOUS and err.suggestions:
        return f"There is more than one <i>{typed}</i>, in different time zones. Which one is yours?"
    if err.suggestions:
        return f"I couldn't find <i>{typed}</i> exactly. Did you mean one of these? Or type another city."
    return (
        f"I couldn't find <i>{typed}</i>. Try the nearest big city, your country, or a time zone such as "
        "<code>Europe/Berlin</code> — or share your location."
    )


def suggestion_label(place: Place) -> str:
    return (
        place.zone if place.label == place.zone or place.label.endswith(place.zone) else f"{place.label} — {place.zone}"
    )


def invalid_answer(error: InvalidValue, *, onboarding: bool) -> str:
    way_out = "Try again, or type <i>skip</i>." if onboarding else "Try again, or tap Cancel."
    return f"Nothing saved: {invalid_value(error)} {way_out}"


def settings_menu(user: User) -> str:
    return (
        "<b>Your settings</b>\n"
        + profile_lines(user)
        + "\n\nTap one to change it, or type e.g. <code>/settings ftp 250</code>."
    )


# --------------------------------------------------------------------------- data rights


def export_caption(tables: int, rows: int) -> str:
    return (
        f"Everything I hold about you: {rows} rows from {tables} tables, each as JSON and CSV. "
        "Tokens and other secrets are left out."
    )


def export_too_big(size_mb: float) -> str:
    return (
        f"Your export is {size_mb:.0f} MB, over Telegram's 50 MB limit for bots, so I can't send it here. "
        "Please contact the operator of this bot."
    )


def delete_confirm() -> str:
    return (
        "<b>Delete your account?</b>\n\n"
        "This deletes your profile, workouts, daily metrics, reports and connections, revokes my access at "
        "connected services, and cannot be undone. Want a copy first? Use /export."
    )


DELETE_BUTTON = "Delete everything"
KEEP_BUTTON = "Keep my account"


def deleted(unrevoked: list[str]) -> str:
    note = ""
    if unrevoked:
        names = ", ".join(esc(p) for p in unrevoked)
        note = (
            f"\n\nI couldn't reach {names} to revoke my access; your tokens are deleted here anyway. To be sure, "
            "remove Coach Watts in that service's settings."
        )
    return (
        "Done: your account and everything I held about you are deleted." + note + "\n\n"
        "If you write to me again, I'll start afresh with an empty account."
    )


def delete_kept() -> str:
    return "Nothing deleted. Your account stays as it is."


def privacy() -> str:
    return (
        "<b>Privacy</b>\n\n"
        "<b>What I store</b>: your Telegram user id and chat id (to know it's you and where to write), the name "
        "Telegram shows me, your settings (time zone, sport, FTP, heart rates, weight, date of birth, sex, "
        "availability for training, brief time), your races and training plan, workouts and daily recovery data "
        "(HRV, resting HR, sleep) from files you send and services you connect, the reports and briefs I write, "
        "your check-in answers, your recent questions to me and my answers, and the state of open questions and "
        "buttons. Tokens of connected services are stored encrypted. With /plan sync on, your planned sessions "
        "are written to your Intervals.icu calendar, and I keep a copy of what I wrote.\n\n"
        "<b>Where</b>: in the PostgreSQL database of this bot's operator. Nothing is sold or shared.\n\n"
        "<b>What goes to Gemini</b> (Google's AI, only when you ask a free-text question): your question and "
        "our last few messages, and what my coaching tools return — your training settings (FTP, heart rates, "
        "weight, sport), training load, fitness and fatigue, HRV, resting HR, sleep, workout summaries (date, "
        "type, title, duration, power, heart rate), your races and your plan's sessions. Never your name, e-mail, "
        "date of birth, tokens or Telegram ids.\n\n"
        "<b>Your rights</b>: /export sends you a ZIP of everything I hold about you; /deleteme deletes it all "
        "and revokes my access at connected services. I keep your data until you delete it."
    )
