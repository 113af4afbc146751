"""What /workout says: the document's caption and the sentences for what cannot be sent."""

from __future__ import annotations

from datetime import date

from bot.texts import duration, esc
from coach.workouts.render import FileFormat

USAGE = (
    "Ask for a day and a format, e.g. <code>/workout</code> (today, FIT), <code>/workout tomorrow zwo</code> or "
    "<code>/workout 2026-12-08 mrc</code>. Days: YYYY-MM-DD, today, tomorrow; formats: fit, zwo, erg, mrc."
)

WHERE = {
    FileFormat.FIT: "Garmin: copy it to GARMIN/NewFiles on the device; Wahoo, Hammerhead: import it in their app.",
    FileFormat.ZWO: "Zwift: put it in Documents/Zwift/Workouts/&lt;your Zwift ID&gt;/ on your computer.",
    FileFormat.ERG: "TrainerRoad, Wahoo SYSTM, GoldenCheetah: import it (watts for your FTP with me).",
    FileFormat.MRC: "TrainerRoad, Wahoo SYSTM, GoldenCheetah: import it (percent of the app's FTP).",
}


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def caption(title: str, day: date, duration_s: int, fmt: FileFormat) -> str:
    return f"<b>{esc(title)}</b> — {_day(day)}, {duration(duration_s)}.\n{WHERE[fmt]}"


def no_session(day: date) -> str:
    return f"There is no session planned for {_day(day)}. /plan shows the days ahead."


def bad_request(word: str) -> str:
    return f"“{esc(word)}” is neither a day nor a file format. {USAGE}"


def unavailable(sentence: str) -> str:
    return esc(sentence)
