"""Intervals.icu API calls, with an OAuth token or a personal API key (athlete ``0`` = the owner)."""

from __future__ import annotations

from datetime import date

from integrations.client import JsonObject, Profile, ProviderClient, list_of, object_of, path_id
from integrations.errors import ProviderUnavailable
from integrations.intervals import oauth

OWNER = "0"  # the athlete the token or key belongs to


class IntervalsClient(ProviderClient):
    oauth = oauth.PROVIDER

    async def profile(self) -> Profile:
        body = await self._request("GET", oauth.PROFILE_PATH)
        if not isinstance(body, dict) or "id" not in body:
            raise ProviderUnavailable(self.oauth.name, "Intervals.icu sent an athlete without an id.")
        return Profile(external_id=str(body["id"]), display_name=body.get("name"))

    async def revoke(self) -> bool:
        await self._request("DELETE", oauth.REVOKE_PATH)
        return True

    # ----------------------------------------------------------------------------- data

    async def activities(self, *, oldest: date, newest: date, athlete: str = OWNER) -> list[JsonObject]:
        """Activities whose local start date is in [oldest, newest]; there is no cursor, so callers page by date."""
        params = {"oldest": oldest.isoformat(), "newest": newest.isoformat()}
        body = await self._request("GET", f"{{api}}/athlete/{path_id(self.label, athlete)}/activities", params=params)
        return list_of(self.label, body)

    async def wellness(self, *, oldest: date, newest: date, athlete: str = OWNER) -> list[JsonObject]:
        """Wellness records (one per date, ``newest`` inclusive)."""
        params = {"oldest": oldest.isoformat(), "newest": newest.isoformat()}
        body = await self._request(
            "GET", f"{{api}}/athlete/{path_id(self.label, athlete)}/wellness.json", params=params
        )
        return list_of(self.label, body)

    async def activity(self, activity_id: str) -> JsonObject:
        return object_of(self.label, await self._request("GET", "{api}/activity/" + path_id(self.label, activity_id)))

    async def streams(self, activity_id: str, *, types: tuple[str, ...]) -> list[JsonObject]:
        """``GET /activity/{id}/streams.json``: a list of ``{type, data, ...}``; absent sensors are left out."""
        params = {"types": ",".join(types), "includeDefaults": "false"}
        path = "{api}/activity/" + path_id(self.label, activity_id) + "/streams.json"
        return list_of(self.label, await self._request("GET", path, params=params))

    async def wellness_day(self, day: date, *, athlete: str = OWNER) -> JsonObject:
        body = await self._request("GET", f"{{api}}/athlete/{path_id(self.label, athlete)}/wellness/{day.isoformat()}")
        return object_of(self.label, body)

    # ----------------------------------------------------------------------------- calendar (planned workouts)

    async def events(
        self, *, oldest: date, newest: date, category: str = "WORKOUT", athlete: str = OWNER
    ) -> list[JsonObject]:
        """Calendar events whose local start date is in [oldest, newest] (both inclusive)."""
        params = {"oldest": oldest.isoformat(), "newest": newest.isoformat(), "category": category}
        body = await self._request("GET", f"{{api}}/athlete/{path_id(self.label, athlete)}/events", params=params)
        return list_of(self.label, body)

    async def upsert_events(self, events: list[JsonObject], *, athlete: str = OWNER) -> list[JsonObject]:
        """Create or update events in one call: an event whose ``external_id`` matches one this app created is
        updated, the others are created (``upsert=true``; forum.intervals.icu t/63624)."""
        body = await self._request(
            "POST",
            f"{{api}}/athlete/{path_id(self.label, athlete)}/events/bulk",
            params={"upsert": "true"},
            json_body=events,
        )
        return list_of(self.label, body)

    async def delete_event(self, event_id: str, *, athlete: str = OWNER) -> None:
        owner = path_id(self.label, athlete)
        await self._request("DELETE", f"{{api}}/athlete/{owner}/events/{path_id(self.label, event_id)}")
