"""Reports as units of work: created PENDING with a job of the queue, built, then COMPLETED or FAILED.

The state lives in PostgreSQL: the product's record in "Report" and its "ReportRequest" (the chat, the
progress message, when it was delivered), the work in a ``report.build`` job of the durable job queue
("Job", `db.repositories.jobs`) keyed by the report's id and enqueued in the same transaction as the report.
The queue's lease and retries make a report survive the process that started it: if the process dies, the
lease lapses and another process takes the job and finishes the report. Building is deterministic from the
rules and the stored numbers; a `Narrator` can add prose on top.
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
from db.models import Report, User
from db.repositories import jobs, reports

logger = logging.getLogger(__name__)

KIND = "report.build"
# Attempts at building a report; the job has one more, which only tells the athlete it failed (reached when
# each of these stopped with its process, so none could say so).
MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=5)
# How long a new report's job waits for its creator to show the progress message before any process may
# take it (the creator makes it due at once when the message is out; this covers a creator that died).
HOLD = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Started:
    """A report an attempt is working on."""

    report_id: str
    user_id: str
    type: ReportType
    chat_id: int
    progress_message_id: int | None
    params: dict[str, Any]
    # Why the previous attempt failed; None on a first attempt, or when the previous one stopped with its process.
    previous_error: str | None


async def create(
    session: AsyncSession,
    user: User,
    *,
    type: ReportType,
    chat_id: int,
    params: dict[str, Any],
    now: datetime,
    hold: timedelta = HOLD,
) -> Report:
    """A PENDING report, its request and its job (in the caller's transaction). The job is due after ``hold``:
    the creator calls `ready` once its progress message is out, and then any process may take it."""
    if type is ReportType.WEEKLY_ANALYSIS:
        start, end = weekly.date_range(user, now=now)
    elif type is ReportType.RACE_PREP:
        start, end = race.date_range(user, RaceRequest.from_json(params["race"]), now=now)
    else:
        start, end = custom.date_range(user, now=now)
    report = await reports.add(
        session, user_id=user.id, type=type.value, status=ReportStatus.PENDING, start=start, end=end
    )
    await reports.add_request(session, report_id=report.id, chat_id=chat_id, params=params)
    # The athlete's lock key (``user:…``, shared with the plan's jobs): a report never reads a week while the
    # plan is rebalancing it.
    work = jobs.NewJob(
        kind=KIND, key=report.id, lock_key=f"user:{user.id}", run_at=now + hold, max_attempts=MAX_ATTEMPTS + 1
    )
    await jobs.enqueue(session, [work], now=now)
    return report


async def ready(session: AsyncSession, *, report_id: str, progress_message_id: int | None, now: datetime) -> None:
    """The creator has shown the progress message (or could not): record it, and let the job run now."""
    if progress_message_id is not None:
        await reports.set_progress_message(session, report_id=report_id, message_id=progress_message_id)
    await jobs.make_due(session, kind=KIND, key=report_id, now=now)


async def begin_attempt(session: AsyncSession, *, report_id: str) -> Started | None:
    """An attempt begins: PENDING/PROCESSING → PROCESSING; ``None`` when the report is finished or gone."""
    found = await reports.get_with_request(session, report_id=report_id)
    if found is None:
        return None
    report, request = found
    if report.status not in OPEN_STATUSES:
        return None
    previous_error = request.last_error
    report.status = ReportStatus.PROCESSING
    request.last_error = None  # a crash during this attempt leaves none: the next one then knows it was a restart
    await session.flush()
    return Started(
        report_id=report.id,
        user_id=report.user_id,
        type=ReportType(report.type),
        chat_id=request.chat_id,
        progress_message_id=request.progress_message_id,
        params=dict(request.params),
        previous_error=previous_error,
    )


async def build(
    session: AsyncSession,
    user: User,
    job: Started,
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


async def attempt_failed(session: AsyncSession, *, report_id: str, error: str) -> None:
    """An attempt failed and the job will try again: the report stays open, the error is kept for the next."""
    found = await reports.get_with_request(session, report_id=report_id)
    if found is not None:
        found[1].last_error = error[:500]
        await session.flush()


async def open_report(session: AsyncSession, *, user_id: str) -> Report | None:
    """The user's unfinished report, if any. One whose job has ended or is gone (its last attempt stopped with
    its process, an operator removed it) will never finish: it is failed here, so it does not block the next."""
    report = await reports.open_for_user(session, user_id=user_id, statuses=list(OPEN_STATUSES))
    if report is None:
        return None
    work = await jobs.get(session, kind=KIND, key=report.id)
    if work is not None and work.state in (jobs.QUEUED, jobs.RUNNING):
        return report
    await fail(session, report_id=report.id, error="its job ended without finishing it")
    logger.warning("report %s was left open by a job that ended; failed it", report.id)
    return None
