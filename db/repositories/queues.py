"""How much background work waits, and for how long: the depth and age of every durable queue.

Read when ``/metrics`` is scraped. Each queue is a table whose unfinished rows are the work: morning briefs not
yet sent (waiting for last night's data, or whose ``brief.send`` job waits or runs: counted from their due time);
provider webhook events whose job waits or runs (counted from their arrival, so the age includes every retry's
wait); and the job queue, one queue per kind (``jobs.<kind>``: due jobs, and the dead letters kept; reports are
``jobs.report.build``, Telegram updates stored in webhook mode ``jobs.telegram.update``). The queries use the
same indexed columns the workers take by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import jobs


@dataclass(frozen=True, slots=True)
class QueueDepth:
    name: str
    waiting: int
    oldest_age_s: float  # 0 when nothing waits
    dead: int = 0  # given up on and kept for an operator (the job queue's dead letters)


_QUERIES = {
    # Events whose job (`provider_events.JOB_KIND`) waits or runs.
    "provider_events": 'SELECT count(*), min(e."receivedAt") FROM "ProviderEvent" e '
    """JOIN "Job" j ON j.kind = 'provider.event' AND j.key = e.id """
    """WHERE e."processedAt" IS NULL AND j.state IN ('queued', 'running')""",
    "briefs": 'SELECT count(*), min("dueAt") FROM "BriefDelivery" '
    "WHERE status IN ('waiting', 'pending', 'sending')",
}


async def depths(session: AsyncSession, *, now: datetime) -> list[QueueDepth]:
    out: list[QueueDepth] = []
    for name, query in _QUERIES.items():
        count, oldest = (await session.execute(text(query))).one()
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        out.append(QueueDepth(name=name, waiting=int(count), oldest_age_s=age))
    for kind in await jobs.depths(session, now=now):
        out.append(
            QueueDepth(name=f"jobs.{kind.kind}", waiting=kind.due, oldest_age_s=kind.oldest_due_age_s, dead=kind.dead)
        )
    return out
