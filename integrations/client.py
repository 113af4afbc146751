"""What every provider client shares: credentials per request, and vendor errors → the error tree.

Each ``integrations/<provider>/client.py`` subclasses `ProviderClient` and adds its endpoints; they all
go through `ProviderClient._request`, the one place where an HTTP answer becomes data or a
`ProviderError`. Error messages name the provider and the status, never a URL (Oura's revoke URL carries
a token) and never a body.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import httpx2

from integrations.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)
from integrations.oauth.provider import OAuthProvider, ProviderApp

logger = logging.getLogger(__name__)

TIMEOUT_S = 20.0


class Credentials(Protocol):
    """Where a client gets the ``Authorization`` header for one user's connection."""

    async def authorization(self) -> str:
        """A header value that should work now (refreshing first if the token is about to expire)."""
        ...

    async def rejected(self, authorization: str) -> bool:
        """The provider refused ``authorization``; True when a different one is now worth a retry."""
        ...


@dataclass(frozen=True, slots=True)
class Profile:
    """Who the user is at the provider: proof that the token works, and the id webhooks will name."""

    external_id: str
    display_name: str | None


def new_http_client() -> httpx2.AsyncClient:
    return httpx2.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False)


def retry_after_seconds(response: httpx2.Response) -> float | None:
    """``Retry-After`` (Oura) or ``X-RateLimit-Reset`` in seconds (WHOOP); None when neither says."""
    for header in ("retry-after", "x-ratelimit-reset"):
        value = response.headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value.split(",")[0].strip())
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


class ProviderClient:
    oauth: ClassVar[OAuthProvider]

    def __init__(self, http: httpx2.AsyncClient, app: ProviderApp, credentials: Credentials) -> None:
        self._http = http
        self._app = app
        self._credentials = credentials

    @property
    def label(self) -> str:
        return self.oauth.label

    def _retry_after(self, response: httpx2.Response) -> float | None:
        return retry_after_seconds(response)

    async def _request(
        self,
        method: str,
        url_template: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Any:
        """One API call with the user's credentials; JSON (or None for an empty answer) or a `ProviderError`.

        A 401 is offered to the credentials once: if another task refreshed the token meanwhile, or a
        forced refresh works, the call is repeated with the new token.
        """
        url = self._app.url(url_template)
        for attempt in (1, 2):
            authorization = await self._credentials.authorization()
            try:
                response = await self._http.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    json=json_body,
                    headers={"Authorization": authorization, "Accept": "application/json"},
                )
            except httpx2.TimeoutException as err:
                raise ProviderUnavailable(self.oauth.name, f"{self.label} did not answer in time.") from err
            except httpx2.TransportError as err:
                raise ProviderUnavailable(
                    self.oauth.name, f"{self.label} could not be reached ({type(err).__name__})."
                ) from err
            if response.status_code == 401 and attempt == 1 and await self._credentials.rejected(authorization):
                continue
            return self._result(response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _result(self, response: httpx2.Response) -> Any:
        status = response.status_code
        name = self.oauth.name
        if status in (401, 403):
            raise ProviderAuthError(name, f"{self.label} refused our access ({status}).")
        if status == 429:
            wait = self._retry_after(response)
            raise ProviderRateLimited(name, f"{self.label} asks us to slow down ({status}).", retry_after=wait)
        if status >= 500:
            raise ProviderUnavailable(name, f"{self.label} is having trouble ({status}).")
        if status == 404:
            raise ProviderNotFound(name, f"{self.label} has no such resource ({status}).")
        if status >= 400:
            raise ProviderRejected(name, f"{self.label} rejected the request ({status}).", status=status)
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as err:
            raise ProviderUnavailable(name, f"{self.label} sent an answer that is not JSON.") from err

    async def profile(self) -> Profile:
        raise NotImplementedError

    async def revoke(self) -> bool:
        """End our access at the provider; False when the provider has no way to do that."""
        return False


JsonObject = dict[str, Any]


def object_of(provider: str, body: Any) -> JsonObject:
    """One provider object; anything else is an answer we cannot read (retried like a 5xx)."""
    if not isinstance(body, dict):
        raise ProviderUnavailable(provider, f"{provider} sent an object that is not a JSON object.")
    return body


def records_of(provider: str, body: Any, records: str, token: str) -> tuple[list[JsonObject], str | None]:
    """``{records: [...], next_token: ...}`` → (records, next token or None); a malformed page is unreadable."""
    if not isinstance(body, dict) or not isinstance(body.get(records), list):
        raise ProviderUnavailable(provider, f"{provider} sent a page without its '{records}' list.")
    items = body[records]
    if not all(isinstance(item, dict) for item in items):
        raise ProviderUnavailable(provider, f"{provider} sent a page with an entry that is not an object.")
    nxt = body.get(token)
    return items, (str(nxt) if nxt else None)


def list_of(provider: str, body: Any) -> list[JsonObject]:
    """A bare JSON array of objects (Strava, Intervals.icu)."""
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise ProviderUnavailable(provider, f"{provider} sent a page that is not a list of objects.")
    return body


_SAFE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def path_id(provider: str, value: object) -> str:
    """An object id fit for a URL path; ids arrive in webhook bodies, so nothing else gets into a path."""
    text = str(value)
    if not _SAFE_ID.fullmatch(text) or text in (".", ".."):
        raise ProviderError(provider, f"{provider} named an object with an unusable id.")
    return text
