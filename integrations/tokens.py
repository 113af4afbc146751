"""Reading and writing an Integration's tokens through the vault, and re-sealing them under a new key.

This is the only module that opens sealed tokens, so tokens reach only the code that calls providers
(ASVS 10.1.1): handlers, texts and the coach see connections, never tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Integration
from db.repositories import integrations
from integrations.vault import DecryptionFailed, TokenVault

logger = logging.getLogger(__name__)

ACCESS = "access_token"
REFRESH = "refresh_token"


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None

    def __repr__(self) -> str:
        return f"Tokens(expires_at={self.expires_at!r})"


def open_tokens(vault: TokenVault, row: Integration) -> Tokens:
    """The row's tokens in the clear; `DecryptionFailed` if they do not belong to this row."""
    ids = {"user_id": row.user_id, "provider": row.provider}
    access = vault.decrypt(row.access_token, field=ACCESS, **ids)
    refresh = vault.decrypt(row.refresh_token, field=REFRESH, **ids) if row.refresh_token else None
    return Tokens(access_token=access, refresh_token=refresh, expires_at=row.expires_at)


def seal(vault: TokenVault, *, user_id: str, provider: str, tokens: Tokens) -> tuple[str, str | None]:
    ids = {"user_id": user_id, "provider": provider}
    access = vault.encrypt(tokens.access_token, field=ACCESS, **ids)
    refresh = vault.encrypt(tokens.refresh_token, field=REFRESH, **ids) if tokens.refresh_token else None
    return access, refresh


@dataclass(frozen=True, slots=True)
class RotationResult:
    resealed: int
    unreadable: int


async def rotate_keys(
    sessions: async_sessionmaker[AsyncSession], vault: TokenVault, *, batch_size: int = 100
) -> RotationResult:
    """Re-seal every Integration's tokens under the active key.

    Resumable and idempotent: each batch commits on its own, and rows already under the active key are
    not selected again, so an interrupted run continues where it stopped and a second run does nothing.
    Rows are locked while re-sealed, so a concurrent token refresh cannot be overwritten. A row sealed by
    a key that is no longer configured cannot be opened; it is counted and left alone (its user will
    have to reconnect).
    """
    resealed = unreadable = 0
    after = ""
    while True:
        async with sessions.begin() as session:
            ids = await integrations.ids_sealed_with_other_keys(
                session, active_key_id=vault.active_key_id, after_id=after, limit=batch_size
            )
            if not ids:
                return RotationResult(resealed=resealed, unreadable=unreadable)
            for integration_id in ids:
                after = integration_id
                row = await integrations.lock_by_id(session, integration_id=integration_id)
                if row is None:
                    continue
                ids_ = {"user_id": row.user_id, "provider": row.provider}
                try:
                    access = vault.reseal(row.access_token, field=ACCESS, **ids_)
                    refresh = (
                        vault.reseal(row.refresh_token, field=REFRESH, **ids_)
                        if row.refresh_token is not None
                        else None
                    )
                except DecryptionFailed:
                    logger.warning("integration %s: tokens do not open with any configured key", integration_id)
                    unreadable += 1
                    continue
                row.access_token, row.refresh_token = access, refresh
                resealed += 1
