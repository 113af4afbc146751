"""Decode a FIT activity file into activities on the 1 Hz timer grid, plus the devices' own summary values.

A file holds one activity per `session` message: a ride is one, a triathlon or a brick is several (swim,
transitions, bike, run), each with its own sport, timer and numbers. Records, timer events, laps and pool
lengths belong to the session whose time span holds them.

The grid (`coach.science.sampling`) has one slot per whole second the timer ran, built from the session's
timer start/stop events, so auto-pause and manual stops leave no slots; each slot holds the record that
describes it (`conventions.RecordSpan`). Sessions whose events give no timer stretch get one from their first
to their last record. Decoding itself is `decode`'s (Garmin's FIT SDK, fitdecode as the fallback).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from coach.i18n import N_
from coach.science.sampling import FloatArray, IntArray, hold_on_grid, timer_grid
from integrations.fit.conventions import ACCUMULATED_SHORTFALL, Convention, RecordSpan, convention_for
from integrations.fit.decode import Message, Messages, decode
from integrations.fit.errors import FitCorrupt, FitNoSamples, FitNotActivity, FitTooLarge, FitTruncated

MAX_FIT_BYTES = 50 * 1024 * 1024
# A timer running longer than this means broken timestamps (a crashing app once wrote a record dated 2085);
# it also bounds the grid's memory (one week is 605k slots per channel).
MAX_TIMER_S = 7 * 24 * 3600
# An `accumulated_power` increment over a longer gap than this spans a pause or a lost sensor, so it cannot
# be put on the seconds it belongs to; the record's `power` field is used instead (c12: gaps of 51–120 s
# at its pauses, all other records 1–4 s apart).
MAX_ACCUMULATED_GAP_S = 5.0

_RR_INVALID_S = 65.535  # 0xFFFF ms, the uint16 "invalid" of `hrv.time`
_TIMER_START = "start"
_TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})
_ACTIVE_LENGTH = "active"


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    """Values the device itself wrote in a session or lap message, as recorded; ``None`` where absent."""

    timer_time_s: float | None = None
    elapsed_time_s: float | None = None
    distance_m: float | None = None
    average_power_w: float | None = None
    max_power_w: float | None = None
    normalized_power_w: float | None = None
    intensity_factor: float | None = None
    tss: float | None = None
    work_j: float | None = None
    threshold_power_w: float | None = None
    average_hr_bpm: float | None = None
    max_hr_bpm: float | None = None
    calories_kcal: float | None = None
    average_speed_m_s: float | None = None
    pool_length_m: float | None = None
    active_lengths: float | None = None


_DEVICE_FIELDS = {
    "timer_time_s": ("total_timer_time",),
    "elapsed_time_s": ("total_elapsed_time",),
    "distance_m": ("total_distance",),
    "average_power_w": ("avg_power",),
    "max_power_w": ("max_power",),
    "normalized_power_w": ("normalized_power",),
    "intensity_factor": ("intensity_factor",),
    "tss": ("training_stress_score",),
    "work_j": ("total_work",),
    "threshold_power_w": ("threshold_power",),
    "average_hr_bpm": ("avg_heart_rate",),
    "max_hr_bpm": ("max_heart_rate",),
    "calories_kcal": ("total_calories",),
    "average_speed_m_s": ("enhanced_avg_speed", "avg_speed"),
    "pool_length_m": ("pool_length",),
    "active_lengths": ("num_active_lengths",),
}


@dataclass(frozen=True, slots=True)
class FitLap:
    """A lap and its place on the grid: slots ``start_index`` up to (not including) ``stop_index``.

    The lap covers the timer seconds from its start time through its end time, both included, so the second
    on a lap boundary belongs to both laps. That is what reproduces Garmin's lap NP on short laps (Edge 810
    lap 4: 122.2 W vs the device's 122; leaving the boundary second out gives 118.9).
    """

    start_time: datetime
    end_time: datetime
    start_index: int
    stop_index: int
    device: DeviceSummary

    @property
    def samples(self) -> slice:
        """The lap's slots, for slicing the activity's arrays."""
        return slice(self.start_index, self.stop_index)


@dataclass(frozen=True, slots=True, eq=False)
class FitActivity:
    """One session of a file, decoded. Arrays share the 1 Hz timer grid; NaN marks a second without a reading.

    ``power_w`` is already what the device computes with: on Garmin files with an `accumulated_power`
    counter, its increments (`conventions.GARMIN`).
    """

    session_index: int  # 0 for the first (or only) session of the file
    sport: str
    sub_sport: str | None
    start_time: datetime  # aware, UTC
    manufacturer: str | None  # file_id.manufacturer, e.g. "garmin", "wahoo_fitness"
    product: str | None  # file_id's product name or number as text, e.g. "edge_530", "Karoo 2", "49"
    convention: Convention
    threshold_power_w: float | None  # the FTP the device used (session, else zones_target)
    time_s: FloatArray  # seconds since start_time
    segment_id: IntArray  # timer stretch of each second; a change is a pause
    power_w: FloatArray
    heart_rate_bpm: FloatArray
    distance_m: FloatArray
    speed_m_s: FloatArray
    laps: tuple[FitLap, ...]
    active_lengths: int | None  # pool lengths swum (the `length` messages marked active)
    rr_intervals_s: FloatArray | None  # beat-to-beat intervals of `hrv` messages (one-session files only)
    device: DeviceSummary  # the session message

    @property
    def power_present(self) -> npt.NDArray[np.bool_]:
        """Seconds with a power reading."""
        return ~np.isnan(self.power_w)

    @property
    def timer_time_s(self) -> int:
        """Seconds the timer ran (grid length)."""
        return int(self.time_s.size)


def parse_fit(data: bytes, *, max_bytes: int = MAX_FIT_BYTES) -> FitActivity:
    """The first activity of ``data`` (a whole .fit file); `parse_activities` gives every one of them."""
    return parse_activities(data, max_bytes=max_bytes)[0]


def parse_activities(data: bytes, *, max_bytes: int = MAX_FIT_BYTES) -> tuple[FitActivity, ...]:
    """Every activity (session) of ``data`` in time order, or a `FitImportError` saying why there is none.

    A session without a single second of data is left out (a transition with the timer stopped); a file
    where every session is empty is refused with `FitNoSamples`.
    """
    if len(data) > max_bytes:
        raise FitTooLarge(len(data), max_bytes)
    if not data:
        raise FitTruncated(N_("The file is empty, so there is no activity in it."))
    return activities_from_messages(decode(data))


def activities_from_messages(messages: Messages) -> tuple[FitActivity, ...]:
    """The activities of a decoded file (`parse_activities` without the decoding)."""
    file_id = _first(messages, "file_id")
    file_type = file_id.get("type")
    if file_type != "activity":
        raise FitNotActivity(file_type if isinstance(file_type, str) else None)
    manufacturer = _text(file_id.get("manufacturer"))
    product = _product(file_id)
    sessions = sorted(messages.get("session", []), key=lambda s: _epoch_s(s.get("start_time")) or -math.inf) or [{}]
    records = _records(messages.get("record", []))
    timer_events = sorted(
        (timestamp, kind)
        for event in messages.get("event", [])
        if event.get("event") == "timer"
        and (timestamp := _epoch_s(event.get("timestamp"))) is not None
        and isinstance(kind := event.get("event_type"), str)
    )
    starts = [_epoch_s(session.get("start_time")) for session in sessions]
    # `hrv` messages carry no timestamp, so their beats cannot be shared out among several sessions.
    rr_intervals_s = _rr_intervals_s(messages.get("hrv", [])) if len(sessions) == 1 else None
    activities: list[FitActivity] = []
    for index, session in enumerate(sessions):
        start_s = starts[index]
        begin_s = start_s if index > 0 and start_s is not None else -math.inf
        end_s = next((s for s in starts[index + 1 :] if s is not None), math.inf)
        activity = _activity(
            index=len(activities),
            session=session,
            window_s=(begin_s, end_s),
            records=records,
            timer_events=timer_events,
            messages=messages,
            manufacturer=manufacturer,
            product=product,
            rr_intervals_s=rr_intervals_s,
        )
        if activity is not None:
            activities.append(activity)
    if not activities:
        raise FitNoSamples()
    return tuple(activities)


@dataclass(frozen=True, slots=True)
class _Records:
    """Every record's values as columns, sorted by time; NaN where a record has no value."""

    time_s: FloatArray
    power_w: FloatArray
    accumulated_power_j: FloatArray
    heart_rate_bpm: FloatArray
    distance_m: FloatArray
    speed_m_s: FloatArray


def _records(messages: Sequence[Message]) -> _Records:
    rows = [
        (
            timestamp,
            _reading(record.get("power")),
            _reading(record.get("accumulated_power")),
            _reading(record.get("heart_rate")),
            _reading(record.get("distance")),
            _reading(_first_present(record, "enhanced_speed", "speed")),
        )
        for record in messages
        if (timestamp := _epoch_s(record.get("timestamp"))) is not None
    ]
    rows.sort(key=lambda row: row[0])
    columns = np.array(rows, dtype=np.float64).reshape(-1, 6).T
    return _Records(*columns)


def _activity(
    *,
    index: int,
    session: Mapping[str, Any],
    window_s: tuple[float, float],
    records: _Records,
    timer_events: Sequence[tuple[float, str]],
    messages: Messages,
    manufacturer: str | None,
    product: str | None,
    rr_intervals_s: FloatArray | None,
) -> FitActivity | None:
    begin_s, end_s = window_s
    inside = (records.time_s >= begin_s) & (records.time_s < end_s)
    record_s = records.time_s[inside]
    events = [(t, kind) for t, kind in timer_events if begin_s <= t < end_s]
    segments = _timer_segments(events, record_s, session)
    if sum(stop - start for start, stop in segments) > MAX_TIMER_S:
        raise FitCorrupt(N_("The file's timer runs for more than a week, so its timestamps cannot be trusted."))
    grid_s, segment_id = timer_grid(segments)
    if record_s.size == 0 or grid_s.size == 0:
        return None
    convention = convention_for(manufacturer)
    power = _power_readings(records, inside, convention)

    def on_grid(values: FloatArray) -> FloatArray:
        return _on_grid(record_s, values, grid_s, convention.record_span)

    channels = [
        on_grid(power),
        on_grid(records.heart_rate_bpm[inside]),
        on_grid(records.distance_m[inside]),
        on_grid(records.speed_m_s[inside]),
    ]
    if all(np.all(np.isnan(channel)) for channel in channels):
        return None

    start_time = _datetime(session.get("start_time")) or datetime.fromtimestamp(grid_s[0], tz=UTC)
    device = _device_summary(session)
    laps = (_lap(values, grid_s) for values in messages.get("lap", []) if _within(values, begin_s, end_s))
    lengths = [length for length in messages.get("length", []) if _within(length, begin_s, end_s)]
    active_lengths = sum(1 for length in lengths if length.get("length_type") == _ACTIVE_LENGTH)
    zones_ftp_w = _positive(_first(messages, "zones_target").get("functional_threshold_power"))
    return FitActivity(
        session_index=index,
        sport=_text(session.get("sport")) or _text(_first(messages, "sport").get("sport")) or "generic",
        sub_sport=_text(session.get("sub_sport")),
        start_time=start_time,
        manufacturer=manufacturer,
        product=product,
        convention=convention,
        threshold_power_w=_positive(device.threshold_power_w) or zones_ftp_w,
        time_s=grid_s - start_time.timestamp(),
        segment_id=segment_id,
        power_w=channels[0],
        heart_rate_bpm=channels[1],
        distance_m=channels[2],
        speed_m_s=channels[3],
        laps=tuple(lap for lap in laps if lap is not None),
        active_lengths=active_lengths if lengths else None,
        rr_intervals_s=rr_intervals_s,
        device=device,
    )


def _power_readings(records: _Records, inside: npt.NDArray[np.bool_], convention: Convention) -> FloatArray:
    """Each record's power as the device counts it (`Convention.power_from_accumulated`).

    With the counter, and when the `power` field falls short of the counter's work by more than
    `conventions.ACCUMULATED_SHORTFALL`, a record's power is the counter's increment since the previous
    record over the time between them; a record without a `power` value stays a dropout, and a record whose
    increment is unknown (first record, missing counter, a gap over `MAX_ACCUMULATED_GAP_S`, a counter
    reset) keeps its `power`.
    """
    power = records.power_w[inside]
    if not convention.power_from_accumulated:
        return power
    counter_j = records.accumulated_power_j[inside]
    if power.size < 2 or np.all(np.isnan(counter_j)):
        return power
    gap_s = np.diff(records.time_s[inside])
    increment_j = np.diff(counter_j)
    usable = (gap_s > 0) & (gap_s <= MAX_ACCUMULATED_GAP_S) & (increment_j >= 0) & ~np.isnan(power[1:])
    from_counter_w = increment_j[usable] / gap_s[usable]
    field_j = float(np.sum(power[1:][usable] * gap_s[usable]))
    counter_total_j = float(np.sum(increment_j[usable]))
    if counter_total_j <= 0 or field_j >= (1.0 - ACCUMULATED_SHORTFALL) * counter_total_j:
        return power
    readings = power.copy()
    readings[1:][usable] = from_counter_w
    return readings


def _rr_intervals_s(messages: Sequence[Message]) -> FloatArray | None:
    """Every valid R-R interval in seconds; the FIT "invalid" value (65.535 s) and non-numbers are dropped."""
    intervals: list[float] = []
    for message in messages:
        times = message.get("time")
        for value in times if isinstance(times, list | tuple) else [times]:
            number = _number(value)
            if number is not None and 0 < number < _RR_INVALID_S:
                intervals.append(number)
    return np.array(intervals, dtype=np.float64) if intervals else None


def _on_grid(record_s: FloatArray, values: FloatArray, grid_s: FloatArray, span: RecordSpan) -> FloatArray:
    """A record channel on the grid: held forward from each record, or covering the time before it."""
    if span is RecordSpan.FROM_RECORD:
        return hold_on_grid(record_s, values, grid_s)
    # Second s (covering s..s+1) is described by the first record at or after its end.
    index = np.searchsorted(record_s, grid_s + 1.0, side="left")
    on_grid = np.full(grid_s.shape, np.nan, dtype=np.float64)
    known = index < record_s.size
    on_grid[known] = values[index[known]]
    return on_grid


def _timer_segments(
    events: Sequence[tuple[float, str]], record_s: FloatArray, session: Mapping[str, object]
) -> list[tuple[float, float]]:
    """Timer stretches as (start, stop) epoch seconds, from start and stop events in time order.

    A start while running and a stop while stopped are ignored. A timer still running at the end stops at the
    session's end (start + elapsed time), else one second after the last record.
    """
    session_start = _datetime(session.get("start_time"))
    elapsed_s = _positive(session.get("total_elapsed_time"))
    last_record_s = float(record_s[-1]) + 1 if record_s.size else None
    if session_start is not None and elapsed_s is not None:
        end_s: float | None = session_start.timestamp() + elapsed_s
    else:
        end_s = last_record_s
    segments: list[tuple[float, float]] = []
    started: float | None = None
    for timestamp, kind in events:
        if kind == _TIMER_START and started is None:
            started = timestamp
        elif kind in _TIMER_STOPS and started is not None:
            segments.append((started, timestamp))
            started = None
    if started is not None and end_s is not None:
        segments.append((started, max(end_s, started)))
    if not segments and record_s.size and last_record_s is not None:
        segments.append((float(record_s[0]), last_record_s))
    return segments


def _within(values: Mapping[str, object], begin_s: float, end_s: float) -> bool:
    start_s = _epoch_s(values.get("start_time"))
    return start_s is not None and begin_s <= start_s < end_s


def _lap(values: Mapping[str, object], grid_s: FloatArray) -> FitLap | None:
    start_time = _datetime(values.get("start_time"))
    end_time = _datetime(values.get("timestamp"))
    if start_time is None or end_time is None or end_time < start_time:
        return None
    return FitLap(
        start_time=start_time,
        end_time=end_time,
        start_index=int(np.searchsorted(grid_s, start_time.timestamp(), side="left")),
        stop_index=int(np.searchsorted(grid_s, end_time.timestamp(), side="right")),
        device=_device_summary(values),
    )


def _device_summary(values: Mapping[str, object]) -> DeviceSummary:
    return DeviceSummary(**{ours: _number(_first_present(values, *theirs)) for ours, theirs in _DEVICE_FIELDS.items()})


def _first(messages: Messages, name: str) -> Message:
    found = messages.get(name)
    return found[0] if found else {}


def _first_present(values: Mapping[str, object], *names: str) -> object:
    for name in names:
        value = values.get(name)
        if value is not None:
            return value
    return None


def _product(file_id: Mapping[str, object]) -> str | None:
    for name in ("product_name", "garmin_product", "product"):
        value = file_id.get(name)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def _number(value: object) -> float | None:
    """A finite number as float; anything else (None, tuples from misaligned fields, text) is ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _positive(value: object) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _reading(value: object) -> float:
    """A sample value for the grid arrays: NaN when the record has none."""
    number = _number(value)
    return math.nan if number is None else number


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    return value.astimezone(UTC)


def _epoch_s(value: object) -> float | None:
    moment = _datetime(value)
    return None if moment is None else moment.timestamp()
