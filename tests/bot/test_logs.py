"""Secrets never reach a log line, whichever logger writes them."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactSecrets

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
