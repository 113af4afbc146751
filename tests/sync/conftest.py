"""The sync engine against the fake providers over real HTTP, with connections stored as `/connect` stores them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.asgi_server import BackgroundServer
from db.models import DailyMetric, Integration, User, Workout
from db.repositories import integrations
from integrations.connect import Connector
from integrations.retry import RetryPolicy
from integrations.sync.engine import SyncEngine
from integrations.tokens import Tokens, seal
from integrations.vault import TokenVault, generate_key_spec
from tests.fakes.providers import FakeProviders, Grant
from tests.fakes.providers.data import DataStore, serve_data

FAST_RETRIES = RetryPolicy(attempts=12, base_s=0.01, cap_s=0.05, default_rate_limit_wait_s=0.05)


@dataclass
class SyncHarness:
    sessions: async_sessionmaker[AsyncSession]
    fakes: FakeProviders
    stores: dict[str, DataStore]
    connector: Connector
    vault: TokenVault
    providers_url: str
    vault_spec: str  # the key the vault was opened with, for a second process

    def engine(self, **kwargs: object) -> SyncEngine:
        options: dict[str, object] = {"retry": FAST_RETRIES, "timeout_s": 5.0}
        options.update(kwargs)
        return SyncEngine(sessions=self.sessions, connector=self.connector, clock=lambda: datetime.now(UTC), **options)  # type: ignore[arg-type]

    async def athlete(self, *providers: str, ftp: int | None = 250, external_id: str = "8142337") -> str:
        """A user with ``providers`` connected (a live grant at each fake, sealed tokens in the database)."""
        async with self.sessions.begin() as session:
            user = User(email=f"{uuid.uuid4().hex[:10]}@example.invalid", name="Ann", timezone="Europe/Berlin", ftp=ftp)
            session.add(user)
            await session.flush()
            user_id = user.id
        for provider in providers:
            await self.connect(user_id, provider, external_id=external_id)
        return user_id

    async def connect(self, user_id: str, provider: str, *, external_id: str = "8142337") -> Grant:
        fake = self.fakes[provider]
        grant = Grant(user_id=external_id, first_name="Ann", scope="read")
        fake.grants.append(grant)
        issued = fake._issue(grant)
        expires = None
        if "expires_in" in issued:
            expires = datetime.fromtimestamp(datetime.now(UTC).timestamp() + issued["expires_in"], UTC)
        tokens = Tokens(issued["access_token"], issued.get("refresh_token"), expires)
        access, refresh = seal(self.vault, user_id=user_id, provider=provider, tokens=tokens)
        async with self.sessions.begin() as session:
            await integrations.upsert(
                session,
                user_id=user_id,
                provider=provider,
                access_token=access,
                refresh_token=refresh,
                expires_at=expires,
                scope="read",
                external_user_id=external_id,
                auth_method="oauth",
                connected_at=datetime.now(UTC),
            )
        return grant

    async def workouts(self, user_id: str) -> int:
        async with self.sessions() as session:
            return int(
                await session.scalar(select(func.count()).select_from(Workout).where(Workout.user_id == user_id)) or 0
            )

    async def days(self, user_id: str) -> int:
        async with self.sessions() as session:
            stmt = select(func.count()).select_from(DailyMetric).where(DailyMetric.user_id == user_id)
            return int(await session.scalar(stmt) or 0)

    async def integration(self, user_id: str, provider: str) -> Integration:
        async with self.sessions() as session:
            row = await integrations.get(session, user_id=user_id, provider=provider)
        assert row is not None
        return row


@pytest.fixture
async def sync_harness(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[SyncHarness]:
    async with harness(sessions) as h:
        yield h


@asynccontextmanager
async def harness(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[SyncHarness]:
    fakes = FakeProviders()
    stores = serve_data(fakes)
    spec = generate_key_spec("test")
    vault = TokenVault.from_spec(spec)
    async with BackgroundServer(fakes.asgi()) as server:
        connector = Connector(
            sessions=sessions,
            vault=vault,
            apps=fakes.apps(server.url),
            public_base_url="https://coach.example",
            clock=lambda: datetime.now(UTC),
        )
        try:
            yield SyncHarness(sessions, fakes, stores, connector, vault, server.url, spec)
        finally:
            await connector.aclose()
