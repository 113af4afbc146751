"""What the Intervals.icu calendar sync says: the preview, the confirmation, stopping, and failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.texts import duration, esc
from coach.calendar_events import WINDOW_DAYS, PlannedEvent

OFFER = f"Send the next {WINDOW_DAYS} days to Intervals.icu"
CONFIRM = "Write them to my calendar"
REMOVE = "Remove what Coach Watts wrote"
KEEP = "Keep them"
REFUSED = "Intervals.icu refused to let me write your calendar; please reconnect."


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def preview(events: Sequence[PlannedEvent], *, first: date, last: date) -> str:
    if not events:
        return (
            f"Your plan has no sessions from {_day(first)} to {_day(last)}, so there is nothing to write. "
            "/plan builds or shows it."
        )
    lines = [f"<b>This goes to your Intervals.icu calendar</b> ({_day(first)} – {_day(last)}):", ""]
    for event in events:
        lines.append(f"{_day(event.day)}: {esc(event.name)} — {duration(event.duration_s)}, load {event.load}")
    lines += [
        "",
        "Each is a structured workout (targets in % of your thresholds), so Intervals.icu sends it on to your "
        "Garmin, Wahoo or Zwift. When the plan changes, I update these events; your own events are never touched.",
    ]
    return "\n".join(lines)


def not_connected() -> str:
    return "Connect Intervals.icu first (/connect intervals); then /plan sync sends your sessions to its calendar."


def needs_reconnect() -> str:
    return "Intervals.icu no longer accepts my access. Reconnect it with /connect intervals, then try /plan sync."


def confirmed(written: int | None) -> str:
    if written is None:
        return "Calendar sync is on: your sessions are on their way to Intervals.icu."
    return (
        f"Calendar sync is on: {written} event{'s' if written != 1 else ''} written to Intervals.icu. "
        "I keep them in step with your plan; /plan stop ends it."
    )


def write_failed() -> str:
    return "Calendar sync is on, but Intervals.icu did not take the sessions yet; I'll keep trying."


def stopped(was_on: bool) -> str:
    if not was_on:
        return "Calendar sync is not on. /plan sync starts it."
    return "Calendar sync stopped: I won't write to your Intervals.icu calendar any more. Remove what I wrote?"


def removed(count: int) -> str:
    return f"Removed {count} event{'s' if count != 1 else ''} I had written. Your own events are as they were."


def kept() -> str:
    return "The events stay on your calendar as they are."


def remove_failed() -> str:
    return "Intervals.icu did not let me remove the events just now; they stay as they are, and I write no more."


def parked() -> str:
    return (
        "⚠️ I could not update your Intervals.icu calendar after several tries, so it may not match your plan. "
        "I'll try again at the next change of your plan; /plan sync sends it again now."
    )


def usage() -> str:
    return (
        "“/plan” takes nothing, <code>sync</code> (send the next 14 days to Intervals.icu) or <code>stop</code> "
        "(stop writing to it)."
    )
