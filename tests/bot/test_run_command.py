"""`coach-watts run` against a Bot API server given by TELEGRAM_API_BASE_URL, as a separate process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi

TOKEN = "987654321:run-command-token-abcdefghijklmnop"


@pytest.mark.usefixtures("sessions")
async def test_run_answers_start_and_the_question(database_url: str) -> None:
    api = LocalBotApi(TOKEN)
    ann = api.user(31337, "Ann")
    async with BackgroundServer(api.asgi()) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_"))}
        env |= {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"{server.url}/bot",
            "LOG_LEVEL": "DEBUG",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            await api.send_text(ann, "/start")
            assert "Hi Ann!" in (await api.next_reply(ann["id"], wait_s=60)).text
            await api.send_text(ann, "/demo")
            assert "Demo athlete loaded" in (await api.next_reply(ann["id"], wait_s=60)).text
            await api.send_text(ann, "how should I train today?")
            answer = (await api.next_reply(ann["id"], wait_s=60)).text
            assert "Fitness (CTL)" in answer and "HRV (rMSSD)" in answer
        finally:
            proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
    assert TOKEN not in stderr.decode(), "the bot token must never appear in a log line"
    assert TOKEN.split(":")[1] not in stderr.decode()
