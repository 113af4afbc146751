"""The ``state`` of an authorization: unguessable, stored hashed, bound to (user, provider), used once.

RFC 9700 §4.7 (CSRF) and §4.4 (mix-up): the state is 256 bits from `secrets`; only its SHA-256 is
stored, so a database reader cannot complete someone's flow; the callback's path names the provider and
must match the one the state was issued for; the row is deleted by the callback that presents it (one
``DELETE … RETURNING``), so a replayed callback finds nothing; it expires after 10 minutes.

Bound to a browser: the connect Mini App gives the browser that started the flow a random cookie and
the state keeps its SHA-256 (``browser``); the callback must present that cookie, so an authorize URL
followed in any other browser (forwarded, or copied) is refused before a token is requested.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import integrations
from integrations.vault import TokenVault

STATE_BYTES = 32
STATE_TTL = timedelta(minutes=10)
VERIFIER_FIELD = "code_verifier"


class Rejection(StrEnum):
    MISSING = "missing"
    UNKNOWN = "unknown"  # never issued, or already used
    EXPIRED = "expired"
    WRONG_PROVIDER = "wrong_provider"
    OTHER_BROWSER = "other_browser"  # the callback came from a browser that did not start the flow


class StateRejected(Exception):
    def __init__(self, reason: Rejection) -> None:
        super().__init__(f"the authorization state was rejected: {reason.value}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Pending:
    """A consumed state: whose flow it was, where to tell them, and the PKCE verifier if any."""

    user_id: str
    provider: str
    chat_id: int | None
    code_verifier: str | None

    def __repr__(self) -> str:
        return f"Pending(user_id={self.user_id!r}, provider={self.provider!r})"


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def new_code_verifier() -> str:
    """RFC 7636: 43–128 characters from the unreserved set; 64 bytes of randomness → 86 characters."""
    return secrets.token_urlsafe(64)


async def issue(
    session: AsyncSession,
    *,
    vault: TokenVault,
    user_id: str,
    provider: str,
    chat_id: int | None,
    now: datetime,
    pkce: bool,
    browser: str | None = None,
) -> tuple[str, str | None]:
    """A new state (and PKCE verifier when the provider supports PKCE), stored for the callback.

    ``browser``: the secret cookie value of the browser the flow must come back in (None: unbound).
    """
    state = secrets.token_urlsafe(STATE_BYTES)
    verifier = new_code_verifier() if pkce else None
    sealed = (
        vault.encrypt(verifier, user_id=user_id, provider=provider, field=VERIFIER_FIELD)
        if verifier is not None
        else None
    )
    await integrations.purge_expired_states(session, now=now)
    await integrations.add_state(
        session,
        state_hash=hash_state(state),
        user_id=user_id,
        provider=provider,
        chat_id=chat_id,
        code_verifier=sealed,
        expires_at=now + STATE_TTL,
        browser_hash=hash_state(browser) if browser is not None else None,
    )
    return state, verifier


async def consume(
    session: AsyncSession,
    *,
    vault: TokenVault,
    state: str | None,
    provider: str,
    now: datetime,
    browser: str | None = None,
) -> Pending:
    """Use the state up (whatever the outcome), then check it; `StateRejected` says why it failed.

    A state presented at the wrong provider's callback, or from another browser, is consumed too: it has
    leaked (a mix-up attempt, a forwarded authorize URL) and must not work anywhere afterwards.
    """
    if not state:
        raise StateRejected(Rejection.MISSING)
    row = await integrations.take_state(session, state_hash=hash_state(state))
    if row is None:
        raise StateRejected(Rejection.UNKNOWN)
    if row.expires_at <= now:
        raise StateRejected(Rejection.EXPIRED)
    if row.provider != provider:
        raise StateRejected(Rejection.WRONG_PROVIDER)
    if row.browser_hash is not None and (
        browser is None or not hmac.compare_digest(row.browser_hash, hash_state(browser))
    ):
        raise StateRejected(Rejection.OTHER_BROWSER)
    verifier = (
        vault.decrypt(row.code_verifier, user_id=row.user_id, provider=row.provider, field=VERIFIER_FIELD)
        if row.code_verifier is not None
        else None
    )
    return Pending(user_id=row.user_id, provider=row.provider, chat_id=row.chat_id, code_verifier=verifier)
