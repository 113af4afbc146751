"""Checking a Telegram Mini App's ``initData``: who really opened the page (core.telegram.org/bots/webapps).

Telegram signs ``initData`` with a key derived from the bot token::

    secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash       = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))

where ``data_check_string`` is every received field except ``hash``, as ``key=value``, sorted by key and
joined with ``\\n``. A valid hash proves the ``user`` field came from Telegram for this bot; ``auth_date``
bounds how old the proof may be. The ``user`` field also carries the language of the person's Telegram app
(``language_code``, an IETF tag such as ``de`` or ``pt-br``), used when they chose none with us.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from db import storable

_MAX_TIMESTAMP_DIGITS = 11  # seconds since 1970 until the year 5138


class InitDataRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Mini App init data rejected: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WebAppUser:
    telegram_id: int
    first_name: str | None
    language_code: str | None = None


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def sign(fields: dict[str, str], bot_token: str) -> str:
    """``initData`` for ``fields`` as Telegram would send it (used by the tests and nothing else)."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    digest = hmac.new(_secret(bot_token), check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def verify(init_data: str, *, bot_token: str, now: datetime, max_age: timedelta) -> WebAppUser:
    if not init_data:
        raise InitDataRejected("missing")
    try:
        fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError as err:
        raise InitDataRejected("malformed") from err
    received = fields.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    expected = hmac.new(_secret(bot_token), check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received):
        raise InitDataRejected("bad signature")
    try:
        auth_date = fields["auth_date"]
        # ASCII digits only ("²" passes str.isdigit()), and few enough to be a time (400 digits overflow).
        if not (auth_date.isascii() and auth_date.isdigit() and len(auth_date) <= _MAX_TIMESTAMP_DIGITS):
            raise ValueError("auth_date is not a Unix time")
        signed_at = datetime.fromtimestamp(int(auth_date), UTC)
        user = storable.parse(fields["user"].encode())
        telegram_id = storable.int64(user["id"], what="the user id", minimum=1)
    except (KeyError, ValueError, TypeError, OverflowError, OSError) as err:
        raise InitDataRejected("incomplete") from err
    if now - signed_at > max_age or signed_at - now > timedelta(minutes=1):
        raise InitDataRejected("stale")
    name = user.get("first_name")
    language = user.get("language_code")
    return WebAppUser(
        telegram_id=telegram_id,
        first_name=name if isinstance(name, str) else None,
        language_code=language if isinstance(language, str) else None,
    )
