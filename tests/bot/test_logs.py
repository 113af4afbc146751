"""Secrets never reach a log line, whichever logger writes them."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import RedactSecrets, configure

TOKEN = "123456789:AAH-canary-bot-token-0123456789abcdef"


def _capture(secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(secrets))
    logger = logging.getLogger(f"test.redact.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


def test_bot_token_in_a_url_is_redacted() -> None:
    logger, stream = _capture([])
    logger.info('HTTP Request: POST https://api.telegram.org/bot%s/getUpdates "HTTP/1.1 200 OK"', TOKEN)
    assert TOKEN not in stream.getvalue()
    assert "bot[redacted]/getUpdates" in stream.getvalue()


def test_registered_secrets_and_tracebacks_are_redacted() -> None:
    logger, stream = _capture(["db-password-canary"])
    try:
        raise ConnectionError(f"postgresql://u:db-password-canary@host failed for {TOKEN}")
    except ConnectionError:
        logger.exception("could not connect")
    text = stream.getvalue()
    assert "db-password-canary" not in text and TOKEN not in text
    assert "Traceback" in text and "ConnectionError" in text


async def test_json_lines_and_uvicorn_lines_pass_the_same_redaction(capsys: pytest.CaptureFixture[str]) -> None:
    """LOG_FORMAT=json writes one object per line, and uvicorn's own loggers reach the redacting handler."""
    from starlette.applications import Starlette

    from bot.asgi_server import BackgroundServer

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure("INFO", secrets=["canary-client-secret"], fmt="json")
        server = BackgroundServer(Starlette(), host="127.0.0.1", port=0)
        await server.start()
        try:
            uvicorn_error = logging.getLogger("uvicorn.error")
            assert uvicorn_error.handlers == [] and logging.getLogger("uvicorn").handlers == []
            uvicorn_error.warning("Invalid HTTP request from client: /oauth?x=canary-client-secret %s", TOKEN)
            try:
                raise ValueError("canary-client-secret leaked")
            except ValueError:
                logging.getLogger("coach.test").exception("failed")
        finally:
            await server.stop()
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    by_logger = {entry["logger"]: entry for entry in lines}
    assert set(by_logger["uvicorn.error"]) == {"time", "level", "logger", "message"}
    assert by_logger["uvicorn.error"]["level"] == "WARNING"
    assert "Traceback" in by_logger["coach.test"]["message"]
    text = json.dumps(lines)
    assert "canary-client-secret" not in text and TOKEN not in text and "[redacted]" in text
