"""The authorization-code grant with authlib: the authorize URL, the code exchange, a refresh.

authlib's `AsyncOAuth2Client` (an ``httpx2`` client) builds the requests and parses the answers. It is
used for single calls, not as a long-lived auto-refreshing session: its refresh lock only covers one
client object in one process, and refresh tokens that rotate need a lock across processes
(`integrations.oauth.refresh`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from integrations.client import TIMEOUT_S
from integrations.errors import ProviderAuthError, ProviderError, ProviderUnavailable
from integrations.oauth.provider import OAuthProvider, ProviderApp

logger = logging.getLogger(__name__)

# Errors with which a token endpoint says "this grant is dead; only the user can start over".
DEAD_GRANT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"})


@dataclass(frozen=True, slots=True)
class TokenResponse:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str | None
    raw_user_id: str | None  # the provider's id for the user, when the token response carries it

    def __repr__(self) -> str:
        return f"TokenResponse(expires_at={self.expires_at!r}, scope={self.scope!r})"


def _expires_at(token: dict[str, Any], now: datetime) -> datetime | None:
    if token.get("expires_at") is not None:
        return datetime.fromtimestamp(float(token["expires_at"]), UTC)
    if token.get("expires_in") is not None:
        return now + timedelta(seconds=float(token["expires_in"]))
    return None


def _user_id(token: dict[str, Any]) -> str | None:
    athlete = token.get("athlete")  # Strava and Intervals.icu name the athlete in the token response
    if isinstance(athlete, dict) and athlete.get("id") is not None:
        return str(athlete["id"])
    if token.get("user_id") is not None:
        return str(token["user_id"])
    return None


class OAuthFlow:
    def __init__(self, provider: OAuthProvider, app: ProviderApp, *, redirect_uri: str) -> None:
        self.provider = provider
        self.app = app
        self.redirect_uri = redirect_uri

    def _client(self, *, scope: str | None) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.app.client_id,
            client_secret=self.app.client_secret,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - every provider here documents form fields
            scope=scope,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256" if self.provider.pkce else None,
            timeout=TIMEOUT_S,
        )

    def authorization_url(self, *, state: str, code_verifier: str | None) -> str:
        client = self._client(scope=self.provider.scope)
        url, _ = client.create_authorization_url(
            self.app.url(self.provider.authorize_url),
            state=state,
            code_verifier=code_verifier,
            **self.provider.authorize_params,
        )
        return str(url)

    async def exchange(self, *, code: str, code_verifier: str | None, now: datetime) -> TokenResponse:
        extra: dict[str, str] = {"code_verifier": code_verifier} if code_verifier else {}
        async with self._client(scope=None) as client:
            token = await self._call(
                client.fetch_token(
                    self.app.url(self.provider.token_url), code=code, grant_type="authorization_code", **extra
                )
            )
        return self._parse(token, now=now, previous_refresh=None)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenResponse:
        async with self._client(scope=None) as client:
            token = await self._call(
                client.refresh_token(
                    self.app.url(self.provider.token_url), refresh_token=refresh_token, **self.provider.refresh_params
                )
            )
        # A provider that does not rotate may omit the refresh token: keep the one we have.
        return self._parse(token, now=now, previous_refresh=refresh_token)

    async def _call(self, request: Any) -> dict[str, Any]:
        name, label = self.provider.name, self.provider.label
        try:
            token = await request
        except OAuthError as err:
            if err.error in DEAD_GRANT_ERRORS:
                raise ProviderAuthError(name, f"{label} refused the grant ({err.error}).") from err
            raise ProviderError(name, f"{label} refused the token request ({err.error}).") from err
        except httpx2.TimeoutException as err:
            raise ProviderUnavailable(name, f"{label} did not answer the token request in time.") from err
        except httpx2.TransportError as err:
            raise ProviderUnavailable(name, f"{label} could not be reached ({type(err).__name__}).") from err
        except ValueError as err:  # a non-JSON body (a 5xx page)
            raise ProviderUnavailable(name, f"{label} sent an unreadable token answer.") from err
        if not isinstance(token, dict) or not token.get("access_token"):
            raise ProviderUnavailable(name, f"{label} sent a token answer without an access token.")
        return dict(token)

    def _parse(self, token: dict[str, Any], *, now: datetime, previous_refresh: str | None) -> TokenResponse:
        scope = token.get("scope")
        return TokenResponse(
            access_token=str(token["access_token"]),
            refresh_token=str(token["refresh_token"]) if token.get("refresh_token") else previous_refresh,
            expires_at=_expires_at(token, now),
            scope=" ".join(scope) if isinstance(scope, list) else scope,
            raw_user_id=_user_id(token),
        )
