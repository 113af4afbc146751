"""Oura API v2 calls. 429 carries ``Retry-After``; 403 means the user's membership has lapsed."""

from __future__ import annotations

from datetime import date

from integrations.client import JsonObject, Profile, ProviderClient, object_of, path_id, records_of
from integrations.errors import ProviderUnavailable
from integrations.oura import oauth

# The usercollection types the sync reads (reference §4.2).
COLLECTIONS = ("daily_readiness", "daily_sleep", "sleep", "daily_spo2", "workout")


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

    # ----------------------------------------------------------------------------- data

    async def collection(
        self, kind: str, *, start_date: date, end_date: date, next_token: str | None = None
    ) -> tuple[list[JsonObject], str | None]:
        """One page of ``/v2/usercollection/<kind>``, and the next page's token (None on the last)."""
        params = {"start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
        if next_token:
            params["next_token"] = next_token
        body = await self._request("GET", "{api}/v2/usercollection/" + kind, params=params)
        return records_of(self.label, body, "data", "next_token")

    async def document(self, kind: str, document_id: str) -> JsonObject:
        body = await self._request("GET", f"{{api}}/v2/usercollection/{kind}/{path_id(self.label, document_id)}")
        return object_of(self.label, body)
