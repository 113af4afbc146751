"""`coach-watts run` against a Bot API server given by TELEGRAM_API_BASE_URL, as a separate process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
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
            assert "Where are you?" in (await api.next_reply(ann["id"], wait_s=60)).text  # the guided setup
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
    # The lookups a typed place needs are loaded before updates are taken, not by the first athlete's answer.
    log = stderr.decode()
    assert log.index("lookups loaded") < log.index("is polling")


@pytest.mark.usefixtures("sessions")
async def test_webhook_mode_sets_the_webhook_and_answers_posted_updates(database_url: str, tmp_path: Path) -> None:
    api = LocalBotApi(TOKEN)
    http_port = _free_port()
    hook_url = f"http://127.0.0.1:{http_port}/webhooks/telegram"
    secret = "run-command-webhook-secret"
    async with BackgroundServer(api.asgi()) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_"))}
        env |= {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"{server.url}/bot",
            "TELEGRAM_WEBHOOK_URL": hook_url,
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "LOG_LEVEL": "DEBUG",
            "COACH_DATA_DIR": str(tmp_path),
            "HTTP_PORT": str(http_port),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            async with httpx.AsyncClient() as http:
                for _ in range(600):  # the process is up once Telegram has been told where to post
                    if api.webhook["url"] == hook_url:
                        break
                    await asyncio.sleep(0.1)
                assert api.webhook_secret == secret
                assert not any(method == "getUpdates" for method, _ in api.calls), "webhook mode never polls"
                update = {
                    "update_id": 1,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": 31337, "type": "private"},
                        "from": api.user(31337, "Ann"),
                        "text": "/start",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                    },
                }
                refused = await http.post(hook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
                assert refused.status_code == 401
                accepted = await http.post(hook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                assert accepted.status_code == 200
                assert "Hi Ann!" in (await api.next_reply(31337, wait_s=60)).text
        finally:
            proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
    assert secret not in stderr.decode()
    assert sum("Hi Ann!" in sent.text for sent in api.replies(31337)) == 1  # answered once (then setup asks on)


def test_webhook_mode_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/webhooks/telegram",
        "COACH_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.startswith("coach-watts: TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not")
