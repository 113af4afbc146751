"""Data endpoints of the fake providers: real paths, parameters, pagination and field names, plus faults.

`serve_data(fakes)` adds to each `FakeProvider` (through ``add_api_route``) the endpoints the sync reads,
backed by a `DataStore` per provider that tests fill with objects in the providers' real shapes:

- WHOOP ``GET /v2/cycle``, ``/v2/recovery``, ``/v2/activity/sleep``, ``/v2/activity/workout``: ``start``
  inclusive, ``end`` exclusive, ``limit`` ≤ 25, ``nextToken`` → ``{records, next_token}``, newest first;
  ``/v2/activity/sleep/{id}``, ``/v2/activity/workout/{id}``, ``/v2/cycle/{id}/recovery``.
- Strava ``GET /athlete/activities`` (``after``/``before`` epoch, exclusive; ``page``, ``per_page`` ≤ 200;
  newest first), ``/activities/{id}``, ``/activities/{id}/streams`` (``keys`` and ``key_by_type=true``
  required, 400 otherwise; an object keyed by type, absent sensors left out; 404 without streams).
- Intervals.icu ``GET /athlete/{id}/activities`` and ``/wellness.json`` (``oldest`` required, ``newest``
  inclusive, by local date), ``/activity/{id}``, ``/athlete/{id}/wellness/{date}``,
  ``/activity/{id}/streams.json`` (``types`` required, 422 otherwise; a list of ``{type, data, ...}``).
- Oura ``GET /v2/usercollection/{type}`` (``start_date``, ``end_date``, ``next_token`` →
  ``{data, next_token}``) and ``/v2/usercollection/{type}/{id}``.

`Faults` switches misbehaviour on for one provider: a share of 5xx answers, of answers slower than the
client's timeout, of bodies cut short, retired endpoints (404), 429s with the provider's headers, and — for
Strava — its read limits enforced on a clock the test controls. Every data request is counted by
(path, query), so tests can check that no page was fetched more than twice.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.providers.server import FakeProvider, FakeProviders, Grant

JsonDict = dict[str, Any]


@dataclass
class StravaLimits:
    """Strava's read limits, counted in aligned windows on ``clock`` (seconds since the epoch)."""

    clock: Callable[[], float]
    per_quarter: int = 100
    per_day: int = 1000
    used_quarter: int = 0
    used_day: int = 0
    quarter: int = -1
    day: int = -1
    limited_in: set[int] = field(default_factory=set)  # quarters in which we answered 429
    violations: int = 0  # requests that arrived in a quarter after its 429
    rejected: int = 0
    others_per_request: int = 0  # reads other processes of the same app spend between two of ours

    def admit(self) -> tuple[bool, dict[str, str]]:
        now = self.clock()
        quarter, day = int(now // 900), int(now // 86400)
        if quarter != self.quarter:
            self.quarter, self.used_quarter = quarter, 0
        if day != self.day:
            self.day, self.used_day = day, 0
        if quarter in self.limited_in:
            self.violations += 1
        self.used_quarter += self.others_per_request
        self.used_day += self.others_per_request
        self.used_day += 1  # rejected requests still count toward the daily limit
        ok = self.used_quarter < self.per_quarter and self.used_day <= self.per_day
        if ok:
            self.used_quarter += 1
        else:
            self.rejected += 1
            self.limited_in.add(quarter)
        headers = {
            "X-ReadRateLimit-Limit": f"{self.per_quarter},{self.per_day}",
            "X-ReadRateLimit-Usage": f"{self.used_quarter},{self.used_day}",
            "X-RateLimit-Limit": f"{2 * self.per_quarter},{2 * self.per_day}",
            "X-RateLimit-Usage": f"{self.used_quarter},{self.used_day}",
        }
        return ok, headers


@dataclass
class Faults:
    error_rate: float = 0.0  # share of 5xx answers
    timeout_rate: float = 0.0  # share of answers held back for `slow_s`
    truncate_rate: float = 0.0  # share of 200s whose JSON body is cut short
    slow_s: float = 1.0
    retired: set[str] = field(default_factory=set)  # path prefixes (under the API base) answering 404
    rate_limit_next: int = 0  # the next N data requests get a 429 with the provider's headers
    strava_limits: StravaLimits | None = None
    seed: int = 7
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


@dataclass
class DataStore:
    """One provider's objects, for every athlete of the fake (keyed by collection)."""

    collections: dict[str, list[JsonDict]] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    pages: Counter[tuple[str, str]] = field(default_factory=Counter)  # (path, query) → requests
    served: Counter[str] = field(default_factory=Counter)  # path → 200 answers
    streams: dict[str, dict[str, list[Any]]] = field(default_factory=dict)  # activity id → {type: samples}

    def put(self, collection: str, *items: JsonDict) -> None:
        """Add or replace objects (by ``id``, or the WHOOP recovery's ``sleep_id``)."""
        store = self.collections.setdefault(collection, [])
        where = {_key(existing): i for i, existing in enumerate(store)}
        for item in items:
            key = _key(item)
            if key in where:
                store[where[key]] = item
            else:
                where[key] = len(store)
                store.append(item)

    def delete(self, collection: str, key: str) -> None:
        self.collections[collection] = [i for i in self.collections.get(collection, []) if _key(i) != key]

    def find(self, collection: str, key: str) -> JsonDict | None:
        return next((i for i in self.collections.get(collection, []) if _key(i) == key), None)

    def max_fetches(self) -> int:
        return max(self.pages.values(), default=0)


def _key(item: JsonDict) -> str:
    return str(item["id"] if "id" in item else item.get("sleep_id"))


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    return int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("o:"))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _rate_limited(provider: str) -> Response:
    if provider == "whoop":
        headers = {"X-RateLimit-Limit": "100, 100;window=60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"}
    elif provider == "oura":
        headers = {"Retry-After": "2", "X-RateLimit-Limit": "5000", "X-RateLimit-Window": "300"}
    elif provider == "strava":
        headers = {"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "100,100"}
    else:
        headers = {}
    return JSONResponse({"message": "Rate Limit Exceeded"}, status_code=429, headers=headers)


async def _faulty(provider: str, store: DataStore, request: Request, body: Any, status: int = 200) -> Response:
    """Answer ``body`` unless a switched-on fault says otherwise."""
    f = store.faults
    store.pages[(request.url.path.split("/", 2)[-1], str(request.url.query))] += 1
    extra: dict[str, str] = {}
    if f.strava_limits is not None:
        ok, extra = f.strava_limits.admit()
        if not ok:
            return JSONResponse({"message": "Rate Limit Exceeded"}, status_code=429, headers=extra)
    if f.rate_limit_next > 0:
        f.rate_limit_next -= 1
        return _rate_limited(provider)
    if any(request.url.path.split(f"/{provider}", 1)[-1].find(p) >= 0 for p in f.retired):
        return JSONResponse({"message": "Not Found"}, status_code=404)
    roll = f.rng.random()
    if roll < f.error_rate:
        return JSONResponse({"message": "internal error"}, status_code=f.rng.choice((500, 502, 503)))
    if roll < f.error_rate + f.timeout_rate:
        await asyncio.sleep(f.slow_s)
    if status != 200:
        return JSONResponse({"message": "Not Found"}, status_code=status, headers=extra)
    text = json.dumps(body)
    if f.rng.random() < f.truncate_rate and len(text) > 2:
        text = text[: len(text) // 2]  # a body cut short: valid length, unreadable JSON
    store.served[request.url.path] += 1
    return Response(text, media_type="application/json", headers=extra)


# ----------------------------------------------------------------------------------------------- WHOOP

WHOOP_PATHS = {
    "cycle": "/v2/cycle",
    "recovery": "/v2/recovery",
    "sleep": "/v2/activity/sleep",
    "workout": "/v2/activity/workout",
}


def _whoop(fake: FakeProvider, store: DataStore) -> None:
    def collection(kind: str) -> Any:
        async def handler(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
            q = request.query_params
            limit = min(int(q.get("limit", "10")), 25)
            start = _instant(q["start"]) if "start" in q else datetime.min.replace(tzinfo=UTC)
            end = _instant(q["end"]) if "end" in q else datetime.max.replace(tzinfo=UTC)
            items = store.collections.get(kind, [])

            def moment(item: JsonDict) -> datetime:
                if kind == "recovery":
                    sleep = store.find("sleep", str(item["sleep_id"]))
                    return _instant(sleep["start"]) if sleep else _instant(item["created_at"])
                return _instant(item["start"])

            chosen = sorted((i for i in items if start <= moment(i) < end), key=moment, reverse=True)
            offset = _offset(q.get("nextToken"))
            page = chosen[offset : offset + limit]
            body: JsonDict = {"records": page}
            if offset + limit < len(chosen):
                body["next_token"] = _token(offset + limit)
            return await _faulty("whoop", store, request, body)

        return handler

    for kind, path in WHOOP_PATHS.items():
        fake.add_api_route(path, collection(kind))

    def single(kind: str, param: str) -> Any:
        async def handler(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
            found = store.find(kind, request.path_params[param])
            return await _faulty("whoop", store, request, found, 200 if found else 404)

        return handler

    fake.add_api_route("/v2/activity/sleep/{sleep_id}", single("sleep", "sleep_id"))
    fake.add_api_route("/v2/activity/workout/{workout_id}", single("workout", "workout_id"))

    async def cycle_recovery(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        cycle_id = request.path_params["cycle_id"]
        found = next((r for r in store.collections.get("recovery", []) if str(r["cycle_id"]) == cycle_id), None)
        return await _faulty("whoop", store, request, found, 200 if found else 404)

    fake.add_api_route("/v2/cycle/{cycle_id}/recovery", cycle_recovery)


# ----------------------------------------------------------------------------------------------- Strava


def _strava(fake: FakeProvider, store: DataStore) -> None:
    async def activities(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        q = request.query_params
        after = float(q.get("after", "-inf"))
        before = float(q.get("before", "inf"))
        page, per_page = int(q.get("page", "1")), min(int(q.get("per_page", "30")), 200)

        def epoch(item: JsonDict) -> float:
            return _instant(item["start_date"]).timestamp()

        items = sorted(
            (i for i in store.collections.get("activity", []) if after < epoch(i) < before), key=epoch, reverse=True
        )
        return await _faulty("strava", store, request, items[(page - 1) * per_page : page * per_page])

    async def activity(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        found = store.find("activity", request.path_params["activity_id"])
        return await _faulty("strava", store, request, found, 200 if found else 404)

    async def streams(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        q = request.query_params
        if "keys" not in q or q.get("key_by_type") != "true":
            return JSONResponse({"message": "Bad Request", "errors": [{"field": "keys", "code": "invalid"}]}, 400)
        found = store.streams.get(request.path_params["activity_id"])
        if found is None:
            return await _faulty("strava", store, request, None, 404)  # counted against the limits too
        body = {
            key: {"data": found[key], "series_type": "time", "original_size": len(found[key]), "resolution": "high"}
            for key in q["keys"].split(",")
            if key in found
        }
        return await _faulty("strava", store, request, body)

    fake.add_api_route("/athlete/activities", activities)
    fake.add_api_route("/activities/{activity_id}", activity)
    fake.add_api_route("/activities/{activity_id}/streams", streams)


# ----------------------------------------------------------------------------------------------- Intervals.icu


def _intervals(fake: FakeProvider, store: DataStore) -> None:
    def ranged(kind: str, day_of: Callable[[JsonDict], str]) -> Any:
        async def handler(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
            q = request.query_params
            if "oldest" not in q:
                return JSONResponse({"error": "oldest is required"}, status_code=422)
            oldest, newest = q["oldest"][:10], q.get("newest", "9999-12-31")[:10]
            items = [i for i in store.collections.get(kind, []) if oldest <= day_of(i) <= newest]
            items.sort(key=day_of, reverse=kind == "activity")
            return await _faulty("intervals", store, request, items)

        return handler

    fake.add_api_route("/athlete/{athlete}/activities", ranged("activity", lambda i: str(i["start_date_local"])[:10]))
    fake.add_api_route("/athlete/{athlete}/wellness.json", ranged("wellness", lambda i: str(i["id"])))

    async def activity(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        found = store.find("activity", request.path_params["activity_id"])
        return await _faulty("intervals", store, request, found, 200 if found else 404)

    async def wellness_day(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        found = store.find("wellness", request.path_params["day"])
        return await _faulty("intervals", store, request, found, 200 if found else 404)

    async def streams(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        if "types" not in request.query_params:
            return JSONResponse({"error": "types is required"}, status_code=422)
        found = store.streams.get(request.path_params["activity_id"])
        if found is None:
            return await _faulty("intervals", store, request, None, 404)
        body = [
            {"type": key, "name": None, "data": found[key], "data2": None, "valueTypeIsArray": False}
            for key in request.query_params["types"].split(",")
            if key in found
        ]
        return await _faulty("intervals", store, request, body)

    fake.add_api_route("/activity/{activity_id}", activity)
    fake.add_api_route("/activity/{activity_id}/streams.json", streams)
    fake.add_api_route("/athlete/{athlete}/wellness/{day}", wellness_day)


# ----------------------------------------------------------------------------------------------- Oura

OURA_PAGE = 50


def _oura(fake: FakeProvider, store: DataStore) -> None:
    async def collection(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        kind = request.path_params["kind"]
        q = request.query_params
        start, end = q.get("start_date", "0000-01-01"), q.get("end_date", "9999-12-31")
        items = sorted(
            (i for i in store.collections.get(kind, []) if start <= str(i["day"]) <= end), key=lambda i: str(i["day"])
        )
        offset = _offset(q.get("next_token"))
        page = items[offset : offset + OURA_PAGE]
        nxt = _token(offset + OURA_PAGE) if offset + OURA_PAGE < len(items) else None
        return await _faulty("oura", store, request, {"data": page, "next_token": nxt})

    async def document(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        found = store.find(request.path_params["kind"], request.path_params["document_id"])
        return await _faulty("oura", store, request, found, 200 if found else 404)

    fake.add_api_route("/v2/usercollection/{kind}", collection)
    fake.add_api_route("/v2/usercollection/{kind}/{document_id}", document)


def serve_data(fakes: FakeProviders) -> dict[str, DataStore]:
    """Give every fake provider its data endpoints; returns the stores to fill and the faults to switch."""
    stores = {name: DataStore() for name in fakes.by_name}
    _whoop(fakes["whoop"], stores["whoop"])
    _strava(fakes["strava"], stores["strava"])
    _intervals(fakes["intervals"], stores["intervals"])
    _oura(fakes["oura"], stores["oura"])
    return stores


# ----------------------------------------------------------------------------------------------- generators


def strava_activities(count: int, *, end: datetime, seed: int = 1) -> list[JsonDict]:
    """``count`` rides in Strava's SummaryActivity shape, one every ~4 hours back from ``end``."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        start = end.timestamp() - (n + 1) * 4 * 3600 - rng.randint(0, 3000)
        moving = rng.randint(1800, 3 * 3600)
        watts = rng.randint(150, 260)
        begin = datetime.fromtimestamp(math.floor(start), UTC)
        out.append(
            {
                "resource_state": 2,
                "athlete": {"id": 8142337, "resource_state": 1},
                "id": 14_000_000_000 + n,
                "name": f"Ride {n}",
                "sport_type": "Ride",
                "type": "Ride",
                "start_date": begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "start_date_local": (begin.replace(tzinfo=None) + _hour()).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "timezone": "(GMT+01:00) Europe/Berlin",
                "utc_offset": 3600.0,
                "moving_time": moving,
                "elapsed_time": moving + 120,
                "distance": moving * 8.9,
                "total_elevation_gain": float(rng.randint(0, 900)),
                "average_watts": float(watts),
                "weighted_average_watts": watts + 12,
                "max_watts": watts * 3,
                "kilojoules": round(watts * moving / 1000, 1),
                "device_watts": True,
                "has_heartrate": True,
                "average_heartrate": 140.0,
                "max_heartrate": 172.0,
            }
        )
    return out


def _hour() -> timedelta:
    return timedelta(hours=1)


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def whoop_days(
    days: int, *, end: datetime, workouts_per_day: int = 1, user_id: int = 48213
) -> dict[str, list[JsonDict]]:
    """``days`` WHOOP physiological days back from ``end``: a main sleep, its recovery, the cycle it opened
    and ``workouts_per_day`` workouts, all SCORED, in the v2 shapes of tests/fixtures/providers/whoop."""
    out: dict[str, list[JsonDict]] = {"sleep": [], "recovery": [], "cycle": [], "workout": []}
    for n in range(days):
        night = (end - timedelta(days=n + 1)).replace(hour=22, minute=10, second=0, microsecond=0)
        wake = night + timedelta(hours=7, minutes=40)
        cycle_id, sleep_id = 1_120_000 + n, f"00000000-0000-4000-8000-{n:012d}"
        stamp = {"user_id": user_id, "created_at": _z(wake), "updated_at": _z(wake), "timezone_offset": "+01:00"}
        out["sleep"].append(
            {
                "id": sleep_id,
                "cycle_id": cycle_id,
                **stamp,
                "start": _z(night),
                "end": _z(wake),
                "nap": False,
                "score_state": "SCORED",
                "score": {
                    "stage_summary": {
                        "total_in_bed_time_milli": 27_600_000,
                        "total_awake_time_milli": 1_800_000,
                        "total_no_data_time_milli": 0,
                        "total_light_sleep_time_milli": 13_000_000,
                        "total_slow_wave_sleep_time_milli": 6_200_000,
                        "total_rem_sleep_time_milli": 6_600_000,
                        "sleep_cycle_count": 4,
                        "disturbance_count": 9,
                    },
                    "respiratory_rate": 15.0,
                    "sleep_performance_percentage": 80 + n % 15,
                    "sleep_consistency_percentage": 77.0,
                    "sleep_efficiency_percentage": 93.0,
                },
            }
        )
        out["recovery"].append(
            {
                "cycle_id": cycle_id,
                "sleep_id": sleep_id,
                **{k: v for k, v in stamp.items() if k != "timezone_offset"},
                "score_state": "SCORED",
                "score": {
                    "user_calibrating": False,
                    "recovery_score": 40 + n % 50,
                    "resting_heart_rate": 48 + n % 7,
                    "hrv_rmssd_milli": 55.0 + n % 20,
                    "spo2_percentage": 96.5,
                    "skin_temp_celsius": 33.4,
                },
            }
        )
        out["cycle"].append(
            {
                "id": cycle_id,
                **stamp,
                "start": _z(night),
                "end": _z(night + timedelta(hours=24)),
                "score_state": "SCORED",
                "score": {"strain": 8.0 + n % 10, "kilojoule": 9000.0, "average_heart_rate": 62, "max_heart_rate": 170},
            }
        )
        for k in range(workouts_per_day):
            begin = wake + timedelta(hours=2 + 4 * k)
            out["workout"].append(
                {
                    "id": f"10000000-0000-4000-8000-{n * 10 + k:012d}",
                    **stamp,
                    "start": _z(begin),
                    "end": _z(begin + timedelta(minutes=75)),
                    "sport_name": "cycling",
                    "sport_id": 1,
                    "score_state": "SCORED",
                    "score": {
                        "strain": 12.4,
                        "average_heart_rate": 141,
                        "max_heart_rate": 172,
                        "kilojoule": 2874.6,
                        "percent_recorded": 99.2,
                        "distance_meter": 38412.5,
                        "altitude_gain_meter": 412.0,
                    },
                }
            )
    return out


# ----------------------------------------------------------------------------------------------- webhook senders


def whoop_delivery(secret: str, payload: JsonDict, *, at: datetime | None = None) -> tuple[dict[str, str], bytes]:
    """Headers and body of a WHOOP webhook delivery, signed as WHOOP signs it."""
    body = json.dumps(payload).encode()
    timestamp = str(int((at or datetime.now(UTC)).timestamp() * 1000))
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    headers = {
        "X-WHOOP-Signature": base64.b64encode(digest).decode(),
        "X-WHOOP-Signature-Timestamp": timestamp,
        "Content-Type": "application/json",
    }
    return headers, body


def oura_delivery(secret: str, payload: JsonDict, *, at: datetime | None = None) -> tuple[dict[str, str], bytes]:
    """Headers and body of an Oura webhook delivery: uppercase hex HMAC-SHA256 over timestamp + body."""
    body = json.dumps(payload).encode()
    timestamp = str(int((at or datetime.now(UTC)).timestamp()))
    signature = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest().upper()
    return {"x-oura-signature": signature, "x-oura-timestamp": timestamp, "Content-Type": "application/json"}, body
