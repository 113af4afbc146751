"""Mean-maximal curves of synced workouts, from the provider's per-second streams.

A FIT import keeps each workout's best power, heart rate and (runs) speed at the fixed durations of
`coach.science.curve.CURVE_DURATIONS_S` in ``rawJson.curves``; synced workouts get the same from Strava's
activity streams or Intervals.icu's streams (the reference documents no per-activity power-curve endpoint for
Intervals.icu, so its streams are read the same way), computed with the same `coach.science.curve.mean_max_at`
so a synced ride and its FIT file have the same curve.

Requests are bounded, because Strava allows 100 reads per quarter hour for the whole app (reference §2.3):
  * only workouts with a power meter (``averageWatts`` set: Strava's ``device_watts``) or runs;
  * only workouts of the last `CURVE_DAYS` (older ones are not on the 90-day curve);
  * only workouts not already stored with a curve (their stored curve is carried over instead: an upsert of
    the provider's summary must not erase it);
  * at most `STREAMS_PER_RUN` stream requests per sync run; a 429 ends them for the run. The rest get their
    curve at a later run, since they are still stored without one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from coach.science.curve import CURVE_DURATIONS_S, mean_max_at
from coach.science.sampling import hold_on_grid
from integrations.client import JsonObject, ProviderClient
from integrations.errors import ProviderError, ProviderNotFound, ProviderRateLimited
from integrations.intervals.client import IntervalsClient
from integrations.records import WorkoutRecord
from integrations.strava.client import StravaClient

logger = logging.getLogger(__name__)

STREAM_KEYS = ("time", "watts", "heartrate", "velocity_smooth")
STREAMS_PER_RUN = 20  # a fifth of Strava's quarter-hour read limit, so the sync's own pages still fit
CURVE_DAYS = 90
# In a ``time`` stream, a jump longer than this is a pause (auto-pause, a stop at a café) and is left out,
# as timer pauses are at FIT import; shorter holes are smart recording, and the last sample is held.
PAUSE_GAP_S = 30
MAX_SPAN_S = 7 * 86400  # one grid slot per second: a week bounds the memory, as at FIT import
# Stored when the provider has no usable streams for a workout, so it is not asked again (no channel has values).
NO_CURVES: JsonObject = {"durations_s": [], "power_w": None, "heart_rate_bpm": None, "speed_m_s": None}
RUN_TYPES = frozenset({"Run", "TrailRun", "VirtualRun", "Walk", "Hike"})


@dataclass(slots=True)
class CurveBudget:
    """What one sync run may still fetch, and the curves its workouts already have (by external id)."""

    now: datetime
    stored: dict[str, JsonObject] = field(default_factory=dict)
    remaining: int = STREAMS_PER_RUN
    fetched: int = 0

    def wants(self, record: WorkoutRecord) -> bool:
        if record.start < self.now - timedelta(days=CURVE_DAYS):
            return False
        return record.average_watts is not None or record.type in RUN_TYPES


def _series(values: Any) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    if not isinstance(values, list) or not values:
        return None
    return np.array([np.nan if not isinstance(v, int | float) else float(v) for v in values], dtype=np.float64)


def curves_from_streams(streams: dict[str, Any], *, paced: bool) -> JsonObject | None:
    """``rawJson.curves`` from per-sample ``time`` (s from start) and ``watts``/``heartrate``/``velocity_smooth``.

    Samples are put on a 1 Hz grid of the seconds between samples, pauses left out (`PAUSE_GAP_S`), each slot
    holding the latest sample (`coach.science.sampling.hold_on_grid`); power counts a missing reading as 0 W,
    as the FIT import does. ``None`` without a usable time stream. Speed only for runs (``paced``).
    """
    time_s = _series(streams.get("time"))
    if time_s is None or np.any(np.isnan(time_s)) or np.any(np.diff(time_s) < 0):
        return None
    if time_s[-1] - time_s[0] > MAX_SPAN_S:
        return None
    every_s = np.arange(time_s[0], time_s[-1] + 1)
    previous = np.searchsorted(time_s, every_s, side="right") - 1
    step_after = np.append(np.diff(time_s), 1.0)[previous]
    grid = every_s[(time_s[previous] == every_s) | (step_after <= PAUSE_GAP_S)]
    durations = tuple(d for d in CURVE_DURATIONS_S if d <= grid.size)

    def curve(name: str, *, zero_missing: bool) -> list[float | None] | None:
        values = _series(streams.get(name))
        if values is None or values.size != time_s.size or np.all(np.isnan(values)):
            return None
        held = hold_on_grid(time_s, values, grid)
        if zero_missing:
            held = np.nan_to_num(held, nan=0.0)
        best = mean_max_at(held, durations)
        return [None if np.isnan(v) else round(float(v), 2) for v in best]

    return {
        "durations_s": list(durations),
        "power_w": curve("watts", zero_missing=True),
        "heart_rate_bpm": curve("heartrate", zero_missing=False),
        "speed_m_s": curve("velocity_smooth", zero_missing=True) if paced else None,
    }


async def fetch_streams(client: ProviderClient, external_id: str) -> dict[str, Any]:
    """The activity's streams as ``{type: [values]}`` from either provider's shape."""
    if isinstance(client, StravaClient):
        body = await client.streams(external_id, keys=STREAM_KEYS)
        return {k: v.get("data") for k, v in body.items() if isinstance(v, dict)}
    if isinstance(client, IntervalsClient):
        items = await client.streams(external_id, types=STREAM_KEYS)
        return {str(i.get("type")): i.get("data") for i in items}
    return {}


async def with_curves(
    client: ProviderClient, budget: CurveBudget, records: Sequence[WorkoutRecord]
) -> list[WorkoutRecord]:
    """The records, each with its curve: carried over when stored, fetched within the budget, else none yet."""
    out = []
    for record in records:
        stored = budget.stored.get(record.external_id)
        curves: JsonObject | None = stored
        if stored is None and budget.remaining > 0 and budget.wants(record):
            budget.remaining -= 1
            budget.fetched += 1
            try:
                streams = await fetch_streams(client, record.external_id)
            except ProviderNotFound:  # no streams (a manual entry): remembered as none, never asked again
                streams = {}
            except ProviderRateLimited:
                budget.remaining = 0
                logger.info("%s streams: rate limited, the rest wait for the next sync", record.source)
                out.append(record)
                continue
            except ProviderError as err:  # unreadable this time: stored without a curve, asked again next run
                logger.info("%s streams of one activity not read: %s", record.source, err)
                out.append(record)
                continue
            curves = curves_from_streams(streams, paced=record.type in RUN_TYPES) or dict(NO_CURVES)
        out.append(dataclasses.replace(record, raw_json=record.raw_json | {"curves": curves}) if curves else record)
    return out
