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

from db.models import PlannedWorkout


@dataclass(frozen=True, slots=True)
class Missed:
    day: date
    title: str
    skipped: bool  # the athlete chose rest (else the day passed with nothing done)


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
        Missed(r.date, r.title, r.status == "skipped")
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
    out = [f"- Sessions done **{c.done} / {c.planned}**" + (f" ({c.partial} partly)" if c.partial else "")]
    out.append(f"- Load done **{c.done_tss:.0f} / {c.planned_tss:.0f} TSS** planned")
    for m in c.missed:
        why = "skipped" if m.skipped else "missed"
        out.append(f"- {why.capitalize()}: {m.title} ({m.day:%a %d %b})")
    if c.ahead:
        out.append(f"- Still to do today: {c.ahead} session{'s' if c.ahead > 1 else ''}")
    return out
