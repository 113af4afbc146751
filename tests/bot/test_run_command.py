"""`coach-watts run` against a Bot API server given by TELEGRAM_API_BASE_URL, as a separate process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi

TOKEN = "987654321:run-command-token-abcdefghijklmnop"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("sessions")
async def test_run_answers_start_and_the_question(database_url: str, tmp_path: Path) -> None:
    api = LocalBotApi(TOKEN)
    http_port = _free_port()
    ann = api.user(31337, "Ann")
    async with BackgroundServer(api.asgi()) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_"))}
        env |= {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"{server.url}/bot",
            "LOG_LEVEL": "DEBUG",
            "COACH_DATA_DIR": str(tmp_path),
            "HTTP_PORT": str(http_port),
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
            # The HTTP server runs in the same process: health check, and a callback for an unconfigured provider.
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as http:
                assert (await http.get("/healthz")).json() == {"status": "ok"}
                assert (await http.get("/oauth/whoop/callback?code=c&state=s")).status_code == 404
        finally:
            proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
    assert TOKEN not in stderr.decode(), "the bot token must never appear in a log line"
    assert TOKEN.split(":")[1] not in stderr.decode()
