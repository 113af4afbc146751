"""Refresh that never locks a user out: single-flight across tasks and processes, rotation persisted first."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, update

from db.models import Integration
from integrations.errors import ProviderAuthError
from integrations.tokens import open_tokens
from tests.connect.conftest import ANN, ConnectHarness


async def _expire(h: ConnectHarness, provider: str) -> None:
    """The stored token is past its expiry, and the provider agrees."""
    async with h.sessions.begin() as session:
        await session.execute(
            update(Integration)
            .where(Integration.provider == provider)
            .values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 1))
        )
    h.fakes[provider].expire_access_tokens()


@pytest.mark.parametrize("provider", ["whoop", "strava", "oura"])
async def test_fifty_concurrent_calls_with_an_expired_token_refresh_once(
    connect_harness: ConnectHarness, provider: str
) -> None:
    h = connect_harness
    user_id = await h.connect(ANN, provider)
    fake = h.fakes[provider]
    await _expire(h, provider)
    client = h.connector.client(user_id=user_id, provider=provider)

    profiles = await asyncio.gather(*(client.profile() for _ in range(50)))

    assert fake.refreshes == 1
    assert len({p.external_id for p in profiles}) == 1
    row = await h.integration(user_id, provider)
    assert row is not None and row.sync_status == "OK" and row.error_message is None
    stored = open_tokens(h.vault, row)
    grant = fake.grants[-1]
    assert stored.refresh_token == grant.refresh_token  # the rotated one, persisted
    assert stored.access_token in grant.access_tokens and not grant.revoked
    assert row.expires_at is not None
    # And the connection keeps working without another refresh.
    await client.profile()
    assert fake.refreshes == 1


async def test_two_processes_refresh_once(connect_harness: ConnectHarness, database_url: str, repo_root: Path) -> None:
    h = connect_harness
    user_id = await h.connect(ANN, "whoop")
    fake = h.fakes["whoop"]
    await _expire(h, "whoop")
    args = [database_url, h.vault_spec, h.providers_url, user_id, "whoop", "25"]
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.connect.refresh_worker",
        *args,
        cwd=repo_root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert worker.stdin is not None and worker.stdout is not None
    assert (await asyncio.wait_for(worker.stdout.readline(), 60)).strip() == b"ready"
    client = h.connector.client(user_id=user_id, provider="whoop")
    worker.stdin.write(b"go\n")
    await worker.stdin.drain()
    here = await asyncio.gather(*(client.profile() for _ in range(25)), return_exceptions=True)
    there = json.loads(await asyncio.wait_for(worker.stdout.readline(), 60))
    assert await asyncio.wait_for(worker.wait(), 30) == 0

    assert fake.refreshes == 1
    assert [r for r in here if isinstance(r, BaseException)] == []
    assert there == {"ok": 25}
    row = await h.integration(user_id, "whoop")
    assert row is not None and row.sync_status == "OK"
    assert open_tokens(h.vault, row).refresh_token == fake.grants[-1].refresh_token


async def test_a_revoked_grant_fails_once_and_tells_the_user_once(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    user_id = await h.connect(ANN, "strava")
    fake = h.fakes["strava"]
    fake.grants[-1].revoked = True  # the athlete removed the app on strava.com
    await _expire(h, "strava")
    client = h.connector.client(user_id=user_id, provider="strava")

    results = await asyncio.gather(*(client.profile() for _ in range(10)), return_exceptions=True)
    assert all(isinstance(r, ProviderAuthError) for r in results)
    with pytest.raises(ProviderAuthError):
        await client.profile()  # an hour later: still failed, no new refresh, no new message

    assert fake.refreshes == 1
    row = await h.integration(user_id, "strava")
    assert row is not None and row.sync_status == "FAILED" and row.error_message
    (told,) = await h.api.drain(ANN["id"], quiet=0.5)
    assert "Strava needs reconnecting" in told.text
    assert [b["text"] for b in told.buttons] == ["Reconnect Strava"]
    with pytest.raises(TimeoutError):
        await h.api.next_reply(ANN["id"], wait_s=0.5)

    # The button starts a fresh connection, which heals the row.
    press = await h.api.press_button(ANN, told.message, told.buttons[0]["callback_data"])
    await h.api.callback_answer(press)
    (link,) = await h.api.drain(ANN["id"], quiet=0.3)
    url = next(b["url"] for b in link.buttons if "url" in b)
    assert (await h.follow(url)).status_code == 200
    await h.api.drain(ANN["id"], quiet=0.3)
    row = await h.integration(user_id, "strava")
    assert row is not None and row.sync_status == "OK" and row.error_message is None
    await client.profile()


async def test_reusing_an_old_refresh_token_is_what_the_fake_punishes(connect_harness: ConnectHarness) -> None:
    """The fake behaves like WHOOP/Strava: a rotated refresh token presented again revokes the grant."""
    h = connect_harness
    user_id = await h.connect(ANN, "whoop")
    row = await h.integration(user_id, "whoop")
    assert row is not None
    old = open_tokens(h.vault, row).refresh_token
    await _expire(h, "whoop")
    await h.connector.client(user_id=user_id, provider="whoop").profile()  # rotates
    app = h.fakes["whoop"].app_config(h.providers_url)
    import httpx

    async with httpx.AsyncClient() as http:
        reuse = await http.post(
            app.url("{oauth}/oauth2/token"),
            data={
                "grant_type": "refresh_token",
                "refresh_token": old or "",
                "client_id": app.client_id or "",
                "client_secret": app.client_secret or "",
            },
        )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert h.fakes["whoop"].live_grants() == []


async def test_a_401_after_a_sibling_refreshed_retries_with_the_new_token(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    user_id = await h.connect(ANN, "oura")
    client = h.connector.client(user_id=user_id, provider="oura")
    # The provider killed the access token early (e.g. a sibling refreshed); ours is not yet due.
    h.fakes["oura"].expire_access_tokens()
    await client.profile()
    assert h.fakes["oura"].refreshes == 1
    row = await h.integration(user_id, "oura")
    assert row is not None and row.sync_status == "OK"


async def test_a_crash_between_rotation_and_commit_ends_in_one_reconnect_message(
    connect_harness: ConnectHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider rotated the refresh token but we died before storing it: never a silent loop.

    The next refresh presents the old (now used) refresh token, the provider revokes the grant, and the
    connection moves to FAILED with exactly one message — not a revoked-but-"connected" state.
    """
    h = connect_harness
    user_id = await h.connect(ANN, "whoop")
    fake = h.fakes["whoop"]
    await _expire(h, "whoop")
    real_encrypt = h.vault.encrypt

    def crash(*args: object, **kwargs: object) -> str:
        raise RuntimeError("process killed before the commit")

    monkeypatch.setattr(h.vault, "encrypt", crash)
    client = h.connector.client(user_id=user_id, provider="whoop")
    with pytest.raises(RuntimeError):
        await client.profile()
    monkeypatch.setattr(h.vault, "encrypt", real_encrypt)
    row = await h.integration(user_id, "whoop")
    assert row is not None and row.sync_status == "OK"  # nothing was written

    results = await asyncio.gather(*(client.profile() for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, ProviderAuthError) for r in results)
    assert fake.refreshes == 2 and fake.live_grants() == []
    row = await h.integration(user_id, "whoop")
    assert row is not None and row.sync_status == "FAILED"
    (told,) = await h.api.drain(ANN["id"], quiet=0.5)
    assert "WHOOP needs reconnecting" in told.text
