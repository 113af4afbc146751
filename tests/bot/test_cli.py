"""The command line as a person meets it: clear sentences and exit codes, no tracebacks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.repl import CONSOLE_USER_ID
from db.repositories import jobs
from db.repositories.jobs import NewJob


def _run(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=base | env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_unreachable_database_is_one_sentence(tmp_path: Path) -> None:
    result = _run(["migrate"], {"DATABASE_URL": "postgresql://nobody:pw-secret@127.0.0.1:1/nowhere"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("coach-watts: Cannot reach the PostgreSQL server at 127.0.0.1:1/nowhere")
    assert "Traceback" not in result.stderr and "pw-secret" not in result.stderr


def test_unwritable_data_folder_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run(["migrate"], {"COACH_DATA_DIR": str(blocker / "data")})
    assert result.returncode == 2
    assert "coach-watts: The data folder" in result.stderr and "cannot be written" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_a_token_says_what_to_do(database_url: str) -> None:
    result = _run(["run"], {"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr


def test_bad_configuration_is_reported(tmp_path: Path) -> None:
    result = _run(["migrate"], {"COACH_HRV_BAND_SD": "3"})
    assert result.returncode == 2
    assert "invalid configuration" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.usefixtures("sessions")
def test_console_conversation_end_to_end(database_url: str, tmp_path: Path) -> None:
    """`coach-watts chat` with piped input: the real bot, a local Bot API, a real database."""
    script = "/start\nhow should I train today?\n/settings ftp 900\nquit\n"
    result = _run(
        ["chat", "--demo-if-empty"], {"DATABASE_URL": database_url, "COACH_DATA_DIR": str(tmp_path)}, stdin=script
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "First run: loaded the demo athlete" in out
    assert "coach › Welcome back, Athlete" in out
    assert "Fitness (CTL)" in out and "HRV (rMSSD)" in out
    assert "Nothing changed: FTP must be more than 0 and less than 500 W; got 900." in out
    assert "Bye" in out
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("sessions")
def test_demo_command_is_idempotent(database_url: str) -> None:
    first = _run(["demo"], {"DATABASE_URL": database_url})
    second = _run(["demo", "--telegram-id", str(CONSOLE_USER_ID)], {"DATABASE_URL": database_url})
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "Demo athlete loaded for Telegram user 1000000001" in first.stdout


async def test_jobs_lists_the_dead_letters_and_sends_one_back(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await jobs.enqueue(session, [NewJob("sync.connection", "2026-12-07:u1:whoop")], now=datetime.now(UTC))
        (taken,) = await jobs.take(
            session, owner="p", now=datetime.now(UTC), lease=timedelta(minutes=1), limit=1, kinds=["sync.connection"]
        )
        await jobs.fail(
            session, job_id=taken.id, owner="p", now=datetime.now(UTC), error="ProviderError: 500", retry_at=None
        )
    env = {"DATABASE_URL": database_url}
    listed = await asyncio.to_thread(_run, ["jobs"], env)
    assert listed.returncode == 0, listed.stderr
    assert "sync.connection: 0 due (oldest 0 s), 0 running, 1 dead" in listed.stdout
    assert f"dead {taken.id} sync.connection 2026-12-07:u1:whoop after 1 attempt(s)" in listed.stdout
    assert "ProviderError: 500" in listed.stdout
    retried = await asyncio.to_thread(_run, ["jobs", "--retry", str(taken.id)], env)
    assert retried.returncode == 0 and f"Job {taken.id} is queued again" in retried.stdout
    again = await asyncio.to_thread(_run, ["jobs", "--retry", str(taken.id)], env)
    assert again.returncode == 2 and f"No dead job has id {taken.id}" in again.stderr
    async with sessions() as session:
        row = await jobs.get(session, kind="sync.connection", key="2026-12-07:u1:whoop")
    assert row is not None and (row.state, row.attempts) == ("queued", 0)
