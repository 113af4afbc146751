"""Run Alembic migrations from inside the application's event loop.

Several processes may start at once (two bot replicas, a CLI command beside a running bot): a
transaction-scoped advisory lock makes them take turns, and the second one finds nothing to do.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent
# An arbitrary constant shared by every process of the product: "coach-watts migrations".
_MIGRATION_LOCK_KEY = 0x636F6163685F6D67


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _run(connection: Connection, cfg: Config, action: str, target: str) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    cfg.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(cfg, target)
    else:
        command.downgrade(cfg, target)


async def upgrade(engine: AsyncEngine, target: str = "head") -> None:
    """Apply every pending migration up to ``target``."""
    cfg = alembic_config()
    async with engine.begin() as conn:
        await conn.run_sync(_run, cfg, "upgrade", target)


async def downgrade(engine: AsyncEngine, target: str) -> None:
    cfg = alembic_config()
    async with engine.begin() as conn:
        await conn.run_sync(_run, cfg, "downgrade", target)


def _pending(connection: Connection, cfg: Config) -> list[str]:
    current = set(MigrationContext.configure(connection).get_current_heads())
    script = ScriptDirectory.from_config(cfg)
    pending = []
    for rev in script.walk_revisions():
        if rev.revision in current:
            break
        pending.append(rev.revision)
    return pending if current != set(script.get_heads()) else []


async def pending_revisions(engine: AsyncEngine) -> list[str]:
    """Revisions not yet applied (newest first); empty when the database is at head."""
    cfg = alembic_config()
    async with engine.connect() as conn:
        return await conn.run_sync(_pending, cfg)
