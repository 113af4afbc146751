"""Daily metrics: each provider's values kept per source, merged into the seed's one row per (user, date).

Each field of ``DailyMetric`` comes from the most reliable source that has it for that day. The default order
is the seed's for recovery, WHOOP > Garmin > Oura > Intervals.icu (Intervals.icu last because it only passes
through another device's numbers), then Polar; an athlete may set their own order per metric
(`db.repositories.metric_sources.set_order`). Values of different sources are never averaged: their scales
differ (WHOOP recovery, Oura readiness and Intervals.icu readiness are three different scores).

Because every source's values stay in ``DailyMetricSource``, the merged row is a pure function of what is
stored (`merge_day`): it does not depend on which provider arrived first, and `recompute` can redo it at
any time, e.g. after the athlete changed their order. The row's ``source`` names the source that supplied
most of its fields (ties: the more trusted by default).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from db import validation
from db.errors import InvalidValue
from db.repositories import metric_sources, metrics, sync_state
from integrations.records import METRIC_FIELDS, MetricRecord

DEFAULT_ORDER = ("whoop", "garmin", "oura", "intervals", "polar")
LOCK_SCOPE = "daily"
# Documents that describe one sleep period: if a source sends two main sleeps for a day, the longer one counts.
MAIN_SLEEP_DOCUMENTS = frozenset({"sleep"})

Values = Mapping[str, float | int | None]


def source_order(metric: str, chosen: Mapping[str, Sequence[str]], available: Iterable[str]) -> list[str]:
    """Sources to try for ``metric``: the athlete's order, then the default order, then any other alphabetically."""
    order = list(chosen.get(metric, ()))
    order += [s for s in DEFAULT_ORDER if s not in order]
    order += sorted(set(available) - set(order))
    return order


def merge_day(by_source: Mapping[str, Values], chosen: Mapping[str, Sequence[str]]) -> tuple[dict[str, Any], str]:
    """One day's merged fields and the source that supplied most of them, from each source's values."""
    merged: dict[str, Any] = {}
    supplied: dict[str, int] = defaultdict(int)
    for metric in METRIC_FIELDS:
        merged[metric] = None
        for source in source_order(metric, chosen, by_source):
            value = by_source.get(source, {}).get(metric)
            if value is not None:
                merged[metric] = value
                supplied[source] += 1
                break
    default = source_order("", {}, by_source)
    main = min(by_source, key=lambda s: (-supplied[s], default.index(s)))
    return merged, main


def valid(record: MetricRecord) -> bool:
    """Whether every value passes the seed's ranges (a provider sending recovery 140 is refused, not stored)."""
    try:
        validation.check_date_not_future("date", record.local_date)
        validation.check_hrv(record.values.get("hrv"))
        validation.check_recovery(cast(int | None, record.values.get("recovery_score")))
    except InvalidValue:
        return False
    return True


async def write_metrics(session: AsyncSession, *, user_id: str, records: Sequence[MetricRecord]) -> int:
    """Store each source's values, then recompute the merged rows of the dates touched; returns days merged.

    Holds the user's ``daily`` lock until the transaction ends: two providers' pages for the same days, written
    at once, would otherwise each merge without the other's values.
    """
    if not records:
        return 0
    await sync_state.lock_user(session, user_id=user_id, scope=LOCK_SCOPE)
    by_document: dict[str, list[MetricRecord]] = defaultdict(list)
    for record in records:
        by_document[record.document].append(record)
    for document, items in sorted(by_document.items()):
        main_sleep = document in MAIN_SLEEP_DOCUMENTS
        if main_sleep:
            items = _longest_per_day(items)
        fields = sorted({f for r in items for f in r.values})
        rows = [
            {
                "user_id": user_id,
                "date": r.local_date,
                "source": r.source,
                **{f: r.values.get(f) for f in fields},
                "raw_json": {document: r.raw_json},
            }
            for r in items
        ]
        await metric_sources.upsert_values(
            session, rows, fields=fields, longest_sleep_of=document if main_sleep else None
        )
    return await recompute(session, user_id=user_id, dates={r.local_date for r in records})


def _longest_per_day(records: Sequence[MetricRecord]) -> list[MetricRecord]:
    """One sleep period per (date, source): the longest, ties broken by the period's id (as the SQL does)."""
    best: dict[tuple[date, str], MetricRecord] = {}
    for record in records:
        key = (record.local_date, record.source)
        if key not in best or _sleep_rank(record) > _sleep_rank(best[key]):
            best[key] = record
    return list(best.values())


def _sleep_rank(record: MetricRecord) -> tuple[float, str]:
    hours = record.values.get("hours_slept")
    return (-1.0 if hours is None else float(hours), str(record.raw_json.get("id", "")))


async def recompute(session: AsyncSession, *, user_id: str, dates: Iterable[date] | None = None) -> int:
    """Rewrite the merged ``DailyMetric`` rows of ``dates`` (every date with source values when ``None``)."""
    stored = await metric_sources.values_on(session, user_id=user_id, dates=dates)
    if not stored:
        return 0
    chosen = await metric_sources.orders(session, user_id=user_id)
    days: dict[date, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in stored:
        days[row["date"]][row["source"]] = {f: row[f] for f in METRIC_FIELDS}
    merged_rows = []
    for day, by_source in sorted(days.items()):
        values, source = merge_day(by_source, chosen)
        merged_rows.append({"user_id": user_id, "date": day, "source": source, **values})
    return await metrics.upsert_many(session, merged_rows)
