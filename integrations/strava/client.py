"""Strava API v3 calls. 429s carry no ``Retry-After``: the windows reset at :00, :15, :30 and :45."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2

from integrations.client import JsonObject, Profile, ProviderClient, list_of, object_of, path_id
from integrations.errors import ProviderUnavailable
from integrations.strava import oauth

WINDOW_S = 15 * 60
PER_PAGE = 200  # the documented maximum; fewer requests against a read limit of 100 per quarter hour


def seconds_to_next_window(now: datetime) -> float:
    """Seconds until Strava's next quarter-hour rate-limit window."""
    elapsed = (now.minute * 60 + now.second + now.microsecond / 1e6) % WINDOW_S
    return WINDOW_S - elapsed


class StravaClient(ProviderClient):
    oauth = oauth.PROVIDER

    def _retry_after(self, response: httpx2.Response) -> float | None:
        return seconds_to_next_window(datetime.now(UTC))

    async def profile(self) -> Profile:
        body = await self._request("GET", oauth.PROFILE_PATH)
        if not isinstance(body, dict) or "id" not in body:
            raise ProviderUnavailable(self.oauth.name, "Strava sent an athlete without an id.")
        return Profile(external_id=str(body["id"]), display_name=body.get("firstname"))

    async def revoke(self) -> bool:
        # The legacy deauthorize endpoint is the documented one ([V]); it ends every token of the athlete.
        await self._request("POST", oauth.DEAUTHORIZE_PATH)
        return True

    # ----------------------------------------------------------------------------- data

    async def athlete(self) -> JsonObject:
        return object_of(self.label, await self._request("GET", oauth.PROFILE_PATH))

    async def activities(
        self, *, after: datetime, before: datetime, page: int, per_page: int = PER_PAGE
    ) -> list[JsonObject]:
        """``GET /athlete/activities``: newest first; a page shorter than ``per_page`` is the last."""
        params = {
            "after": str(int(after.timestamp())),
            "before": str(int(before.timestamp())),
            "page": str(page),
            "per_page": str(per_page),
        }
        return list_of(self.label, await self._request("GET", "{api}/athlete/activities", params=params))

    async def activity(self, activity_id: str) -> JsonObject:
        return object_of(self.label, await self._request("GET", "{api}/activities/" + path_id(self.label, activity_id)))

    async def streams(self, activity_id: str, *, keys: tuple[str, ...]) -> JsonObject:
        """``GET /activities/{id}/streams`` keyed by type: ``{"watts": {"data": [...], ...}, ...}``.

        A sensor the activity lacks is simply absent (reference §2.3); one request per activity, so callers
        budget these against the read limit of 100 per quarter hour.
        """
        params = {"keys": ",".join(keys), "key_by_type": "true"}
        path = "{api}/activities/" + path_id(self.label, activity_id) + "/streams"
        return object_of(self.label, await self._request("GET", path, params=params))
