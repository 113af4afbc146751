"""A second process for the killed-sync test: one sync that stops after its first page and waits to be killed.

Usage: python -m tests.sync.sync_worker DATABASE_URL VAULT_SPEC PROVIDERS_URL USER_ID PROVIDER
Prints "syncing" once the first page is committed (the run is then mid-way, its lock held), then waits.
"""

from __future__ import annotations

import asyncio
import sys

from db.engine import create_engine, create_sessionmaker
from integrations.connect import Connector
from integrations.sync.engine import Progress, SyncEngine
from integrations.vault import TokenVault
from tests.fakes.providers import FakeProviders


async def main(database_url: str, vault_spec: str, providers_url: str, user_id: str, provider: str) -> None:
    from bot.context import utc_now

    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    connector = Connector(
        sessions=sessions,
        vault=TokenVault.from_spec(vault_spec),
        apps=FakeProviders().apps(providers_url),  # the same client ids and secrets as the parent's fakes
        public_base_url="http://127.0.0.1:1",
        clock=utc_now,
    )
    forever = asyncio.Event()

    async def progress(p: Progress) -> None:
        if p.pages == 1 and not p.done:
            print("syncing", flush=True)
            await forever.wait()  # killed here, mid-run

    await SyncEngine(sessions=sessions, connector=connector, clock=utc_now).sync(user_id, provider, progress=progress)


if __name__ == "__main__":
    url, spec, base, user, name = sys.argv[1:6]
    asyncio.run(main(url, spec, base, user, name))
