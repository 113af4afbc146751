"""Connected providers ("Integration") and pending authorizations ("OAuthState").

Token columns hold sealed envelopes from the token vault; this module moves them and never opens them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Integration, OAuthState

SYNC_OK = "OK"
SYNC_FAILED = "FAILED"


def auth_lost(row: Integration) -> bool:
    """The provider refused the grant for good: only reconnecting helps (a failed sync alone is retried)."""
    return row.auth_lost_at is not None


async def get(session: AsyncSession, *, user_id: str, provider: str) -> Integration | None:
    stmt = select(Integration).where(Integration.user_id == user_id, Integration.provider == provider)
    return (await session.scalars(stmt)).one_or_none()


async def get_for_update(session: AsyncSession, *, user_id: str, provider: str) -> Integration | None:
    """The row, locked until the transaction ends, and re-read from the database (not the identity map).

    This lock is what makes token refresh single-flight across processes: whoever holds it refreshes,
    everyone else waits and then sees the new tokens.
    """
    stmt = (
        select(Integration)
        .where(Integration.user_id == user_id, Integration.provider == provider)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()


async def list_for_user(session: AsyncSession, *, user_id: str) -> Sequence[Integration]:
    stmt = select(Integration).where(Integration.user_id == user_id).order_by(Integration.provider)
    return (await session.scalars(stmt)).all()


async def upsert(
    session: AsyncSession,
    *,
    user_id: str,
    provider: str,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
    scope: str | None,
    external_user_id: str | None,
    auth_method: str,
    connected_at: datetime,
) -> Integration:
    """Create the connection, or replace its tokens when the user connects again."""
    values = {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_at": expires_at,
        "scope": scope,
        "external_user_id": external_user_id,
        "auth_method": auth_method,
        "connected_at": connected_at,
        "sync_status": SYNC_OK,
        "error_message": None,
        "auth_lost_at": None,
    }
    columns = {attr: Integration.__mapper__.columns[attr].name for attr in values}
    stmt = insert(Integration).values(user_id=user_id, provider=provider, **values)
    upsert_stmt = stmt.on_conflict_do_update(
        index_elements=["userId", "provider"],
        set_={name: stmt.excluded[name] for name in columns.values()},
    ).returning(Integration)
    result = await session.scalars(upsert_stmt, execution_options={"populate_existing": True})
    row: Integration = result.one()
    return row


async def delete_connection(session: AsyncSession, *, user_id: str, provider: str) -> bool:
    stmt = delete(Integration).where(Integration.user_id == user_id, Integration.provider == provider)
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def ids_sealed_with_other_keys(
    session: AsyncSession, *, active_key_id: str, after_id: str, limit: int
) -> Sequence[str]:
    """Ids (in order, after ``after_id``) of rows whose tokens are not all sealed by the active key."""
    prefix = f"cw1:{active_key_id}:%"
    stmt = (
        select(Integration.id)
        .where(
            Integration.id > after_id,
            ~Integration.access_token.like(prefix)
            | (Integration.refresh_token.is_not(None) & ~Integration.refresh_token.like(prefix)),
        )
        .order_by(Integration.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def lock_by_id(session: AsyncSession, *, integration_id: str) -> Integration | None:
    stmt = (
        select(Integration)
        .where(Integration.id == integration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()


async def mark(session: AsyncSession, *, integration_id: str, status: str, error: str | None) -> None:
    await session.execute(
        update(Integration).where(Integration.id == integration_id).values(sync_status=status, error_message=error)
    )


# --------------------------------------------------------------------------- OAuthState


async def add_state(
    session: AsyncSession,
    *,
    state_hash: str,
    user_id: str,
    provider: str,
    chat_id: int | None,
    code_verifier: str | None,
    expires_at: datetime,
    browser_hash: str | None = None,
) -> None:
    session.add(
        OAuthState(
            state_hash=state_hash,
            user_id=user_id,
            provider=provider,
            chat_id=chat_id,
            code_verifier=code_verifier,
            browser_hash=browser_hash,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def take_state(session: AsyncSession, *, state_hash: str) -> OAuthState | None:
    """Delete the state and return it: whoever deletes it first owns it, so a state works only once."""
    stmt = delete(OAuthState).where(OAuthState.state_hash == state_hash).returning(OAuthState)
    return (await session.scalars(stmt)).one_or_none()


async def purge_expired_states(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(delete(OAuthState).where(OAuthState.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]
