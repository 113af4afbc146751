"""A second process for the cross-process refresh test: N concurrent API calls after the word "go".

Usage: python -m tests.connect.refresh_worker DATABASE_URL VAULT_SPEC PROVIDERS_URL USER_ID PROVIDER N
Prints "ready", waits for a line on stdin, then prints one JSON line: {"ok": <calls that worked>}.
"""

from __future__ import annotations

import asyncio
import json
import sys

from db.engine import create_engine, create_sessionmaker
from integrations.connect import Connector
from integrations.vault import TokenVault
from tests.fakes.providers import FakeProviders


async def main(database_url: str, vault_spec: str, providers_url: str, user_id: str, provider: str, n: int) -> None:
    from bot.context import utc_now

    engine = create_engine(database_url)
    connector = Connector(
        sessions=create_sessionmaker(engine),
        vault=TokenVault.from_spec(vault_spec),
        apps=FakeProviders().apps(providers_url),  # the same client ids and secrets as the parent's fakes
        public_base_url="http://127.0.0.1:1",
        clock=utc_now,
    )
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    client = connector.client(user_id=user_id, provider=provider)
    results = await asyncio.gather(*(client.profile() for _ in range(n)), return_exceptions=True)
    print(json.dumps({"ok": sum(1 for r in results if not isinstance(r, BaseException))}), flush=True)
    await connector.aclose()
    await engine.dispose()


if __name__ == "__main__":
    url, spec, base, user, name, count = sys.argv[1:7]
    asyncio.run(main(url, spec, base, user, name, int(count)))
