"""Reports are stored as markdown; Telegram shows HTML. This turns the one into the other, safely.

Only the small markdown the reports use is understood — ``#``/``##`` headings, ``- `` bullets, ``> `` quotes,
``**bold**``, ``_italic_`` and `` `code` `` — and everything else is text: every character outside a tag is
escaped, so a race called ``<b>`` or ``R&D`` shows exactly as typed and can never break the message.
Formatting never spans lines, so a message can be cut between any two lines with every tag closed. Telegram
refuses messages over 4,096 characters; longer reports are split there, at line ends.
"""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096

_INLINE = re.compile(r"`([^`\n]+)`|\*\*(.+?)\*\*|(?<![\w*])_(?!\s)(.+?)(?<!\s)_(?![\w])")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def inline(text: str) -> str:
    """One line of markdown to HTML: code, bold and italic spans; the rest escaped."""
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(_esc(text[last : match.start()]))
        code, bold, italic = match.groups()
        if code is not None:
            out.append(f"<code>{_esc(code)}</code>")
        elif bold is not None:
            out.append(f"<b>{_esc(bold)}</b>")
        else:
            out.append(f"<i>{_esc(italic)}</i>")
        last = match.end()
    out.append(_esc(text[last:]))
    return "".join(out)


def line_to_html(line: str) -> str:
    stripped = line.rstrip()
    if stripped.startswith("#"):
        title = stripped.lstrip("#").strip()
        return f"<b>{inline(title)}</b>" if title else ""
    if stripped.startswith(("- ", "* ")):
        return "• " + inline(stripped[2:])
    if stripped.startswith(">"):
        return f"<blockquote>{inline(stripped[1:].strip())}</blockquote>"
    return inline(stripped)


def to_html(markdown: str) -> str:
    return "\n".join(line_to_html(line) for line in markdown.strip("\n").splitlines())


def _split_long_line(line: str, limit: int) -> list[str]:
    """A line too long for one message, as plain escaped pieces (no tags to cut through, no entity cut)."""
    pieces: list[str] = []
    current = ""
    for ch in line:
        escaped = _esc(ch)
        if len(current) + len(escaped) > limit:
            pieces.append(current)
            current = ""
        current += escaped
    if current:
        pieces.append(current)
    return pieces


def to_messages(markdown: str, *, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The markdown as Telegram HTML messages of at most ``limit`` characters, cut only at line ends."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for raw in markdown.strip("\n").splitlines():
        converted = line_to_html(raw)
        parts = [converted] if len(converted) <= limit else _split_long_line(raw.rstrip(), limit)
        for part in parts:
            extra = len(part) + (1 if current else 0)
            if current and size + extra > limit:
                messages.append("\n".join(current).strip("\n"))
                current, size = [], 0
                extra = len(part)
            current.append(part)
            size += extra
    if current and "\n".join(current).strip():
        messages.append("\n".join(current).strip("\n"))
    return [m for m in messages if m.strip()]
