"""Planned against done for a span of days: what `/week` says about the plan.

A session counts as done when an arriving workout was matched to it with at least 80 % of its planned load
(`integrations.sync.plan_match`), partial below that; a session whose day has passed with nothing matched,
or that the athlete skipped, is missed and named. A session still ahead today is neither. The load done is
every counted workout's (one per session, whichever providers sent it), so riding more than planned shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from coach import i18n
from coach.i18n import t, tn
from coach.reports.words import whole
from coach.workouts.library import stored_title_text
from db.models import PlannedWorkout


@dataclass(frozen=True, slots=True)
class Missed:
    day: date
    title: str
    skipped: bool  # the athlete chose rest (else the day passed with nothing done)
    kind: str = ""  # the session's kind: its library title is said in the athlete's language


@dataclass(frozen=True, slots=True)
class Compliance:
    planned: int
    done: int
    partial: int
    missed: tuple[Missed, ...]
    ahead: int  # sessions of today not done yet
    planned_tss: float
    done_tss: float

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions_planned": self.planned,
            "sessions_done": self.done,
            "sessions_partial": self.partial,
            "sessions_missed": [
                {"date": m.day.isoformat(), "title": m.title, "skipped": m.skipped} for m in self.missed
            ],
            "load_planned_tss": round(self.planned_tss, 1),
            "load_done_tss": round(self.done_tss, 1),
        }


def compliance(rows: Sequence[PlannedWorkout], *, today: date, done_tss: float) -> Compliance | None:
    """``rows``: the span's visible sessions (replaced originals left out); ``None`` without any."""
    if not rows:
        return None
    missed = tuple(
        Missed(r.date, r.title, r.status == "skipped", r.kind)
        for r in rows
        if r.status in ("missed", "skipped") or (r.status == "planned" and r.date < today)
    )
    return Compliance(
        planned=len(rows),
        done=sum(1 for r in rows if r.status == "done"),
        partial=sum(1 for r in rows if r.status == "partial"),
        missed=missed,
        ahead=sum(1 for r in rows if r.status == "planned" and r.date >= today),
        planned_tss=sum(r.planned_tss for r in rows),
        done_tss=done_tss,
    )


def lines(c: Compliance) -> list[str]:
    """The report's "Plan" section, one bullet a line."""
    if c.partial:
        done = t(
            "Sessions done **{done} / {planned}** ({partial} partly)", done=c.done, planned=c.planned, partial=c.partial
        )
    else:
        done = t("Sessions done **{done} / {planned}**", done=c.done, planned=c.planned)
    out = [f"- {done}"]
    out.append(
        "- "
        + t(
            "Load done **{done} / {planned} TSS** planned",
            done=whole(c.done_tss),
            planned=whole(c.planned_tss),
        )
    )
    for m in c.missed:
        day = i18n.when(m.day, "%a %d %b")
        if m.skipped:
            out.append("- " + t("Skipped: {title} ({day})", title=stored_title_text(m.title, m.kind), day=day))
        else:
            out.append("- " + t("Missed: {title} ({day})", title=stored_title_text(m.title, m.kind), day=day))
    if c.ahead:
        out.append("- " + tn("Still to do today: {n} session", "Still to do today: {n} sessions", c.ahead))
    return out
