"""Per-source daily values and each athlete's source order per metric.

The settings screen changes an athlete's order with `set_order` (and `clear_order` to go back to the default
WHOOP > Garmin > Oura > Intervals.icu); then it must call ``integrations.sync.daily.recompute`` for that user,
in the same transaction, so the stored ``DailyMetric`` rows follow the new order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidValue
from db.models import DailyMetricSource, MetricSourceOrder
from db.repositories._bulk import bulk_upsert

# The DailyMetric fields an order may be set for (attribute names).
METRICS = ("hrv", "resting_hr", "sleep_score", "hours_slept", "recovery_score", "strain_score", "sp_o2")
SOURCES = ("whoop", "garmin", "oura", "intervals", "polar", "strava", "wahoo")


async def orders(session: AsyncSession, *, user_id: str) -> dict[str, list[str]]:
    """The athlete's own orders, metric → sources (most trusted first); metrics without one are absent."""
    rows = await session.execute(
        select(MetricSourceOrder.metric, MetricSourceOrder.sources).where(MetricSourceOrder.user_id == user_id)
    )
    return {metric: list(sources) for metric, sources in rows.all()}


async def set_order(session: AsyncSession, *, user_id: str, metric: str, sources: Sequence[str]) -> None:
    """Trust ``sources`` in this order for ``metric``; sources left out follow, in the default order."""
    if metric not in METRICS:
        raise InvalidValue("metric", f"one of {', '.join(METRICS)}", metric)
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or len(set(sources)) != len(sources) or not sources:
        raise InvalidValue("source order", f"distinct sources among {', '.join(SOURCES)}", list(sources))
    stmt = insert(MetricSourceOrder).values(userId=user_id, metric=metric, sources=list(sources))
    stmt = stmt.on_conflict_do_update(index_elements=["userId", "metric"], set_={"sources": stmt.excluded.sources})
    await session.execute(stmt)


async def clear_order(session: AsyncSession, *, user_id: str, metric: str | None = None) -> None:
    """Back to the default order for ``metric`` (or for every metric)."""
    stmt = delete(MetricSourceOrder).where(MetricSourceOrder.user_id == user_id)
    if metric is not None:
        stmt = stmt.where(MetricSourceOrder.metric == metric)
    await session.execute(stmt)


# A day has one main sleep per source. When a provider reports two (a split night), the longer one speaks for
# the day whatever the order they arrive in; a new version of the stored sleep (same id) always replaces it.
_LONGEST_SLEEP = (
    "(stored.{raw} -> '{doc}' ->> 'id') IS NULL"
    " OR (stored.{raw} -> '{doc}' ->> 'id') = (EXCLUDED.{raw} -> '{doc}' ->> 'id')"
    " OR stored.{hours} IS NULL"
    " OR (EXCLUDED.{hours} IS NOT NULL AND (EXCLUDED.{hours}, EXCLUDED.{raw} -> '{doc}' ->> 'id')"
    " > (stored.{hours}, stored.{raw} -> '{doc}' ->> 'id'))"
)


async def upsert_values(
    session: AsyncSession,
    rows: Sequence[dict[str, Any]],
    *,
    fields: Sequence[str],
    longest_sleep_of: str | None = None,
) -> int:
    """Write one kind of document's values: only ``fields`` are set, other sources' and documents' stay.

    Each row has ``user_id``, ``date``, ``source``, the ``fields`` and ``raw_json`` (``{document: object}``),
    which is merged into the stored object so the row keeps one raw object per document kind. Rows are
    de-duplicated by (user, date, source) first and written in key order, so concurrent writers lock rows in
    the same order. With ``longest_sleep_of`` (the document kind of a sleep period), a stored main sleep is
    replaced only by a new version of itself or by a longer one. Returns rows written.
    """
    columns = ("user_id", "date", "source", *fields, "raw_json")
    return await bulk_upsert(
        session,
        DailyMetricSource,
        [{k: row.get(k) for k in columns} for row in rows],
        key=("user_id", "date", "source"),
        set_sql={"rawJson": '"DailyMetricSource"."rawJson" || EXCLUDED."rawJson"', "updatedAt": "now()"},
        where_sql=None
        if longest_sleep_of is None
        else _LONGEST_SLEEP.format(raw='"rawJson"', hours='"hoursSlept"', doc=longest_sleep_of).replace(
            "stored.", '"DailyMetricSource".'
        ),
    )


async def values_on(
    session: AsyncSession, *, user_id: str, dates: Iterable[date] | None = None
) -> Sequence[RowMapping]:
    """Every source's values (``date``, ``source`` and the metric fields) for the given dates (all when ``None``)."""
    stmt = select(
        DailyMetricSource.date, DailyMetricSource.source, *(getattr(DailyMetricSource, m) for m in METRICS)
    ).where(DailyMetricSource.user_id == user_id)
    if dates is not None:
        stmt = stmt.where(DailyMetricSource.date.in_(sorted(set(dates))))
    stmt = stmt.order_by(DailyMetricSource.date, DailyMetricSource.source)
    return (await session.execute(stmt)).mappings().all()
