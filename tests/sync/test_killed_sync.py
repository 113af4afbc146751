"""A sync killed with SIGKILL mid-run: /status and `coach-watts sync` tell the truth afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import text

from bot.texts import connect as texts_connect
from db.repositories.sync_state import run_lock_key
from tests.fakes.providers.data import strava_activities
from tests.sync.conftest import SyncHarness


def _cli_env(h: SyncHarness, database_url: str) -> dict[str, str]:
    """`coach-watts` configured against the fake Strava and the harness's vault key."""
    app = h.fakes.apps(h.providers_url)["strava"]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_", "STRAVA_"))}
    return base | {
        "DATABASE_URL": database_url,
        "TOKEN_ENCRYPTION_KEYS": h.vault_spec,
        "STRAVA_CLIENT_ID": app.client_id or "",
        "STRAVA_CLIENT_SECRET": app.client_secret or "",
        "STRAVA_API_BASE_URL": app.api_base_url,
        "STRAVA_OAUTH_BASE_URL": app.oauth_base_url,
    }


def _sync_cli(env: dict[str, str], user_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "sync", "--user", user_id, "--provider", "strava"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_a_sync_killed_mid_run_is_not_shown_as_syncing_and_the_next_one_runs(
    sync_harness: SyncHarness, database_url: str
) -> None:
    h = sync_harness
    user_id = await h.athlete("strava")
    h.stores["strava"].put("activity", *strava_activities(450, end=datetime.now(UTC)))  # 3 pages
    worker = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tests.sync.sync_worker", database_url, h.vault_spec, h.providers_url, user_id],
        "strava",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert worker.stdout is not None
        assert (await worker.stdout.readline()).decode().strip() == "syncing"
        # While it runs: the connection is syncing, and a second sync says so in words.
        assert "syncing now" in texts_connect.status(await h.connector.connections(user_id=user_id), "UTC")
        env = _cli_env(h, database_url)
        # In a thread: the fake providers answer from this test's event loop.
        busy = await asyncio.to_thread(_sync_cli, env, user_id)
        assert busy.returncode == 0, busy.stderr
        assert "already running" in busy.stdout and "BUSY" not in busy.stdout
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    # The server ends the dead process's session and its lock with it: wait for exactly that.
    async with h.sessions() as session:
        await session.execute(text("SET lock_timeout = '60s'"))
        key = {"k": run_lock_key(user_id, "strava")}
        await session.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), key)
        await session.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), key)

    shown = texts_connect.status(await h.connector.connections(user_id=user_id), "UTC")
    assert "syncing now" not in shown and "interrupted" in shown
    after = await asyncio.to_thread(_sync_cli, env, user_id)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "already running" not in after.stdout and "up to date" in after.stdout
    assert await h.workouts(user_id) == 450
    shown = texts_connect.status(await h.connector.connections(user_id=user_id), "UTC")
    assert "syncing now" not in shown and "interrupted" not in shown and "active" in shown
