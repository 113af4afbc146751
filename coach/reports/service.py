"""Reports as units of work: created PENDING, claimed under a lease, built, then COMPLETED or FAILED.

The state lives in PostgreSQL ("Report" and its "ReportRequest"), so a report survives the process that
started it: if the process dies, the lease lapses and the next process to look (at start, or its periodic
sweep) claims the report with ``FOR UPDATE SKIP LOCKED`` — two processes never both take it — and finishes it.
Building is deterministic from the rules and the stored numbers; a `Narrator` can add prose on top.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coach.i18n import t
from coach.reports import custom, race, weekly
from coach.reports.content import Narrator, Progress, ReportContent
from coach.reports.kinds import OPEN_STATUSES, ReportStatus, ReportType
from coach.reports.requests import RaceRequest
from db.models import Report, ReportRequest, User
from db.repositories import reports

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Claimed:
    report_id: str
    user_id: str
    type: ReportType
    chat_id: int
    progress_message_id: int | None
    params: dict[str, Any]
    attempts: int


async def create(
    session: AsyncSession,
    user: User,
    *,
    type: ReportType,
    chat_id: int,
    params: dict[str, Any],
    now: datetime,
    lease: timedelta = LEASE,
) -> Report:
    """A PENDING report and its request; the creator holds the first lease and should claim it at once."""
    if type is ReportType.WEEKLY_ANALYSIS:
        start, end = weekly.date_range(user, now=now)
    elif type is ReportType.RACE_PREP:
        start, end = race.date_range(user, RaceRequest.from_json(params["race"]), now=now)
    else:
        start, end = custom.date_range(user, now=now)
    report = await reports.add(
        session, user_id=user.id, type=type.value, status=ReportStatus.PENDING, start=start, end=end
    )
    await reports.add_request(session, report_id=report.id, chat_id=chat_id, params=params, lease=lease)
    return report


def _claimed(report: Report, request: ReportRequest) -> Claimed:
    return Claimed(
        report_id=report.id,
        user_id=report.user_id,
        type=ReportType(report.type),
        chat_id=request.chat_id,
        progress_message_id=request.progress_message_id,
        params=dict(request.params),
        attempts=request.attempts,
    )


async def claim(session: AsyncSession, *, report_id: str, lease: timedelta = LEASE) -> Claimed | None:
    """PENDING/PROCESSING → PROCESSING under a fresh lease, or ``None`` if someone else holds it or it is done."""
    row = await reports.claim(
        session, report_id=report_id, statuses=list(OPEN_STATUSES), lease=lease, fresh_status=ReportStatus.PROCESSING
    )
    return None if row is None else _claimed(*row)


async def lapsed(session: AsyncSession, *, limit: int = 20) -> list[str]:
    return await reports.lapsed(session, statuses=list(OPEN_STATUSES), limit=limit)


async def build(
    session: AsyncSession,
    user: User,
    job: Claimed,
    *,
    now: datetime,
    band_sd: float,
    progress: Progress,
    narrator: Narrator | None = None,
) -> ReportContent:
    """The report's content from the rules; a narrator, when given, adds a section and never replaces one."""
    if job.type is ReportType.WEEKLY_ANALYSIS:
        content = await weekly.build(session, user, now=now, band_sd=band_sd, progress=progress)
    elif job.type is ReportType.RACE_PREP:
        race_request = RaceRequest.from_json(job.params["race"])
        content = await race.build(session, user, race_request, now=now, band_sd=band_sd, progress=progress)
    elif job.type is ReportType.CUSTOM:
        # The question is the narrator's to answer; the rules supply the numbers around it.
        question = str(job.params.get("question") or "")
        return await custom.build(
            session, user, question, now=now, band_sd=band_sd, progress=progress, narrator=narrator
        )
    else:
        raise ValueError(f"report type {job.type} is not built here")
    if narrator is None:
        return content
    await progress(t("Writing the coach's notes"))
    prose = await narrator.narrate(kind=job.type, facts=content.facts, rules_markdown=content.markdown, question=None)
    if not prose:
        return content
    return ReportContent(
        markdown=content.markdown.rstrip("\n") + "\n\n## " + t("Coach's notes") + "\n\n" + prose.strip() + "\n",
        facts=content.facts,
        chart=content.chart,
        chart_caption=content.chart_caption,
        model_version=narrator.model_version,
    )


async def complete(session: AsyncSession, *, report_id: str, content: ReportContent) -> None:
    found = await reports.get_with_request(session, report_id=report_id)
    assert found is not None
    report, request = found
    report.status = ReportStatus.COMPLETED
    report.markdown = content.markdown
    report.suggestions = content.facts
    report.model_version = content.model_version
    request.delivered_at = await reports.db_now(session)
    await session.flush()


async def fail(session: AsyncSession, *, report_id: str, error: str) -> None:
    found = await reports.get_with_request(session, report_id=report_id)
    if found is None:
        return
    report, request = found
    report.status = ReportStatus.FAILED
    request.last_error = error[:500]
    await session.flush()


async def heartbeat(session: AsyncSession, *, report_id: str, lease: timedelta = LEASE) -> None:
    await reports.extend_lease(session, report_id=report_id, lease=lease)


async def set_progress_message(session: AsyncSession, *, report_id: str, message_id: int) -> None:
    await reports.set_progress_message(session, report_id=report_id, message_id=message_id)


async def open_report(session: AsyncSession, *, user_id: str) -> Report | None:
    return await reports.open_for_user(session, user_id=user_id, statuses=list(OPEN_STATUSES))
