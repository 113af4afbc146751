"""Which language a page speaks when no athlete is known: the browser's ``Accept-Language`` (RFC 9110 §12.5.4).

``de-AT,de;q=0.9,en;q=0.5`` → ``de``: the language ranges in order of their weight (``q``, 1 when absent;
equal weights keep the header's order), the first one naming a shipped language wins. ``q=0`` means
"not this one"; ``*``, unknown languages and malformed entries are skipped; nothing usable → None (the
caller speaks English). Only the first `MAX_HEADER_CHARS` characters and `MAX_RANGES` ranges are read.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from coach import i18n

MAX_HEADER_CHARS = 512
MAX_RANGES = 32
_RANGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*")
_WEIGHT = re.compile(r"q=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)", re.IGNORECASE)


def preferred(header: str | None) -> str | None:
    """The shipped language the header prefers most, or None."""
    if not header:
        return None
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:MAX_HEADER_CHARS].split(",")[:MAX_RANGES]):
        tag, *params = (part.strip() for part in item.split(";"))
        if not _RANGE.fullmatch(tag):
            continue
        weight = 1.0
        for param in params:
            if param[:2].lower() == "q=":
                match = _WEIGHT.fullmatch(param)
                weight = float(match.group(1)) if match else 0.0  # a weight we cannot read: not chosen
        if weight > 0:
            ranges.append((-weight, position, tag))
    for _weight, _position, tag in sorted(ranges):
        if language := i18n.supported(tag):
            return language
    return None


def of_browser(request: Request) -> str:
    """The language of a page for whoever sent ``request``: their browser's preference, else English."""
    return preferred(request.headers.get("accept-language")) or i18n.DEFAULT
