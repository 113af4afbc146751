"""A second bot process for the DST simulation: the same scheduler code, in its own interpreter.

``python -m tests.bot.sim_worker <database url> <bot api url>`` reads one command per line on stdin:
``tick <ISO instant>`` sets this process's clock, runs one scheduler tick and sends the brief jobs it takes, then
prints ``done <briefs sent>``. It shares nothing with the test process but PostgreSQL and the Bot API.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

from db.engine import create_engine, create_sessionmaker
from tests.bot.brief_support import Clock, bot_process


async def main(database_url: str, api_url: str) -> None:
    engine = create_engine(database_url)
    clock = Clock(datetime.fromisoformat("2000-01-01T00:00:00+00:00"))
    loop = asyncio.get_running_loop()
    try:
        async with bot_process(api_url, create_sessionmaker(engine), clock) as proc:
            print("ready", flush=True)
            while line := await loop.run_in_executor(None, sys.stdin.readline):
                command, _, arg = line.strip().partition(" ")
                if command == "tick":
                    clock.now = datetime.fromisoformat(arg)
                    before = proc.scheduler.sent
                    await proc.tick_and_send()
                    print(f"done {proc.scheduler.sent - before}", flush=True)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
