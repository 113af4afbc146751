"""What /workout says: the document's caption and the sentences for what cannot be sent."""

from __future__ import annotations

from datetime import date

from bot.texts import duration, esc
from coach import i18n
from coach.i18n import N_, t
from coach.workouts.render import FileFormat

USAGE = N_(
    "Ask for a day and a format, e.g. <code>/workout</code> (today, FIT), <code>/workout tomorrow zwo</code> or "
    "<code>/workout 2026-12-08 mrc</code>. Days: YYYY-MM-DD, today, tomorrow; formats: fit, zwo, erg, mrc."
)

WHERE = {
    FileFormat.FIT: N_("Garmin: copy it to GARMIN/NewFiles on the device; Wahoo, Hammerhead: import it in their app."),
    FileFormat.ZWO: N_("Zwift: put it in Documents/Zwift/Workouts/&lt;your Zwift ID&gt;/ on your computer."),
    FileFormat.ERG: N_("TrainerRoad, Wahoo SYSTM, GoldenCheetah: import it (watts for your FTP with me)."),
    FileFormat.MRC: N_("TrainerRoad, Wahoo SYSTM, GoldenCheetah: import it (percent of the app's FTP)."),
}


def _day(day: date) -> str:
    return i18n.when(day, "%A %-d %B")


def caption(title: str, day: date, duration_s: int, fmt: FileFormat) -> str:
    head = t("<b>{title}</b> — {day}, {duration}.", title=esc(title), day=_day(day), duration=duration(duration_s))
    return f"{head}\n{t(WHERE[fmt])}"


def no_session(day: date) -> str:
    return t("There is no session planned for {day}. /plan shows the days ahead.", day=_day(day))


def bad_request(word: str) -> str:
    return t("“{word}” is neither a day nor a file format. {usage}", word=esc(word), usage=t(USAGE))


def unavailable(sentence: str) -> str:
    return esc(sentence)
