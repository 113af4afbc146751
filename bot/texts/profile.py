"""What the bot says in the guided setup, in /settings, and about the athlete's data (export, delete, privacy).

Pure functions returning Telegram HTML; every value from data or from the user passes through `esc`.
"""

from __future__ import annotations

from bot.texts import capitalized, esc, invalid_value, profile_lines, quote_input
from coach import i18n
from coach.i18n import N_, t
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

# The short names on the /settings buttons, said with t(...).
BUTTON_LABELS = {
    "timezone": N_("Time zone"),
    "sport": N_("Sport"),
    "ftp": N_("FTP"),
    "maxhr": N_("Max HR"),
    "restinghr": N_("Resting HR"),
    "lthr": N_("Threshold HR"),
    "weight": N_("Weight"),
    "dob": N_("Birth date"),
    "sex": N_("Sex"),
    "powermeter": N_("Power meter"),
    "pace": N_("Threshold pace"),
    "units": N_("km / mi"),
    "hours": N_("Weekly hours"),
    "days": N_("Training days"),
    "ramp": N_("CTL ramp"),
    "recovery": N_("Recovery weeks"),
    "brief": N_("Brief time"),
    "language": N_("Language"),
}

# Button captions, said with t(...).
SKIP = N_("Skip")
FINISH_LATER = N_("Finish later")
CANCEL = N_("Cancel")
REMOVE = N_("Remove")
SHARE_LOCATION = N_("📍 Share my location")
CITY_OR_TIME_ZONE = N_("City or time zone")


def _questions() -> dict[str, str]:
    return {
        "timezone": "\n".join(
            [
                t("<b>Where are you?</b> I count your days and send your morning brief in your local time."),
                t(
                    "Tap <i>Share my location</i> (I only use it to find your time zone and don't keep it), or type "
                    "your city, country or time zone — e.g. <i>Munich</i>, <i>Portugal</i> or <i>America/New_York</i>."
                ),
            ]
        ),
        "sport": t("<b>What do you mainly train for?</b>"),
        "ftp": t(
            "<b>Your FTP</b> (functional threshold power) in watts, e.g. <code>250</code>. It sets your power "
            "zones and the training load of rides ({low}–{high} W).",
            low=FTP_RANGE_W[0] + 1,
            high=FTP_RANGE_W[1] - 1,
        ),
        "maxhr": t(
            "<b>Your maximum heart rate</b> in bpm, e.g. <code>186</code>: the highest you have seen at the end of "
            "an all-out effort ({low}–{high} bpm).",
            low=MAX_HR_RANGE_BPM[0],
            high=MAX_HR_RANGE_BPM[1],
        ),
        "restinghr": t(
            "<b>Your resting heart rate</b> in bpm, e.g. <code>48</code>, measured lying down just after waking "
            "({low}–{high} bpm).",
            low=RESTING_HR_RANGE_BPM[0],
            high=RESTING_HR_RANGE_BPM[1],
        ),
        "lthr": t(
            "<b>Your threshold heart rate (LTHR)</b> in bpm, e.g. <code>170</code>: your average over a hard "
            "30–60 minute effort ({low}–{high} bpm). It sets the load of sessions without power.",
            low=LTHR_RANGE_BPM[0],
            high=LTHR_RANGE_BPM[1],
        ),
        "weight": t(
            "<b>Your weight</b> in kg, e.g. <code>71.5</code>, for watts per kilo "
            "(more than {low} and less than {high} kg).",
            low=format(WEIGHT_RANGE_KG[0], "g"),
            high=format(WEIGHT_RANGE_KG[1], "g"),
        ),
        "dob": t(
            "<b>Your date of birth</b>, e.g. <code>1990-04-17</code>, for age-graded numbers (ages {low}–{high}).",
            low=AGE_RANGE_YEARS[0],
            high=AGE_RANGE_YEARS[1],
        ),
        "sex": t("<b>Your sex</b>, used only for the heart-rate load constants. Optional."),
        "powermeter": t(
            "<b>Do you ride with a power meter or a smart trainer?</b> With one (and an FTP) your sessions come in "
            "watts; without, in heart rate."
        ),
        "pace": t(
            "<b>Runners: your threshold pace</b> per km, e.g. <code>4:30</code> — about your best pace for an hour "
            "({low}:00–{high}:00 per km; <code>7:15/mi</code> works too).",
            low=THRESHOLD_PACE_RANGE_S_PER_KM[0] // 60,
            high=THRESHOLD_PACE_RANGE_S_PER_KM[1] // 60,
        ),
        "units": t("<b>Kilometres or miles?</b> For paces and distances."),
        "hours": t(
            "<b>How many hours a week can you train?</b> Tap or type a number, e.g. <code>7.5</code> "
            "({low}–{high} h). Your plan never asks for more.",
            low=format(WEEKLY_HOURS_RANGE[0], "g"),
            high=format(WEEKLY_HOURS_RANGE[1], "g"),
        ),
        "days": t(
            "<b>Which days can you train, and for how long at most?</b> Type each day with its longest session, "
            "e.g. <code>mon 60 wed 90 sat 3h</code> (minutes, or hours with h; {low} min to {high} h), or tap a "
            "common week. Days you leave out are rest days; the long sessions go on the days with the most time.",
            low=SESSION_MINUTES_RANGE[0],
            high=SESSION_MINUTES_RANGE[1] // 60,
        ),
        "ramp": t(
            "<b>How fast may your fitness build?</b> The CTL ramp in points a week, "
            "{low} (cautious) to {high} (ambitious).",
            low=format(CTL_RAMP_RANGE[0], "g"),
            high=format(CTL_RAMP_RANGE[1], "g"),
        ),
        "recovery": t(
            "<b>How often an easier week?</b> 3:1 is three weeks of building and one of recovery; 2:1 recovers "
            "every third week (good for masters athletes or a busy life)."
        ),
        "brief": t(
            "<b>When should your morning brief arrive?</b> Tap a time or type one like <code>06:45</code> "
            "(your local time; 07:00 unless you choose)."
        ),
        "language": t(
            "<b>Which language should I speak?</b> Tap one, or type its name or code, e.g. "
            "<code>/settings language de</code>. Without a choice I speak the language of your Telegram app "
            "(if I know it; English otherwise)."
        ),
    }


# What not knowing a value means, said with the buttons each flow shows: setup has Skip; /settings has
# Remove (when a value is set) and Cancel, so "Skip" there would name a button that is not on screen.
IF_UNKNOWN_IN_SETUP = {
    "ftp": N_("No power meter, or don't know it? Skip."),
    "restinghr": N_("Skip if you don't know: a connected watch tells me every morning."),
    "lthr": N_("Skip if you don't know."),
    "pace": N_("Skip it and I estimate it from your runs."),
}
IF_UNKNOWN_IN_SETTINGS = {
    "ftp": N_("No power meter, or don't know it? Tap Remove and I go by heart rate."),
    "restinghr": N_("Don't know it? Tap Remove: a connected watch tells me every morning."),
    "lthr": N_("Don't know it? Tap Remove."),
    "pace": N_("Tap Remove and I estimate it from your runs."),
    "language": N_("Tap Remove to follow your Telegram app's language again."),
}


def question(step: str, *, onboarding: bool, current: str | None = None, removable: bool = False) -> str:
    """The question of one step; ``removable``: /settings shows a Remove button (a value is set)."""
    text = _questions()[step]
    if onboarding:
        number = ONBOARDING_STEPS.index(step) + 1
        hint = f" {t(IF_UNKNOWN_IN_SETUP[step])}" if step in IF_UNKNOWN_IN_SETUP else ""
        progress = t("<i>Setup {number}/{total}</i>", number=number, total=len(ONBOARDING_STEPS))
        return f"{progress}\n{text}{hint}"
    hint = f" {t(IF_UNKNOWN_IN_SETTINGS[step])}" if removable and step in IF_UNKNOWN_IN_SETTINGS else ""
    now = "\n" + t("Now: {value}.", value=esc(current)) if current is not None else ""
    return f"{text}{hint}{now}"


def typed_answer_hint(step: str, *, onboarding: bool) -> str:
    if step == "timezone":
        if onboarding:
            return t("Type a city or time zone, share your location, or type <i>skip</i>.")
        return t("Type a city or time zone, share your location, or tap Cancel.")
    return t("Send the value, or type <i>skip</i>.") if onboarding else t("Send the value, or tap Cancel.")


def setup_again() -> str:
    return t(
        "Let's go through your setup. Every question can be skipped, and your current values stay until you "
        "change them."
    )


def _name(first_name: str | None) -> str:
    return esc(first_name or i18n.tp("greeting without a name", "there"))


def welcome(first_name: str | None) -> str:
    return "\n\n".join(
        [
            t("Hi {name}! I'm Coach Watts, your endurance coach.", name=_name(first_name)),
            t(
                "Each morning I look at your training load, HRV, resting heart rate and sleep, and tell you how to "
                "train. Let's set you up: a few quick questions, each one skippable, all changeable later with "
                "/settings."
            ),
        ]
    )


def welcome_back_resume(first_name: str | None) -> str:
    return t("Welcome back, {name}. Let's finish setting you up where we left off.", name=_name(first_name))


def setup_paused() -> str:
    return t("Setup paused. Send /start to carry on, or change any value with /settings.")


def setup_done(user: User) -> str:
    return "\n\n".join(
        [
            t("<b>All set.</b>"),
            profile_lines(user),
            t(
                "Ask me <i>how should I train today?</i> any time, or use /today. No data yet? /demo loads a demo "
                "athlete. /help lists everything."
            ),
        ]
    )


def saved(label: str, value: str) -> str:
    return t("✓ {setting}: {value}", setting=esc(capitalized(t(label))), value=esc(value))


def skipped(label: str) -> str:
    return t("– {setting}: skipped", setting=esc(capitalized(t(label))))


def plan_rebuilt() -> str:
    return t("↻ Your plan is rebuilt from today with it (/plan shows it).")


def unchanged() -> str:
    return t("Nothing changed.")


def timezone_from_location(zone: str) -> str:
    return t("✓ Time zone: {zone} (from your location, which I did not keep).", zone=esc(zone))


def timezone_found(place: Place) -> str:
    if place.label != place.zone:
        return t("✓ Time zone: {zone} ({place})", zone=esc(place.zone), place=esc(place.label))
    return t("✓ Time zone: {zone}", zone=esc(place.zone))


def place_not_found(err: PlaceNotFound) -> str:
    typed = quote_input(err.value)
    if err.why is Why.SMALL_PLACE and err.suggestions:
        place = err.suggestions[0]
        return t(
            "The only <i>{typed}</i> I know is {place}, on {zone} time — I haven't saved it. "
            "Tap it if that's you, or type the nearest big city or your country.",
            typed=typed,
            place=esc(place.label),
            zone=esc(place.zone),
        )
    if err.why is Why.AMBIGUOUS and err.suggestions:
        return t("There is more than one <i>{typed}</i>, in different time zones. Which one is yours?", typed=typed)
    if err.suggestions:
        return t(
            "I couldn't find <i>{typed}</i> exactly. Did you mean one of these? Or type another city.", typed=typed
        )
    return t(
        "I couldn't find <i>{typed}</i>. Try the nearest big city, your country, or a time zone such as "
        "<code>Europe/Berlin</code> — or share your location.",
        typed=typed,
    )


def suggestion_label(place: Place) -> str:
    return (
        place.zone if place.label == place.zone or place.label.endswith(place.zone) else f"{place.label} — {place.zone}"
    )


def invalid_answer(error: InvalidValue, *, onboarding: bool) -> str:
    if onboarding:
        return t("Nothing saved: {reason} Try again, or type <i>skip</i>.", reason=invalid_value(error))
    return t("Nothing saved: {reason} Try again, or tap Cancel.", reason=invalid_value(error))


def settings_menu(user: User) -> str:
    return "\n".join(
        [
            t("<b>Your settings</b>"),
            profile_lines(user),
            "",
            t("Tap one to change it, or type e.g. <code>/settings ftp 250</code>."),
        ]
    )


# --------------------------------------------------------------------------- data rights


def export_caption(tables: int, rows: int) -> str:
    return t(
        "Everything I hold about you: {rows} rows from {tables} tables, each as JSON and CSV. "
        "Tokens and other secrets are left out.",
        rows=rows,
        tables=tables,
    )


def export_too_big(size_mb: float) -> str:
    return t(
        "Your export is {size} MB, over Telegram's 50 MB limit for bots, so I can't send it here. "
        "Please contact the operator of this bot.",
        size=format(size_mb, ".0f"),
    )


def delete_confirm() -> str:
    return "\n\n".join(
        [
            t("<b>Delete your account?</b>"),
            t(
                "This deletes your profile, workouts, daily metrics, reports and connections, revokes my access at "
                "connected services, and cannot be undone. Want a copy first? Use /export."
            ),
        ]
    )


DELETE_BUTTON = N_("Delete everything")
KEEP_BUTTON = N_("Keep my account")


def deleted(unrevoked: list[str]) -> str:
    parts = [t("Done: your account and everything I held about you are deleted.")]
    if unrevoked:
        names = ", ".join(esc(p) for p in unrevoked)
        parts.append(
            t(
                "I couldn't reach {services} to revoke my access; your tokens are deleted here anyway. To be sure, "
                "remove Coach Watts in that service's settings.",
                services=names,
            )
        )
    parts.append(t("If you write to me again, I'll start afresh with an empty account."))
    return "\n\n".join(parts)


def delete_kept() -> str:
    return t("Nothing deleted. Your account stays as it is.")


def privacy() -> str:
    return "\n\n".join(
        [
            t("<b>Privacy</b>"),
            t(
                "<b>What I store</b>: your Telegram user id and chat id (to know it's you and where to write), the "
                "name Telegram shows me, your settings (time zone, sport, FTP, heart rates, weight, date of birth, "
                "sex, availability for training, brief time), your races and training plan, workouts and daily "
                "recovery data (HRV, resting HR, sleep) from files you send and services you connect, the reports and "
                "briefs I write, your check-in answers, your recent questions to me and my answers, and the state of "
                "open questions and buttons. Tokens of connected services are stored encrypted. With /plan sync on, "
                "your planned sessions are written to your Intervals.icu calendar, and I keep a copy of what I wrote."
            ),
            t("<b>Where</b>: in the PostgreSQL database of this bot's operator. Nothing is sold or shared."),
            t(
                "<b>What goes to Gemini</b> (Google's AI, only when you ask a free-text question): your question and "
                "our last few messages, and what my coaching tools return — your training settings (FTP, heart "
                "rates, weight, sport), training load, fitness and fatigue, HRV, resting HR, sleep, workout summaries "
                "(date, type, title, duration, power, heart rate), your races and your plan's sessions. Never your "
                "name, e-mail, date of birth, tokens or Telegram ids."
            ),
            t(
                "<b>Your rights</b>: /export sends you a ZIP of everything I hold about you; /deleteme deletes it all "
                "and revokes my access at connected services. I keep your data until you delete it."
            ),
        ]
    )
