"""The restore drill: write, back up, write more, restore — and find exactly the data of the backup.

Everything runs through the real ``coach-watts`` command in a subprocess against real PostgreSQL databases;
the S3 variant talks to a local S3 server (moto) through boto3, the same client the product uses.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import text

from db.backup import backup_name, find_tool, libpq_environment, server_major
from db.engine import create_engine, create_sessionmaker
from db.repositories import integrations, users
from integrations.tokens import Tokens, seal
from integrations.vault import TokenVault, generate_key_spec
from migrations import runner

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_", "BACKUP_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


async def _fresh(make_database: Callable[[], Awaitable[str]], *, migrate: bool) -> str:
    url = await make_database()
    if migrate:
        engine = create_engine(url)
        await runner.upgrade(engine)
        await engine.dispose()
    return url


async def _snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table of ours, as text, sorted: two databases hold the same data iff these are equal."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = (
                (
                    await conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                    )
                )
                .scalars()
                .all()
            )
            out: dict[str, list[str]] = {}
            for name in names:
                rows = (await conn.execute(text(f'SELECT t::text FROM "{name}" t'))).scalars().all()
                out[name] = sorted(rows)
            return out
    finally:
        await engine.dispose()


async def _write_athlete(url: str, telegram_id: int, token: str) -> None:
    """An athlete with a connected provider whose token is sealed by the vault."""
    engine = create_engine(url)
    vault = TokenVault.from_spec(generate_key_spec("k1"))
    try:
        async with create_sessionmaker(engine).begin() as session:
            link = await users.link_telegram_user(session, telegram_user_id=telegram_id, chat_id=telegram_id, name="A")
            access, refresh = seal(vault, user_id=link.user.id, provider="strava", tokens=Tokens(token, token, NOW))
            await integrations.upsert(
                session,
                user_id=link.user.id,
                provider="strava",
                access_token=access,
                refresh_token=refresh,
                expires_at=NOW,
                scope="read",
                external_user_id=None,
                auth_method="oauth",
                connected_at=NOW,
            )
    finally:
        await engine.dispose()


async def _plain_sql(dump: Path, url: str) -> str:
    """The dump as SQL text (the file itself is compressed), to look for secrets in it."""
    engine = create_engine(url)
    try:
        major = await server_major(engine)
    finally:
        await engine.dispose()
    pg_restore = find_tool("pg_restore", major)  # an older pg_restore cannot read a newer server's dump
    done = await asyncio.to_thread(
        subprocess.run,
        [str(pg_restore), "--file=-", str(dump)],
        env=libpq_environment(url),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


async def test_restore_drill_gives_back_exactly_the_backup(
    make_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    source = await _fresh(make_database, migrate=True)
    canary = "CANARY" + secrets.token_hex(12)
    env = {"DATABASE_URL": source, "COACH_DATA_DIR": str(tmp_path / "data")}
    assert _cli(["demo", "--telegram-id", "4242"], env).returncode == 0
    await _write_athlete(source, 4343, canary)
    at_backup = await _snapshot(source)

    done = _cli(["backup", "--to", str(tmp_path / "dumps")], env)
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip().splitlines()[-1])
    assert dump.parent == tmp_path / "dumps" and dump.name.startswith("coach-watts-") and dump.suffix == ".dump"

    await _write_athlete(source, 4444, "CANARY-later")  # written after the backup: must not come back
    assert await _snapshot(source) != at_backup

    target = await _fresh(make_database, migrate=False)
    restored = _cli(["restore", str(dump)], {"DATABASE_URL": target, "COACH_DATA_DIR": str(tmp_path / "data")})
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout
    assert await _snapshot(target) == at_backup

    # The dump holds the sealed token, never the token itself.
    sql = await _plain_sql(dump, source)
    assert "cw1:k1:" in sql and canary not in sql and "CANARY" not in sql


async def test_restore_refuses_a_database_with_data_unless_forced(
    make_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    source = await _fresh(make_database, migrate=True)
    env = {"DATABASE_URL": source, "COACH_DATA_DIR": str(tmp_path / "data")}
    await _write_athlete(source, 5151, "CANARY" + secrets.token_hex(8))
    at_backup = await _snapshot(source)
    dump = _cli(["backup", "--to", str(tmp_path)], env).stdout.strip().splitlines()[-1]
    await _write_athlete(source, 5252, "CANARY" + secrets.token_hex(8))
    changed = await _snapshot(source)

    refused = _cli(["restore", dump], env)
    assert refused.returncode == 2
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert await _snapshot(source) == changed  # nothing touched

    forced = _cli(["restore", dump, "--force"], env)
    assert forced.returncode == 0, forced.stderr
    assert await _snapshot(source) == at_backup

    # A migrated database without rows is empty: no --force needed.
    empty = await _fresh(make_database, migrate=True)
    again = _cli(["restore", dump], {"DATABASE_URL": empty, "COACH_DATA_DIR": str(tmp_path / "data")})
    assert again.returncode == 0, again.stderr
    assert await _snapshot(empty) == at_backup


async def test_a_missing_or_foreign_file_is_one_sentence_and_touches_nothing(
    make_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    target = await _fresh(make_database, migrate=True)
    await _write_athlete(target, 7171, "CANARY" + secrets.token_hex(8))
    before = await _snapshot(target)
    env = {"DATABASE_URL": target, "COACH_DATA_DIR": str(tmp_path / "data")}
    missing = _cli(["restore", str(tmp_path / "nope.dump")], env)
    assert missing.returncode == 2 and "No backup file at" in missing.stderr
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a dump at all")
    foreign = _cli(["restore", str(junk), "--force"], env)
    assert foreign.returncode == 2 and "is not a backup made by coach-watts backup" in foreign.stderr
    # Even with --force, a file that is no backup leaves the database as it was.
    assert await _snapshot(target) == before
    bad = _cli(["backup", "--to", "ftp://host/x"], env)
    assert bad.returncode == 2 and "s3://BUCKET/PREFIX" in bad.stderr


async def test_retention_removes_only_old_dumps_of_ours(
    make_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    source = await _fresh(make_database, migrate=True)
    folder = tmp_path / "dumps"
    folder.mkdir()
    now = datetime.now(UTC)
    old = folder / backup_name(now - timedelta(days=8))
    recent = folder / backup_name(now - timedelta(days=6))
    other = folder / "notes.txt"
    for path in (old, recent, other):
        path.write_text("x")
    env = {"DATABASE_URL": source, "COACH_DATA_DIR": str(tmp_path / "data"), "BACKUP_RETENTION_DAYS": "7"}
    done = _cli(["backup", "--to", str(folder)], env)
    assert done.returncode == 0, done.stderr
    written = Path(done.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == sorted([recent.name, other.name, written.name])


@pytest.fixture
def s3_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


async def test_backup_to_and_restore_from_an_s3_bucket(
    make_database: Callable[[], Awaitable[str]], tmp_path: Path, s3_server: str
) -> None:
    s3_env = {
        "BACKUP_S3_ENDPOINT_URL": s3_server,
        "BACKUP_S3_REGION": "us-east-1",
        "BACKUP_S3_ACCESS_KEY_ID": "testing",
        "BACKUP_S3_SECRET_ACCESS_KEY": "testing-secret",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing-secret",
    )
    client.create_bucket(Bucket="coach-backups")
    source = await _fresh(make_database, migrate=True)
    await _write_athlete(source, 6161, "CANARY" + secrets.token_hex(8))
    at_backup = await _snapshot(source)
    env = {"DATABASE_URL": source, "COACH_DATA_DIR": str(tmp_path / "data")} | s3_env
    done = _cli(["backup", "--to", "s3://coach-backups/nightly"], env)
    assert done.returncode == 0, done.stderr
    where = done.stdout.strip().splitlines()[-1]
    assert where.startswith("s3://coach-backups/nightly/coach-watts-")
    keys = [item["Key"] for item in client.list_objects_v2(Bucket="coach-backups")["Contents"]]
    assert keys == [where.removeprefix("s3://coach-backups/")]

    target = await _fresh(make_database, migrate=False)
    restored = _cli(["restore", where], {"DATABASE_URL": target, "COACH_DATA_DIR": str(tmp_path / "data")} | s3_env)
    assert restored.returncode == 0, restored.stderr
    assert await _snapshot(target) == at_backup
