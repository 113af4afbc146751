"""Decode a FIT activity file into 1 Hz timer-grid arrays plus the device's own summary values.

The grid (`coach.science.sampling`) has one slot per whole second the timer ran, built from the file's timer
start/stop events, so auto-pause and manual stops leave no slots; each slot holds the latest record at or
before it. Files whose events give no timer stretch get one from the first to the last record.

Decoding is done by fitdecode with the checksum enforced. fitdecode does not wrap every failure on malformed
input in its own `FitError` (fuzzing with valid checksums also raises struct.error, ValueError, TypeError,
KeyError and AssertionError from inside the decoder), so those are translated here too: a broken file must end
in a `FitImportError`, never in a raw exception.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import fitdecode  # ships no type information (see the mypy override in pyproject.toml)
import numpy as np
import numpy.typing as npt

from coach.science.sampling import FloatArray, IntArray, hold_on_grid, timer_grid
from integrations.fit.errors import FitCorrupt, FitNoSamples, FitNotActivity, FitTooLarge, FitTruncated

MAX_FIT_BYTES = 50 * 1024 * 1024
# A timer running longer than this means broken timestamps (a crashing app once wrote a record dated 2085);
# it also bounds the grid's memory (one week is 605k slots per channel).
MAX_TIMER_S = 7 * 24 * 3600

_TIMER_START = "start"
_TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})
_DECODER_FAILURES = (
    fitdecode.FitError,
    struct.error,
    ValueError,
    TypeError,
    KeyError,
    AssertionError,
)


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


_DEVICE_FIELDS = {
    "timer_time_s": "total_timer_time",
    "elapsed_time_s": "total_elapsed_time",
    "distance_m": "total_distance",
    "average_power_w": "avg_power",
    "max_power_w": "max_power",
    "normalized_power_w": "normalized_power",
    "intensity_factor": "intensity_factor",
    "tss": "training_stress_score",
    "work_j": "total_work",
    "threshold_power_w": "threshold_power",
    "average_hr_bpm": "avg_heart_rate",
    "max_hr_bpm": "max_heart_rate",
    "calories_kcal": "total_calories",
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
    """One decoded activity. Arrays share the 1 Hz timer grid; NaN marks a second without a reading."""

    sport: str
    sub_sport: str | None
    start_time: datetime  # aware, UTC
    manufacturer: str | None  # file_id.manufacturer, e.g. "garmin", "wahoo_fitness"
    threshold_power_w: float | None  # the FTP the device used (session, else zones_target)
    time_s: FloatArray  # seconds since start_time
    segment_id: IntArray  # timer stretch of each second; a change is a pause
    power_w: FloatArray
    heart_rate_bpm: FloatArray
    distance_m: FloatArray
    laps: tuple[FitLap, ...]
    device: DeviceSummary  # the session message

    @property
    def power_present(self) -> npt.NDArray[np.bool_]:
        """Seconds with a power reading."""
        return ~np.isnan(self.power_w)

    @property
    def timer_time_s(self) -> int:
        """Seconds the timer ran (grid length)."""
        return int(self.time_s.size)


@dataclass(slots=True)
class _Decoded:
    """The handful of messages the activity is built from, with values still as fitdecode gave them."""

    file_type: object = None
    manufacturer: object = None
    records: list[tuple[float, float, float, float]] = field(default_factory=list)  # t, power, HR, distance
    timer_events: list[tuple[float, str]] = field(default_factory=list)
    laps: list[dict[str, object]] = field(default_factory=list)
    sessions: list[dict[str, object]] = field(default_factory=list)
    sport: object = None
    zones_ftp_w: float | None = None


def parse_fit(data: bytes, *, max_bytes: int = MAX_FIT_BYTES) -> FitActivity:
    """Decode ``data`` (a whole .fit file) into a `FitActivity`, or raise a `FitImportError`."""
    if len(data) > max_bytes:
        raise FitTooLarge(len(data), max_bytes)
    if not data:
        raise FitTruncated("The file is empty, so there is no activity in it.")
    decoded = _decode(data)
    if decoded.file_type != "activity":
        raise FitNotActivity(decoded.file_type if isinstance(decoded.file_type, str) else None)
    return _build(decoded)


def _decode(data: bytes) -> _Decoded:
    decoded = _Decoded()
    for message in _data_messages(data):
        _collect(decoded, message)
    return decoded


def _data_messages(data: bytes) -> Iterator[Any]:
    """fitdecode's data messages, with every decoder failure turned into a `FitCorrupt`.

    Only the decoder runs inside the ``try``: an exception raised while the caller handles a message is raised
    in the caller's frame, so a bug of ours is never disguised as a damaged file.
    """
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.IGNORE,
        ) as reader:
            for frame in reader:
                if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                    yield frame
    except fitdecode.FitEOFError as err:
        raise FitTruncated() from err
    except fitdecode.FitHeaderError as err:
        raise FitCorrupt("The file is not a FIT file, or its header is damaged.") from err
    except fitdecode.FitCRCError as err:
        raise FitCorrupt("The FIT file fails its checksum, so it was damaged after it was recorded.") from err
    except _DECODER_FAILURES as err:
        raise FitCorrupt() from err


def _collect(decoded: _Decoded, frame: Any) -> None:
    """Keep what the activity needs from one data message (a `fitdecode.FitDataMessage`, untyped)."""
    name = frame.name
    get = frame.get_value
    if name == "record":
        timestamp = _epoch_s(get("timestamp", fallback=None))
        if timestamp is not None:
            decoded.records.append(
                (
                    timestamp,
                    _reading(get("power", fallback=None)),
                    _reading(get("heart_rate", fallback=None)),
                    _reading(get("distance", fallback=None)),
                )
            )
    elif name == "event":
        timestamp = _epoch_s(get("timestamp", fallback=None))
        kind = get("event_type", fallback=None)
        if get("event", fallback=None) == "timer" and timestamp is not None and isinstance(kind, str):
            decoded.timer_events.append((timestamp, kind))
    elif name in ("lap", "session"):
        values = {f.name: f.value for f in frame.fields}
        (decoded.laps if name == "lap" else decoded.sessions).append(values)
    elif name == "file_id" and decoded.file_type is None:
        decoded.file_type = get("type", fallback=None)
        decoded.manufacturer = get("manufacturer", fallback=None)
    elif name == "sport" and decoded.sport is None:
        decoded.sport = get("sport", fallback=None)
    elif name == "zones_target" and decoded.zones_ftp_w is None:
        decoded.zones_ftp_w = _positive(get("functional_threshold_power", fallback=None))


def _build(decoded: _Decoded) -> FitActivity:
    records = sorted(decoded.records, key=lambda record: record[0])
    session = decoded.sessions[0] if decoded.sessions else {}
    segments = _timer_segments(decoded.timer_events, records, session)
    if sum(stop - start for start, stop in segments) > MAX_TIMER_S:
        raise FitCorrupt("The file's timer runs for more than a week, so its timestamps cannot be trusted.")
    grid_s, segment_id = timer_grid(segments)
    if not records or grid_s.size == 0:
        raise FitNoSamples()
    columns = np.array(records, dtype=np.float64)
    channels = [hold_on_grid(columns[:, 0], columns[:, k], grid_s) for k in (1, 2, 3)]
    if all(np.all(np.isnan(channel)) for channel in channels):
        raise FitNoSamples()

    start_time = _datetime(session.get("start_time")) or datetime.fromtimestamp(grid_s[0], tz=UTC)
    origin_s = start_time.timestamp()
    laps = tuple(_lap(values, grid_s) for values in decoded.laps)
    device = _device_summary(session)
    return FitActivity(
        sport=_text(session.get("sport")) or _text(decoded.sport) or "generic",
        sub_sport=_text(session.get("sub_sport")),
        start_time=start_time,
        manufacturer=_text(decoded.manufacturer),
        threshold_power_w=device.threshold_power_w or decoded.zones_ftp_w,
        time_s=grid_s - origin_s,
        segment_id=segment_id,
        power_w=channels[0],
        heart_rate_bpm=channels[1],
        distance_m=channels[2],
        laps=tuple(lap for lap in laps if lap is not None),
        device=device,
    )


def _timer_segments(
    events: list[tuple[float, str]],
    records: list[tuple[float, float, float, float]],
    session: Mapping[str, object],
) -> list[tuple[float, float]]:
    """Timer stretches as (start, stop) epoch seconds, from start and stop events in time order.

    A start while running and a stop while stopped are ignored. A timer still running at the end stops at the
    session's end (start + elapsed time), else one second after the last record.
    """
    session_start = _datetime(session.get("start_time"))
    elapsed_s = _positive(session.get("total_elapsed_time"))
    last_record_s = records[-1][0] + 1 if records else None
    if session_start is not None and elapsed_s is not None:
        end_s: float | None = session_start.timestamp() + elapsed_s
    else:
        end_s = last_record_s
    segments: list[tuple[float, float]] = []
    started: float | None = None
    for timestamp, kind in sorted(events, key=lambda event: event[0]):
        if kind == _TIMER_START and started is None:
            started = timestamp
        elif kind in _TIMER_STOPS and started is not None:
            segments.append((started, timestamp))
            started = None
    if started is not None and end_s is not None:
        segments.append((started, max(end_s, started)))
    if not segments and records and last_record_s is not None:
        segments.append((records[0][0], last_record_s))
    return segments


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
    return DeviceSummary(**{ours: _number(values.get(theirs)) for ours, theirs in _DEVICE_FIELDS.items()})


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
