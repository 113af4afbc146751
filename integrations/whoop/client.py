"""WHOOP API v2 calls. Rate limits: 100 requests/minute, 10,000/day; 429 carries ``X-RateLimit-Reset``."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations.client import JsonObject, Profile, ProviderClient, object_of, path_id, records_of
from integrations.errors import ProviderUnavailable
from integrations.whoop import oauth

# Collections (reference §1.2): ``limit`` ≤ 25, ``start`` inclusive, ``end`` exclusive, ``nextToken`` in the
# query and ``next_token`` in the answer; newest first.
COLLECTIONS = {
    "cycle": "{api}/v2/cycle",
    "recovery": "{api}/v2/recovery",
    "sleep": "{api}/v2/activity/sleep",
    "workout": "{api}/v2/activity/workout",
}
PAGE_LIMIT = 25


def iso_ms(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class WhoopClient(ProviderClient):
    oauth = oauth.PROVIDER

    async def profile(self) -> Profile:
        body = await self._request("GET", oauth.PROFILE_PATH)
        if not isinstance(body, dict) or "user_id" not in body:
            raise ProviderUnavailable(self.oauth.name, "WHOOP sent a profile without a user id.")
        return Profile(external_id=str(body["user_id"]), display_name=body.get("first_name"))

    async def revoke(self) -> bool:
        await self._request("DELETE", oauth.REVOKE_PATH)
        return True

    # ----------------------------------------------------------------------------- data

    async def collection(
        self, kind: str, *, start: datetime, end: datetime, next_token: str | None = None
    ) -> tuple[list[JsonObject], str | None]:
        """One page of ``kind`` (cycle, recovery, sleep, workout) in [start, end), and the next page's token."""
        params = {"limit": str(PAGE_LIMIT), "start": iso_ms(start), "end": iso_ms(end)}
        if next_token:
            params["nextToken"] = next_token
        body = await self._request("GET", COLLECTIONS[kind], params=params)
        return records_of(self.label, body, "records", "next_token")

    async def sleep(self, sleep_id: str) -> JsonObject:
        return object_of(
            self.label, await self._request("GET", "{api}/v2/activity/sleep/" + path_id(self.label, sleep_id))
        )

    async def workout(self, workout_id: str) -> JsonObject:
        return object_of(
            self.label, await self._request("GET", "{api}/v2/activity/workout/" + path_id(self.label, workout_id))
        )

    async def cycle_recovery(self, cycle_id: str) -> JsonObject:
        return object_of(
            self.label, await self._request("GET", f"{{api}}/v2/cycle/{path_id(self.label, cycle_id)}/recovery")
        )
