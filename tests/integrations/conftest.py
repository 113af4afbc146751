"""Recorded provider payloads (tests/fixtures/providers/<provider>/)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Integration, User

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "providers"


def load(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text())


@pytest.fixture
def recorded() -> Callable[[str, str], Any]:
    return load


PROVIDERS = ("whoop", "strava", "intervals", "oura")


@dataclass(frozen=True)
class Athlete:
    user_id: str
    integrations: dict[str, str]  # provider -> Integration.id


async def make_athlete(sessions: async_sessionmaker[AsyncSession], name: str = "ann") -> Athlete:
    async with sessions.begin() as session:
        user = User(email=f"{name}-{uuid.uuid4().hex[:8]}@example.invalid", name=name, timezone="Europe/Berlin")
        session.add(user)
        await session.flush()
        integrations = {}
        for provider in PROVIDERS:
            row = Integration(user_id=user.id, provider=provider, access_token="sealed")
            session.add(row)
            await session.flush()
            integrations[provider] = row.id
        return Athlete(user.id, integrations)


@pytest.fixture
async def athlete(sessions: async_sessionmaker[AsyncSession]) -> Athlete:
    return await make_athlete(sessions)
