"""Intervals.icu API calls, with an OAuth token or a personal API key (athlete ``0`` = the owner)."""

from __future__ import annotations

from integrations.client import Profile, ProviderClient
from integrations.errors import ProviderUnavailable
from integrations.intervals import oauth


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
