"""Intervals.icu: token at /api/oauth/token, no refresh and no expiry, API keys in HTTP Basic; calendar events."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.providers.server import FakeProvider, Grant, JsonDict, VendorSpec


def _athlete(grant: Grant) -> JsonDict:
    athlete_id = grant.user_id if grant.user_id.startswith("i") else f"i{grant.user_id}"
    return {"id": athlete_id, "name": f"{grant.first_name} Rider"}


SPEC = VendorSpec(
    name="intervals",
    oauth_prefix="",
    api_prefix="/api/v1",
    authorize_path="/oauth/authorize",
    token_path="/api/oauth/token",
    profile_path="/athlete/0",
    profile=_athlete,
    revoke=("DELETE", "api:/disconnect-app"),
    scope_separator=",",
    access_ttl_s=None,
    token_extra=lambda grant: {"athlete": _athlete(grant)},
    api_key_auth=True,
)


# ------------------------------------------------------------------------------------------------ calendar events
#
# The documented events API (forum.intervals.icu t/609, t/63624, t/93737; reference/workouts.md §4):
#   GET    /athlete/{id}/events?oldest&newest&category    list, local dates inclusive
#   POST   /athlete/{id}/events                           create one
#   PUT    /athlete/{id}/events/{eventId}                 update the fields sent
#   DELETE /athlete/{id}/events/{eventId}                 delete one
#   POST   /athlete/{id}/events/bulk?upsert=true          create many; with upsert, an item whose external_id
#                                                         matches an event created by the *same app* updates it
#   PUT    /athlete/{id}/events/bulk-delete               [{"id": 1}, {"external_id": "x"}]
# Malformed events are refused with 422 {"status": 422, "error": "..."} and nothing of the request is stored.

KNOWN_CATEGORIES = frozenset(
    {
        "WORKOUT", "RACE_A", "RACE_B", "RACE_C", "NOTE", "PLAN", "HOLIDAY", "SICK", "INJURED", "SET_EFTP",
        "FITNESS_DAYS", "SEASON_START", "TARGET", "SET_FITNESS",
    }
)  # fmt: skip
KNOWN_TYPES = frozenset(
    {
        "Ride", "VirtualRide", "GravelRide", "MountainBikeRide", "EBikeRide", "Run", "VirtualRun", "TrailRun",
        "Swim", "OpenWaterSwim", "WeightTraining", "Walk", "Hike", "Rowing", "NordicSki", "Yoga", "Workout", "Other",
    }
)  # fmt: skip
NAME_MAX = 80
_LOCAL_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_WRITABLE = (
    "category", "start_date_local", "end_date_local", "type", "name", "description", "moving_time",
    "icu_training_load", "distance", "external_id", "color", "indoor", "filename", "file_contents",
    "file_contents_base64",
)  # fmt: skip


@dataclass(frozen=True)
class Fault:
    """The next calendar request fails with ``status``; ``after_write``: the change is made, the answer lost."""

    status: int
    after_write: bool = False
    retry_after_s: int | None = None


@dataclass
class StoredEvent:
    app: str  # who created it: "oauth:<client id>", "api-key", or "web" (the athlete, in Intervals.icu itself)
    body: JsonDict


class Invalid(Exception):
    pass


@dataclass
class IntervalsCalendar:
    """Events per athlete, as Intervals.icu keeps them; tests read `events` and queue `faults`."""

    provider: FakeProvider
    events: dict[str, list[StoredEvent]] = field(default_factory=dict)  # athlete id → events
    faults: list[Fault] = field(default_factory=list)
    writes: list[tuple[str, str, Any]] = field(default_factory=list)  # (method, path, JSON body) of changes
    _next_id: int = 90_001

    # -------------------------------------------------------------------------------- test controls

    def add_athlete_event(self, athlete_id: str, **body: Any) -> JsonDict:
        """An event the athlete made in Intervals.icu's own calendar."""
        return self._create(athlete_id, "web", dict(body))

    def of(self, athlete_id: str, *, app: str | None = None) -> list[JsonDict]:
        return [e.body for e in self.events.get(athlete_id, []) if app is None or e.app == app]

    # -------------------------------------------------------------------------------- helpers

    def _create(self, athlete_id: str, app: str, item: JsonDict) -> JsonDict:
        body = {key: item[key] for key in _WRITABLE if key in item}
        body["id"] = self._next_id
        self._next_id += 1
        self._stamp(body)
        self.events.setdefault(athlete_id, []).append(StoredEvent(app, body))
        return body

    @staticmethod
    def _stamp(body: JsonDict) -> None:
        start = datetime.fromisoformat(body["start_date_local"])
        body["end_date_local"] = (start.replace(hour=0, minute=0, second=0) + timedelta(days=1)).isoformat()
        body["updated"] = datetime.now(UTC).isoformat()

    @staticmethod
    def _check(item: Any, *, partial: bool = False) -> None:
        if not isinstance(item, dict):
            raise Invalid("Event must be an object")
        if not partial and not item.get("category"):
            raise Invalid("category is required")
        if "category" in item and item["category"] not in KNOWN_CATEGORIES:
            raise Invalid(f"Invalid category [{item['category']}]")
        if not partial and not item.get("start_date_local"):
            raise Invalid("start_date_local is required")
        if "start_date_local" in item:
            text = item["start_date_local"]
            if not isinstance(text, str) or not _LOCAL_DATE_TIME.fullmatch(text):
                raise Invalid(f"Invalid start_date_local [{text}], expected yyyy-MM-ddTHH:mm:ss")
            try:
                datetime.fromisoformat(text)
            except ValueError as err:
                raise Invalid(f"Invalid start_date_local [{text}]") from err
        if len(str(item.get("name") or "")) > NAME_MAX:
            raise Invalid("Name is too long")
        if "type" in item and item["type"] not in KNOWN_TYPES:
            raise Invalid(f"Invalid type [{item['type']}]")

    @staticmethod
    def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"status": status, "error": message}, status_code=status, headers=headers)

    def _athlete(self, request: Request, grant: Grant | None) -> str | None:
        """The athlete the path names, if the credentials belong to them (``0`` = the owner)."""
        assert grant is not None
        own = str(_athlete(grant)["id"])
        named = request.path_params["athlete"]
        return own if named in ("0", own) else None

    @staticmethod
    def _app(request: Request) -> str:
        header = request.headers.get("authorization", "")
        return "api-key" if header.startswith("Basic ") else "oauth"

    @staticmethod
    def _may(grant: Grant, request: Request, *, write: bool) -> bool:
        if request.headers.get("authorization", "").startswith("Basic "):
            return True  # a personal key can do all its owner can
        scopes = set(grant.scope.split(","))
        return "CALENDAR:WRITE" in scopes or (not write and "CALENDAR:READ" in scopes)

    def _fault(self, *, before_write: bool) -> Fault | None:
        if self.faults and (self.faults[0].after_write is not before_write):
            return self.faults.pop(0)
        return None

    @staticmethod
    def _fault_response(fault: Fault) -> JSONResponse:
        headers = {"Retry-After": str(fault.retry_after_s)} if fault.retry_after_s is not None else None
        message = "Too many requests" if fault.status == 429 else "Server error"
        return IntervalsCalendar._error(fault.status, message, headers)

    def _endpoint(self, handler: Any, *, write: bool) -> Any:
        async def endpoint(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
            assert grant is not None
            fault = self._fault(before_write=True)
            if fault is not None:
                return self._fault_response(fault)
            athlete = self._athlete(request, grant)
            if athlete is None:
                return self._error(403, "Access denied")
            if not self._may(grant, request, write=write):
                return self._error(403, "Missing scope CALENDAR:" + ("WRITE" if write else "READ"))
            try:
                response: Response = await handler(request, athlete, self._app(request))
            except Invalid as err:
                return self._error(422, str(err))
            fault = self._fault(before_write=False) if write else None
            return self._fault_response(fault) if fault is not None else response

        return endpoint

    async def _json(self, request: Request) -> Any:
        try:
            return json.loads(await request.body())
        except ValueError as err:
            raise Invalid("Body is not JSON") from err

    # -------------------------------------------------------------------------------- endpoints

    async def list_events(self, request: Request, athlete: str, app: str) -> Response:
        q = request.query_params
        try:
            oldest = date.fromisoformat(q["oldest"]) if "oldest" in q else date.today()
            newest = date.fromisoformat(q["newest"]) if "newest" in q else oldest + timedelta(days=6)
        except ValueError as err:
            raise Invalid("oldest and newest are yyyy-MM-dd") from err
        categories = set(q["category"].split(",")) if q.get("category") else None
        out = [
            dict(e.body)
            for e in self.events.get(athlete, [])
            if oldest <= date.fromisoformat(e.body["start_date_local"][:10]) <= newest
            and (categories is None or e.body.get("category") in categories)
        ]
        out.sort(key=lambda b: (b["start_date_local"], b["id"]))
        return JSONResponse(out)

    async def create(self, request: Request, athlete: str, app: str) -> Response:
        item = await self._json(request)
        self._check(item)
        self.writes.append((request.method, request.url.path, item))
        return JSONResponse(self._create(athlete, app, item))

    async def bulk(self, request: Request, athlete: str, app: str) -> Response:
        items = await self._json(request)
        if not isinstance(items, list):
            raise Invalid("Expected an array of events")
        for item in items:
            self._check(item)  # all or nothing
        self.writes.append((request.method, request.url.path, items))
        upsert = request.query_params.get("upsert") == "true"
        out = []
        for item in items:
            match = None
            if upsert and item.get("external_id"):
                match = next(
                    (
                        e
                        for e in self.events.get(athlete, [])
                        if e.app == app and e.body.get("external_id") == item["external_id"]
                    ),
                    None,
                )
            if match is None:
                out.append(self._create(athlete, app, item))
            else:
                match.body.update({key: item[key] for key in _WRITABLE if key in item})
                self._stamp(match.body)
                out.append(match.body)
        return JSONResponse(out)

    def _find(self, athlete: str, event_id: str) -> StoredEvent | None:
        return next((e for e in self.events.get(athlete, []) if str(e.body["id"]) == event_id), None)

    async def update(self, request: Request, athlete: str, app: str) -> Response:
        stored = self._find(athlete, request.path_params["event_id"])
        if stored is None:
            return self._error(404, "Event not found")
        item = await self._json(request)
        self._check(item, partial=True)
        self.writes.append((request.method, request.url.path, item))
        stored.body.update({key: item[key] for key in _WRITABLE if key in item})
        self._stamp(stored.body)
        return JSONResponse(stored.body)

    async def delete(self, request: Request, athlete: str, app: str) -> Response:
        stored = self._find(athlete, request.path_params["event_id"])
        if stored is None:
            return self._error(404, "Event not found")
        self.writes.append((request.method, request.url.path, None))
        self.events[athlete].remove(stored)
        return JSONResponse({"id": stored.body["id"]})

    async def bulk_delete(self, request: Request, athlete: str, app: str) -> Response:
        items = await self._json(request)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Invalid("Expected an array of {id} or {external_id}")
        self.writes.append((request.method, request.url.path, items))
        ids = {str(i["id"]) for i in items if "id" in i}
        external = {i["external_id"] for i in items if "external_id" in i}
        before = self.events.get(athlete, [])
        kept = [
            e
            for e in before
            if str(e.body["id"]) not in ids and not (e.app == app and e.body.get("external_id") in external)
        ]
        self.events[athlete] = kept
        return JSONResponse({"eventsDeleted": len(before) - len(kept)})


def serve_calendar(provider: FakeProvider) -> IntervalsCalendar:
    """Add the events API to the Intervals.icu fake; the returned calendar holds every athlete's events."""
    calendar = IntervalsCalendar(provider)
    base = "/athlete/{athlete}/events"
    routes = (
        (base + "/bulk", calendar.bulk, ("POST",), True),
        (base + "/bulk-delete", calendar.bulk_delete, ("PUT",), True),
        (base, calendar.list_events, ("GET",), False),
        (base, calendar.create, ("POST",), True),
        (base + "/{event_id}", calendar.update, ("PUT",), True),
        (base + "/{event_id}", calendar.delete, ("DELETE",), True),
    )
    for path, handler, methods, write in routes:
        provider.add_api_route(path, calendar._endpoint(handler, write=write), methods=methods)
    return calendar
