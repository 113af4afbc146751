"""Normalized records: what every provider's `mapping.py` turns a payload into.

A mapping returns, for one provider object, exactly one of:

    WorkoutRecord   one training session, ready for the ``Workout`` table
    MetricRecord    the daily-recovery fields one provider document carries, for one local date
    Pending         the provider has not finished scoring the object: fetch it again later
    Skipped         the object is deliberately not stored (a nap, a Strava stub, a rejected sleep period)

and raises `MappingError` when the payload does not have the documented shape, so a broken record is counted
and reported instead of being written half-filled.

Instants are UTC (aware); ``local_date`` is the athlete's calendar day where the session or night happened,
computed from the provider's own offset or zone, never from the UTC date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

JsonObject = dict[str, Any]

# DailyMetric fields (attribute names of db.models.DailyMetric), in the order documents are merged.
METRIC_FIELDS = ("hrv", "resting_hr", "sleep_score", "hours_slept", "recovery_score", "strain_score", "sp_o2")


class MappingError(ValueError):
    """A provider object lacks a documented field or has one of the wrong type."""

    def __init__(self, provider: str, kind: str, reason: str) -> None:
        self.provider = provider
        self.kind = kind
        self.reason = reason
        super().__init__(f"A {provider} {kind} could not be read: {reason}.")


@dataclass(frozen=True, slots=True)
class WorkoutRecord:
    """One session in the ``Workout`` table's terms; kilojoules are mechanical work only."""

    source: str
    external_id: str
    start: datetime
    local_date: date
    utc_offset_s: int | None
    title: str
    type: str | None
    duration_sec: int
    raw_json: JsonObject
    description: str | None = None
    distance_meters: float | None = None
    elevation_gain: int | None = None
    average_watts: int | None = None
    max_watts: int | None = None
    normalized_power: int | None = None
    average_hr: int | None = None
    max_hr: int | None = None
    tss: float | None = None
    intensity_factor: float | None = None
    kilojoules: int | None = None

    def row(self, user_id: str) -> dict[str, Any]:
        """Attribute-keyed row for ``db.models.Workout`` (the repositories' format)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["date"] = values.pop("start")
        values["utc_offset_sec"] = values.pop("utc_offset_s")
        values["user_id"] = user_id
        return values


@dataclass(frozen=True, slots=True)
class MetricRecord:
    """Some of one day's recovery fields from one provider document.

    ``values`` holds only the fields this kind of document owns (a WHOOP sleep owns the sleep score and hours
    slept, its recovery owns HRV, resting HR, recovery and SpO2); a field the document owns but the provider
    left empty is present with ``None``. ``document`` names the kind (``"recovery"``, ``"daily_sleep"``…), so
    the stored raw JSON keeps one object per kind for the day.
    """

    source: str
    document: str
    local_date: date
    values: dict[str, float | int | None]
    raw_json: JsonObject

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(METRIC_FIELDS)
        if unknown:
            raise ValueError(f"not DailyMetric fields: {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Pending:
    """The provider is still scoring this object (e.g. WHOOP ``PENDING_SCORE``): fetch it again later."""

    source: str
    kind: str
    external_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """Deliberately not stored, with the reason (kept for counting and logs)."""

    source: str
    kind: str
    external_id: str
    reason: str


Mapped = WorkoutRecord | MetricRecord | Pending | Skipped


@dataclass(slots=True)
class Batch:
    """A page of mapped objects, sorted by outcome, ready for the write path."""

    workouts: list[WorkoutRecord] = field(default_factory=list)
    metrics: list[MetricRecord] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rejected: list[MappingError] = field(default_factory=list)

    def map(self, mapper: Callable[..., Mapped], payload: object, /, **kwargs: Any) -> None:
        """Map one provider object into the batch; a drifted one is kept in ``rejected``, the rest still go."""
        try:
            self.add(mapper(payload, **kwargs))
        except MappingError as err:
            self.rejected.append(err)

    def add(self, item: Mapped | None) -> None:
        if isinstance(item, WorkoutRecord):
            self.workouts.append(item)
        elif isinstance(item, MetricRecord):
            self.metrics.append(item)
        elif isinstance(item, Pending):
            self.pending.append(item)
        elif isinstance(item, Skipped):
            self.skipped.append(item)
