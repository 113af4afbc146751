"""Connecting, checking and disconnecting providers: the service behind /connect, the callback and /status.

Handlers and the HTTP routes call this; it never talks to Telegram. What the user should be told is
returned as data (or raised as a typed error) and rendered at the edge.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Integration
from db.repositories import integrations, sync_state
from integrations.client import Profile, ProviderClient, new_http_client
from integrations.errors import ProviderAuthError, ProviderError
from integrations.intervals.client import IntervalsClient
from integrations.intervals.oauth import api_key_authorization
from integrations.oauth import state as oauth_state
from integrations.oauth.flow import OAuthFlow, TokenResponse
from integrations.oauth.provider import OAuthProvider, ProviderApp
from integrations.oauth.refresh import API_KEY, AuthLost, TokenManager, UserCredentials
from integrations.oura.client import OuraClient
from integrations.strava.client import StravaClient
from integrations.tokens import Tokens, seal
from integrations.vault import TokenVault
from integrations.whoop.client import WhoopClient

logger = logging.getLogger(__name__)

CLIENTS: dict[str, type[ProviderClient]] = {
    "whoop": WhoopClient,
    "strava": StravaClient,
    "intervals": IntervalsClient,
    "oura": OuraClient,
}
OAUTH: dict[str, OAuthProvider] = {name: cls.oauth for name, cls in CLIENTS.items()}
OAUTH_METHOD = "oauth"

# Called after a connection is stored and proven; the sync engine hooks its first import in here.
AfterConnect = Callable[[str, str], Awaitable[None]]


async def _nothing(user_id: str, provider: str) -> None:
    return None


class NotAvailable(Exception):
    """The provider is unknown, or its app credentials are not configured."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"{provider} is not available")
        self.provider = provider


class AccessDenied(Exception):
    """The user declined at the provider (``error=access_denied``)."""

    def __init__(self, provider: str, chat_id: int | None) -> None:
        super().__init__(f"access to {provider} was declined")
        self.provider = provider
        self.chat_id = chat_id


class ConnectFailed(Exception):
    """The state was fine but the provider did not give us a working token; the user may try again."""

    def __init__(self, provider: str, chat_id: int | None, cause: ProviderError) -> None:
        super().__init__(f"connecting {provider} failed")
        self.provider = provider
        self.chat_id = chat_id
        self.cause = cause


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    name: str
    label: str
    available: bool
    reads: str
    api_key: bool  # can be connected with a personal API key (Intervals.icu)
    writes: str = ""  # what we write there, if anything


@dataclass(frozen=True, slots=True)
class Connected:
    user_id: str
    provider: str
    label: str
    chat_id: int | None
    profile: Profile


@dataclass(frozen=True, slots=True)
class Connection:
    provider: str
    label: str
    connected_at: datetime
    last_sync_at: datetime | None
    status: str | None
    error: str | None
    auth_method: str
    auth_lost: bool = False  # only reconnecting helps (a FAILED sync alone is retried)


@dataclass(frozen=True, slots=True)
class Disconnected:
    provider: str
    label: str
    was_connected: bool
    revoked: bool  # True when the provider confirmed; False when it has no revoke or it failed
    api_key: bool = False  # a personal key: only its owner can revoke it, in the provider's settings


class _Fixed:
    """The credentials being proven: used as they are, a refusal is an answer (not a reason to refresh)."""

    def __init__(self, header: str) -> None:
        self._header = header

    async def authorization(self) -> str:
        return self._header

    async def rejected(self, authorization: str) -> bool:
        return False


class Connector:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        vault: TokenVault,
        apps: Mapping[str, ProviderApp],
        public_base_url: str,
        clock: Callable[[], datetime],
        on_auth_lost: AuthLost = _nothing,
        after_connect: AfterConnect = _nothing,
        http: httpx2.AsyncClient | None = None,
    ) -> None:
        self._sessions = sessions
        self._vault = vault
        self._apps = dict(apps)
        self._public = public_base_url.rstrip("/")
        self._clock = clock
        self._after_connect = after_connect
        self._http = http or new_http_client()
        self._flows = {
            name: OAuthFlow(OAUTH[name], app, redirect_uri=self.redirect_uri(name))
            for name, app in self._apps.items()
            if name in OAUTH and app.has_credentials
        }
        self.tokens = TokenManager(
            sessions=sessions, vault=vault, flows=self._flows, clock=clock, on_auth_lost=on_auth_lost
        )

    def set_after_connect(self, hook: AfterConnect) -> None:
        """Who starts the first import once a connection is proven (the sync engine, once it exists)."""
        self._after_connect = hook

    def set_auth_lost_handler(self, handler: AuthLost) -> None:
        """Who tells the user that a connection broke (the bot, once it exists)."""
        self.tokens.on_auth_lost = handler

    async def aclose(self) -> None:
        await self._http.aclose()

    # ----------------------------------------------------------------------------- what there is

    def redirect_uri(self, provider: str) -> str:
        """One callback per provider (RFC 9700 §4.4: a distinct redirect URI per authorization server)."""
        return f"{self._public}/oauth/{provider}/callback"

    def providers(self) -> list[ProviderInfo]:
        return [
            ProviderInfo(
                name=name,
                label=spec.label,
                available=name in self._flows,
                reads=spec.reads,
                api_key=name == "intervals" and name in self._apps,
                writes=spec.writes,
            )
            for name, spec in OAUTH.items()
        ]

    def label(self, provider: str) -> str:
        spec = OAUTH.get(provider)
        return spec.label if spec is not None else provider

    def is_known(self, provider: str) -> bool:
        return provider in OAUTH

    # ----------------------------------------------------------------------------- connecting

    async def start(self, *, user_id: str, chat_id: int | None, provider: str) -> str:
        """The authorize URL to send the user to; the state behind it is stored for 10 minutes."""
        flow = self._flows.get(provider)
        if flow is None:
            raise NotAvailable(provider)
        async with self._sessions.begin() as session:
            state, verifier = await oauth_state.issue(
                session,
                vault=self._vault,
                user_id=user_id,
                provider=provider,
                chat_id=chat_id,
                now=self._clock(),
                pkce=flow.provider.pkce,
            )
        return flow.authorization_url(state=state, code_verifier=verifier)

    async def finish(self, *, provider: str, params: Mapping[str, str]) -> Connected:
        """Handle the provider's redirect back to us.

        The state is checked and used up first, in its own committed transaction; only then is the code
        exchanged. Any rejected state (`oauth_state.StateRejected`), a decline (`AccessDenied`) or an
        unknown provider (`NotAvailable`) stores nothing and sends nothing to the provider.
        """
        flow = self._flows.get(provider)
        if flow is None:
            raise NotAvailable(provider)
        rejected: oauth_state.StateRejected | None = None
        async with self._sessions.begin() as session:
            try:
                pending = await oauth_state.consume(
                    session, vault=self._vault, state=params.get("state"), provider=provider, now=self._clock()
                )
            except oauth_state.StateRejected as err:
                rejected = err  # raised after the commit: a rejected state stays used up
        if rejected is not None:
            raise rejected
        if params.get("error"):
            raise AccessDenied(provider, pending.chat_id)
        code = params.get("code")
        if not code:
            raise AccessDenied(provider, pending.chat_id)
        try:
            token = await flow.exchange(code=code, code_verifier=pending.code_verifier, now=self._clock())
        except ProviderError as err:
            raise ConnectFailed(provider, pending.chat_id, err) from err
        # Strava reports the scopes the user actually granted; store those, not the ones we asked for.
        granted = params.get("scope") or token.scope
        return await self._store_and_prove(
            user_id=pending.user_id,
            provider=provider,
            chat_id=pending.chat_id,
            token=token,
            scope=granted,
            auth_method=OAUTH_METHOD,
        )

    async def connect_api_key(self, *, user_id: str, chat_id: int | None, key: str) -> Connected:
        """Intervals.icu with a personal API key: stored sealed, proven by reading the athlete."""
        if "intervals" not in self._apps:
            raise NotAvailable("intervals")
        token = TokenResponse(access_token=key, refresh_token=None, expires_at=None, scope=None, raw_user_id=None)
        return await self._store_and_prove(
            user_id=user_id, provider="intervals", chat_id=chat_id, token=token, scope=None, auth_method=API_KEY
        )

    async def _store_and_prove(
        self,
        *,
        user_id: str,
        provider: str,
        chat_id: int | None,
        token: TokenResponse,
        scope: str | None,
        auth_method: str,
    ) -> Connected:
        tokens = Tokens(token.access_token, token.refresh_token, token.expires_at)
        access, refresh = seal(self._vault, user_id=user_id, provider=provider, tokens=tokens)
        async with self._sessions.begin() as session:
            existing = await integrations.get_for_update(session, user_id=user_id, provider=provider)
            await integrations.upsert(
                session,
                user_id=user_id,
                provider=provider,
                access_token=access,
                refresh_token=refresh,
                expires_at=token.expires_at,
                scope=scope,
                external_user_id=token.raw_user_id or (existing.external_user_id if existing else None),
                auth_method=auth_method,
                connected_at=self._clock(),
            )
        header = api_key_authorization(token.access_token) if auth_method == API_KEY else f"Bearer {token.access_token}"
        prover = CLIENTS[provider](self._http, self._apps[provider], _Fixed(header))
        try:
            profile = await prover.profile()
        except ProviderError as err:
            if auth_method == API_KEY or isinstance(err, ProviderAuthError):
                # A key or token that does not work is not a connection: keep nothing.
                async with self._sessions.begin() as session:
                    await integrations.delete_connection(session, user_id=user_id, provider=provider)
            raise ConnectFailed(provider, chat_id, err) from err
        async with self._sessions.begin() as session:
            row = await integrations.get_for_update(session, user_id=user_id, provider=provider)
            if row is not None:
                row.external_user_id = profile.external_id
        await self._after_connect(user_id, provider)
        return Connected(
            user_id=user_id, provider=provider, label=self.label(provider), chat_id=chat_id, profile=profile
        )

    # ----------------------------------------------------------------------------- using and ending

    def client(self, *, user_id: str, provider: str, http: httpx2.AsyncClient | None = None) -> ProviderClient:
        """An API client for one user's connection; its token is refreshed when due, single-flight.

        ``http``: the sync passes a client whose transport counts requests against the provider app's
        rate limits (`integrations.limits`).
        """
        app = self._apps[provider]
        return CLIENTS[provider](http or self._http, app, UserCredentials(self.tokens, user_id, provider))

    def app(self, provider: str) -> ProviderApp | None:
        """The provider app's configuration (webhook signatures are keyed with its client secret)."""
        return self._apps.get(provider)

    async def connections(self, *, user_id: str) -> list[Connection]:
        """The user's connections; a stored ``SYNCING`` whose run no longer holds its lock reads ``INTERRUPTED``."""
        async with self._sessions() as session:
            rows = await integrations.list_for_user(session, user_id=user_id)
            keys = [sync_state.run_lock_key(user_id, r.provider) for r in rows if r.sync_status == sync_state.SYNCING]
            alive = await sync_state.runs_alive(session, keys=keys)

        def status(row: Integration) -> str | None:
            if row.sync_status == sync_state.SYNCING and sync_state.run_lock_key(user_id, row.provider) not in alive:
                return sync_state.INTERRUPTED
            return row.sync_status

        return [
            Connection(
                provider=row.provider,
                label=self.label(row.provider),
                connected_at=row.connected_at,
                last_sync_at=row.last_sync_at,
                status=status(row),
                error=row.error_message,
                auth_method=row.auth_method,
                auth_lost=integrations.auth_lost(row),
            )
            for row in rows
        ]

    async def disconnect(self, *, user_id: str, provider: str) -> Disconnected:
        """Revoke at the provider where it can be done, then delete the tokens whatever it answered."""
        async with self._sessions() as session:
            row = await integrations.get(session, user_id=user_id, provider=provider)
        if row is None:
            return Disconnected(provider, self.label(provider), was_connected=False, revoked=False)
        revoked = False
        api_key = row.auth_method == API_KEY
        if provider in self._apps and not api_key:
            try:
                revoked = await self.client(user_id=user_id, provider=provider).revoke()
            except ProviderError as err:
                logger.warning("revoking %s for user %s failed: %s", provider, user_id, err)
        async with self._sessions.begin() as session:
            await integrations.delete_connection(session, user_id=user_id, provider=provider)
        return Disconnected(provider, self.label(provider), was_connected=True, revoked=revoked, api_key=api_key)
