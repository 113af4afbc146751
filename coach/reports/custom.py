"""A report on the athlete's own question. The rules answer what they can; free-form needs the Gemini coach.

With a narrator its answer leads, followed by the numbers it rests on. Without one (no Gemini key, Gemini
down, or no answer) the report says so plainly, then gives what the rules do
know — today's call and the numbers behind it, and the state of training load — and points to the reports
that answer the common questions. It never pretends to have understood the question.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import history, i18n
from coach.daily import assess_today, local_day_start, local_today
from coach.i18n import t
from coach.reports.content import Narrator, Progress, ReportContent
from coach.reports.kinds import ReportType
from coach.reports.words import action, signed, whole
from db.models import User

CONTEXT_DAYS = 42


async def build(
    session: AsyncSession,
    user: User,
    question: str,
    *,
    now: datetime,
    band_sd: float,
    progress: Progress,
    narrator: Narrator | None = None,
) -> ReportContent:
    """The rules' numbers, and the narrator's answer to the question when there is one."""
    await progress(t("Reading your numbers"))
    assessment = await assess_today(session, user, now=now, band_sd=band_sd)
    loads = await history.load_history(session, user, now=now)
    numbers: list[str] = []
    facts: dict[str, Any] = {"question_chars": len(question)}
    s = assessment.suggestion
    if s is not None:
        numbers.append("- " + t("**Today: {action}** — {reason}", action=action(s.action), reason=s.reason))
        facts["today"] = s.to_json()
    if loads.days:
        last = loads.days[-1]
        numbers.append(
            "- "
            + t(
                "Fitness (CTL) {ctl}, fatigue (ATL) {atl}, form (TSB) {tsb} after {day}",
                ctl=whole(last.ctl),
                atl=whole(last.atl),
                tsb=signed(last.tsb),
                day=i18n.when(last.day, "%d %b"),
            )
        )
        facts["pmc"] = {"ctl": round(last.ctl, 1), "atl": round(last.atl, 1), "tsb": round(last.tsb, 1)}
    if assessment.hrv is not None:
        low, high = assessment.hrv.range_rmssd_ms
        numbers.append(
            "- "
            + t(
                "HRV 7-day mean {mean} ms (normal range {low}–{high} ms)",
                mean=whole(assessment.hrv.baseline_rmssd_ms),
                low=whole(low),
                high=whole(high),
            )
        )
        facts["hrv"] = {"baseline_ms": round(assessment.hrv.baseline_rmssd_ms, 1), "band": assessment.hrv.band.value}
    if s is None and not loads.days:
        numbers.append("- " + t("Nothing yet: I have no training or recovery data for you (try /demo)."))
    answer = None
    if narrator is not None:
        await progress(t("Asking the coach"))
        rules = "\n".join(numbers)
        answer = await narrator.narrate(kind=ReportType.CUSTOM, facts=facts, rules_markdown=rules, question=question)
    lines = ["# " + t("Your question"), "", f"> {question}", ""]
    if answer:
        lines += ["## " + t("Answer"), "", answer.strip(), "", "## " + t("The numbers it rests on"), "", *numbers]
    else:
        lines += [
            "## " + t("What I can say without the Gemini coach"),
            "",
            t(
                "Free-form answers come from the Gemini coach, which is not available right now (it needs a Gemini "
                "API key). The rules coach can tell you this:"
            ),
            "",
            *numbers,
        ]
    lines += [
        "",
        "## " + t("Reports that answer the usual questions"),
        "",
        "- " + t("/week — how the week went and what to change next week"),
        "- " + t("/race — a taper plan for a race date"),
        "- " + t("/fitness, /hrv, /curve — the charts"),
    ]
    return ReportContent(
        markdown="\n".join(lines) + "\n",
        facts=facts,
        model_version=narrator.model_version if answer and narrator is not None else None,
    )


def date_range(user: User, *, now: datetime) -> tuple[datetime, datetime]:
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    return local_day_start(today - timedelta(days=CONTEXT_DAYS), tz), now
