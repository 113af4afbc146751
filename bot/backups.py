"""``coach-watts backup`` and ``coach-watts restore``: the operator's side of `db.backup`.

Both work on the configured database, ``DATABASE_URL`` or the embedded server in the data folder. The
restore never migrates first: the dump brings its own schema and migration ledger, and the next start of
any command applies the migrations that are newer than the backup.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bot.context import utc_now
from bot.runtime import open_database
from bot.settings import Settings
from db import backup as backups


class RestoreRefused(Exception):
    """The target database holds data and ``--force`` was not given."""


def _s3(settings: Settings) -> backups.S3Config:
    secret = settings.backup_s3_secret_access_key
    return backups.S3Config(
        endpoint_url=settings.backup_s3_endpoint_url,
        region=settings.backup_s3_region,
        access_key_id=settings.backup_s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret is not None else None,
    )


def default_folder(settings: Settings) -> Path:
    return settings.data_dir / "backups"


async def run_backup(settings: Settings, *, to: str | None) -> str:
    """Dump the database to ``to`` (default: ``backups/`` in the data folder); returns where it went."""
    destination = backups.parse_destination(to) if to else backups.Destination(folder=default_folder(settings))
    async with open_database(settings, migrate=False) as database:
        major = await backups.server_major(database.engine)
        return await asyncio.to_thread(
            backups.backup,
            database.url,
            destination,
            server_major=major,
            now=utc_now(),
            retention_days=settings.backup_retention_days,
            s3=_s3(settings),
        )


async def run_restore(settings: Settings, source: str, *, force: bool) -> str:
    """Restore ``source`` into the configured database; refuses one that holds data unless ``force``.

    The file is fetched and checked first: a missing or unreadable file is refused while the database is
    still as it was, ``--force`` or not.
    """
    async with open_database(settings, migrate=False) as database:
        major = await backups.server_major(database.engine)
        with tempfile.TemporaryDirectory(prefix="coach-watts-restore-") as scratch:
            local = await asyncio.to_thread(backups.fetch, source, Path(scratch), s3=_s3(settings))
            await asyncio.to_thread(backups.check_dump, local, server_major=major)
            tables, holding = await backups.tables_with_rows(database.engine)
            if holding and not force:
                shown = ", ".join(holding[:5]) + (" …" if len(holding) > 5 else "")
                raise RestoreRefused(
                    f"The database already holds data ({len(holding)} table(s) with rows: {shown}); "
                    "restore into an empty database, or add --force to replace everything in it."
                )
            if tables:
                await backups.clear_schema(database.engine)
            await database.engine.dispose()  # no pooled connection may hold a lock pg_restore waits for
            await asyncio.to_thread(backups.restore, database.url, local, server_major=major)
        where = "embedded PostgreSQL in " + str(settings.data_dir) if database.embedded else "DATABASE_URL"
        return f"Restored {source} into the database ({where})."
