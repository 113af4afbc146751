"""Access tokens that stay valid without ever locking a user out.

Refresh tokens rotate at WHOOP, Strava and Oura: a refresh kills the old refresh token, so two refreshes
racing each other leave one side holding a dead token, and reusing it revokes the whole grant (RFC 9700
§4.14). Hence:

1. Refresh shortly before expiry (`REFRESH_MARGIN`), not after a failed call.
2. Single-flight per (user, provider): an asyncio lock in this process, and a ``SELECT … FOR UPDATE``
   on the Integration row across processes. After acquiring the lock the row is read again: if another
   task or process refreshed meanwhile, its token is used and no second refresh is sent.
3. The rotated tokens are committed before the new access token is used, so a crash after the provider
   answered loses nothing we could have kept.
4. A dead grant (``invalid_grant``, revoked) marks the connection ``FAILED`` with an error message, and
   the user is told once — only the call that moves the row into ``FAILED`` notifies.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Integration
from db.repositories import integrations
from integrations.errors import ProviderAuthError
from integrations.intervals.oauth import api_key_authorization
from integrations.oauth.flow import OAuthFlow
from integrations.tokens import ACCESS, REFRESH, Tokens, open_tokens
from integrations.vault import DecryptionFailed, TokenVault

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
API_KEY = "api_key"

AuthLost = Callable[[str, str], Awaitable[None]]


def _bearer(token: str) -> str:
    return f"Bearer {token}"


class TokenManager:
    """Hands out working ``Authorization`` headers for (user, provider), refreshing when due."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        vault: TokenVault,
        flows: Mapping[str, OAuthFlow],
        clock: Callable[[], datetime],
        on_auth_lost: AuthLost,
    ) -> None:
        self._sessions = sessions
        self._vault = vault
        self._flows = flows
        self._clock = clock
        self.on_auth_lost = on_auth_lost
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, user_id: str, provider: str) -> asyncio.Lock:
        key = (user_id, provider)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    def _due(self, row: Integration) -> bool:
        return row.expires_at is not None and row.expires_at - REFRESH_MARGIN <= self._clock()

    def _header(self, row: Integration, tokens: Tokens) -> str:
        if row.auth_method == API_KEY:
            return api_key_authorization(tokens.access_token)
        return _bearer(tokens.access_token)

    def _open(self, row: Integration) -> Tokens:
        try:
            return open_tokens(self._vault, row)
        except DecryptionFailed as err:
            raise ProviderAuthError(row.provider, "The stored tokens cannot be opened; please reconnect.") from err

    async def authorization(self, user_id: str, provider: str) -> str:
        async with self._sessions() as session:
            row = await integrations.get(session, user_id=user_id, provider=provider)
        if row is None:
            raise ProviderAuthError(provider, "This provider is not connected.")
        if integrations.auth_lost(row):
            raise ProviderAuthError(provider, row.error_message or "The connection needs to be renewed.")
        if not self._due(row):
            return self._header(row, self._open(row))
        return await self._refresh(user_id, provider, used=None)

    async def refused(self, user_id: str, provider: str, message: str) -> None:
        """The provider refused what the grant should allow (a 403: a revoked key, a scope taken away): the
        connection is marked lost like a failed refresh, and the first to mark it tells the user, once."""
        async with self._sessions.begin() as session:
            row = await integrations.get_for_update(session, user_id=user_id, provider=provider)
            notify = row is not None and _mark_failed(row, message, self._clock())
        if notify:
            logger.warning("the %s connection of user %s failed: %s", provider, user_id, message)
            await self.on_auth_lost(user_id, provider)

    async def rejected(self, user_id: str, provider: str, authorization: str) -> bool:
        """The provider refused ``authorization`` (401): refresh once unless someone already did."""
        try:
            await self._refresh(user_id, provider, used=authorization)
        except ProviderAuthError:
            return False
        return True

    async def _refresh(self, user_id: str, provider: str, *, used: str | None) -> str:
        """Refresh under both locks; ``used`` is a header the provider refused (force a refresh)."""
        async with self._lock(user_id, provider):
            failure: str | None = None
            cause: ProviderAuthError | None = None
            notify = False
            async with self._sessions.begin() as session:
                row = await integrations.get_for_update(session, user_id=user_id, provider=provider)
                if row is None:
                    raise ProviderAuthError(provider, "This provider is not connected.")
                if integrations.auth_lost(row):
                    raise ProviderAuthError(provider, row.error_message or "The connection needs to be renewed.")
                tokens = self._open(row)
                current = self._header(row, tokens)
                if used is None and not self._due(row):
                    return current  # someone refreshed while we waited for the lock
                if used is not None and used != current:
                    return current  # the refused header was an old one; the stored one is newer
                flow = self._flows.get(provider)
                label = flow.provider.label if flow is not None else provider
                if flow is None or not flow.provider.refreshes or tokens.refresh_token is None:
                    failure = f"{label} no longer accepts our access; please reconnect."
                else:
                    try:
                        fresh = await flow.refresh(refresh_token=tokens.refresh_token, now=self._clock())
                    except ProviderAuthError as err:
                        failure, cause = f"{label} ended our access; please reconnect.", err
                if failure is not None:
                    notify = _mark_failed(row, failure, self._clock())
                else:
                    ids = {"user_id": row.user_id, "provider": row.provider}
                    row.access_token = self._vault.encrypt(fresh.access_token, field=ACCESS, **ids)
                    if fresh.refresh_token is not None:
                        row.refresh_token = self._vault.encrypt(fresh.refresh_token, field=REFRESH, **ids)
                    row.expires_at = fresh.expires_at
                    if fresh.scope:
                        row.scope = fresh.scope
            # Committed: the rotated refresh token (or the failure) is stored before anything else happens.
            if failure is not None:
                logger.warning("the %s connection of user %s failed: %s", provider, user_id, failure)
                if notify:
                    await self.on_auth_lost(user_id, provider)
                raise ProviderAuthError(provider, failure) from cause
            logger.info("refreshed the %s token of user %s", provider, user_id)
            return _bearer(fresh.access_token)


def _mark_failed(row: Integration, message: str, now: datetime) -> bool:
    """Mark the grant lost (FAILED); True for the first to do so (under the row lock): it tells the user.

    A sync that failed for another reason is FAILED too, but without ``authLostAt``: its tokens still work.
    """
    first = row.auth_lost_at is None
    row.sync_status = integrations.SYNC_FAILED
    row.error_message = message
    row.auth_lost_at = now
    return first


class UserCredentials:
    """`integrations.client.Credentials` for one (user, provider), backed by the `TokenManager`."""

    def __init__(self, manager: TokenManager, user_id: str, provider: str) -> None:
        self._manager = manager
        self._user_id = user_id
        self._provider = provider

    async def authorization(self) -> str:
        return await self._manager.authorization(self._user_id, self._provider)

    async def rejected(self, authorization: str) -> bool:
        return await self._manager.rejected(self._user_id, self._provider, authorization)
