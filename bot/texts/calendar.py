"""What the Intervals.icu calendar sync says: the preview, the confirmation, stopping, and failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.texts import duration, esc
from coach import i18n
from coach.calendar_events import WINDOW_DAYS, PlannedEvent
from coach.i18n import N_, t, tn

CONFIRM = N_("Write them to my calendar")
REMOVE = N_("Remove what Coach Watts wrote")
KEEP = N_("Keep them")
# Stored on the connection and logged when Intervals.icu refuses the grant: English, like every stored error;
# /status translates it where it shows it.
REFUSED = N_("Intervals.icu refused to let me write your calendar; please reconnect.")


def offer() -> str:
    """The button under /plan that opens the preview."""
    return t("Send the next {days} days to Intervals.icu", days=WINDOW_DAYS)


def _day(day: date) -> str:
    return i18n.when(day, "%a %-d %b")


def preview(events: Sequence[PlannedEvent], *, first: date, last: date) -> str:
    if not events:
        return t(
            "Your plan has no sessions from {first} to {last}, so there is nothing to write. /plan builds or shows it.",
            first=_day(first),
            last=_day(last),
        )
    lines = [
        t(
            "<b>This goes to your Intervals.icu calendar</b> ({first} – {last}):",
            first=_day(first),
            last=_day(last),
        ),
        "",
    ]
    for event in events:
        lines.append(
            t(
                "{day}: {name} — {duration}, load {load}",
                day=_day(event.day),
                name=esc(event.name),
                duration=duration(event.duration_s),
                load=event.load,
            )
        )
    lines += [
        "",
        t(
            "Each is a structured workout (targets in % of your thresholds), so Intervals.icu sends it on to your "
            "Garmin, Wahoo or Zwift. When the plan changes, I update these events; your own events are never "
            "touched."
        ),
    ]
    return "\n".join(lines)


def not_connected() -> str:
    return t("Connect Intervals.icu first (/connect intervals); then /plan sync sends your sessions to its calendar.")


def needs_reconnect() -> str:
    return t("Intervals.icu no longer accepts my access. Reconnect it with /connect intervals, then try /plan sync.")


def confirmed(written: int | None) -> str:
    if written is None:
        return t("Calendar sync is on: your sessions are on their way to Intervals.icu.")
    return tn(
        "Calendar sync is on: {n} event written to Intervals.icu. I keep them in step with your plan; "
        "/plan stop ends it.",
        "Calendar sync is on: {n} events written to Intervals.icu. I keep them in step with your plan; "
        "/plan stop ends it.",
        written,
    )


def write_failed() -> str:
    return t("Calendar sync is on, but Intervals.icu did not take the sessions yet; I'll keep trying.")


def stopped(was_on: bool) -> str:
    if not was_on:
        return t("Calendar sync is not on. /plan sync starts it.")
    return t("Calendar sync stopped: I won't write to your Intervals.icu calendar any more. Remove what I wrote?")


def removed(count: int) -> str:
    return tn(
        "Removed {n} event I had written. Your own events are as they were.",
        "Removed {n} events I had written. Your own events are as they were.",
        count,
    )


def kept() -> str:
    return t("The events stay on your calendar as they are.")


def remove_failed() -> str:
    return t("Intervals.icu did not let me remove the events just now; they stay as they are, and I write no more.")


def parked() -> str:
    return t(
        "⚠️ I could not update your Intervals.icu calendar after several tries, so it may not match your plan. "
        "I'll try again at the next change of your plan; /plan sync sends it again now."
    )


def usage() -> str:
    return t(
        "“/plan” takes nothing, <code>sync</code> (send the next 14 days to Intervals.icu) or <code>stop</code> "
        "(stop writing to it)."
    )
