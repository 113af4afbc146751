"""Oura API v2 calls. 429 carries ``Retry-After``; 403 means the user's membership has lapsed."""

from __future__ import annotations

from integrations.client import Profile, ProviderClient
from integrations.errors import ProviderUnavailable
from integrations.oura import oauth


class OuraClient(ProviderClient):
    oauth = oauth.PROVIDER

    async def profile(self) -> Profile:
        body = await self._request("GET", oauth.PROFILE_PATH)
        if not isinstance(body, dict) or "id" not in body:
            raise ProviderUnavailable(self.oauth.name, "Oura sent personal info without an id.")
        return Profile(external_id=str(body["id"]), display_name=None)

    async def revoke(self) -> bool:
        authorization = await self._credentials.authorization()
        token = authorization.removeprefix("Bearer ")
        # Oura's revoke endpoint takes the token as a query parameter; it never reaches a log (the HTTP
        # client loggers stay at WARNING and our messages never include URLs).
        await self._request("POST", oauth.REVOKE_PATH, params={"access_token": token})
        return True
