"""What the morning brief and its buttons say: pure functions returning Telegram HTML."""

from __future__ import annotations

from bot import texts
from bot.texts import esc, quote_input
from bot.texts import plan as texts_plan
from coach import i18n
from coach.brief import Brief
from coach.i18n import N_, t
from coach.readiness import Action
from db.models import User

FEEL_LABELS = texts.FEEL_LABELS
SORENESS_LABELS = texts.SORENESS_LABELS
# Button captions by choice (translated where the buttons are made); the keys are the callback's choice.
CHOICE_BUTTONS = {"do_it": N_("✅ Do it"), "easier": N_("🔽 Easier option"), "rest": N_("😴 Rest today")}


def first_upper(text: str) -> str:
    """``rest today`` → ``Rest today`` (the rest of the text as it is: German nouns keep their capitals)."""
    return text[:1].upper() + text[1:]


def morning_brief(brief: Brief) -> str:
    """The brief: a greeting with the local date, what has not arrived, then today's assessment."""
    day = i18n.when(brief.local_date, "%a %d %b")
    lines = [t("☀️ <b>Morning brief — {day}</b>", day=day)]
    if brief.missing:
        lines.append(
            t(
                "Not arrived yet: {missing}. I waited for it; the advice below leaves it out, "
                "and nothing from yesterday is shown as today's.",
                missing=esc(_join([t(item) for item in brief.missing])),
            )
        )
    if brief.check_in is not None and brief.check_in.illness:
        lines.append(t("You told me you feel ill — rest comes first."))
    lines += [
        "",
        texts_plan.today(brief.assessment, brief.plan),
        "",
        t("Tap how today goes, or check in: how do you feel?"),
    ]
    return "\n".join(lines)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return t("{items} and {last}", items=", ".join(items[:-1]), last=items[-1])


def brief_status(user: User) -> str:
    values = {
        "time": user.brief_time.strftime("%H:%M"),
        "timezone": esc(user.timezone),
        "paused": "" if user.active else " " + t("(paused: you had blocked me; writing to me again resumed it)"),
    }
    if user.brief_enabled:
        status = t("Your morning brief is <b>on</b> at {time} ({timezone}){paused}.", **values)
    else:
        status = t("Your morning brief is <b>off</b> at {time} ({timezone}){paused}.", **values)
    return (
        status
        + "\n"
        + t("Change it with <code>/brief off</code>, <code>/brief on</code> or <code>/brief 07:30</code>.")
    )


def brief_saved(user: User) -> str:
    if not user.brief_enabled:
        return t("Morning brief switched <b>off</b>. <code>/brief on</code> brings it back.")
    return t(
        "Morning brief <b>on</b>: every day at {time} your time ({timezone}).",
        time=user.brief_time.strftime("%H:%M"),
        timezone=esc(user.timezone),
    )


def brief_invalid(raw: str) -> str:
    return t(
        "Nothing changed: “{raw}” is not a brief time. Use HH:MM on the 24-hour clock "
        "(00:00–23:59), e.g. <code>/brief 07:30</code> — or <code>/brief on</code> / <code>/brief off</code>.",
        raw=quote_input(raw),
    )


EASIER = {
    Action.PROCEED: Action.MODIFY,
    Action.MODIFY: Action.REDUCE_INTENSITY,
    Action.REDUCE_INTENSITY: Action.ACTIVE_RECOVERY,
    Action.ACTIVE_RECOVERY: Action.REST,
    Action.REST: Action.REST,
}


def easier_headline(action: Action | None) -> str:
    """The next easier option than today's suggestion (active recovery when there is no suggestion)."""
    easier = EASIER[action] if action is not None else Action.ACTIVE_RECOVERY
    return first_upper(t(texts.ACTION_HEADLINES[easier]))


def choice_noted(choice: str, headline: str | None) -> str:
    if choice == "do_it":
        return t("👍 Noted: you're doing today's session. Have a good one.")
    if choice == "easier":
        if headline:
            return t("🔽 Noted: an easier day. The easier option: {option}.", option=esc(headline))
        return t("🔽 Noted: an easier day.")
    return t("😴 Noted: rest today. Recovery is training too.")


def ask_feel() -> str:
    return t("How do you feel this morning? 1 = awful, 5 = great.")


def ask_soreness(feel: int) -> str:
    return t("Feeling {feel}/5 ({label}), noted. Any muscle soreness?", feel=feel, label=t(FEEL_LABELS[feel]))


def ask_illness() -> str:
    return t("Last one: are you feeling ill (fever, sore throat, chest cold)?")


def check_in_done(feel: int | None, soreness: int | None, illness: bool, headline: str | None) -> str:
    parts = []
    if feel is not None:
        parts.append(t("feel {feel}/5", feel=feel))
    if soreness is not None:
        parts.append(t(SORENESS_LABELS[soreness]))
    parts.append(t("ill") if illness else t("not ill"))
    lines = [t("Thanks — check-in saved ({answers}).", answers=esc(", ".join(parts)))]
    if headline:
        lines += ["", t("With that, today: <b>{headline}</b>.", headline=esc(headline))]
    if illness:
        lines.append(t("Illness always means rest: no training until the symptoms are gone."))
    return "\n".join(lines)


CHECK_IN_BUTTON = N_("📝 Check in: how do you feel?")
ILLNESS_BUTTONS = {False: N_("No, I'm well"), True: N_("Yes, I feel ill")}
