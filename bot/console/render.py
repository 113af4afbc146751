"""Turn the bot's Telegram HTML into terminal text: bold stays bold on a terminal, other tags go."""

from __future__ import annotations

import re
from html import unescape

_BOLD = re.compile(r"</?b>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def to_terminal(html: str, *, ansi: bool) -> str:
    if ansi:
        html = _BOLD.sub(lambda m: "\033[0m" if m.group(0) == "</b>" else "\033[1m", html)
    return unescape(_TAG.sub("", html))
