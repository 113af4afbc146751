"""WHOOP API v2 calls. Rate limits: 100 requests/minute, 10,000/day; 429 carries ``X-RateLimit-Reset``."""

from __future__ import annotations

from integrations.client import Profile, ProviderClient
from integrations.errors import ProviderUnavailable
from integrations.whoop import oauth


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
