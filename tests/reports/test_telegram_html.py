"""Stored markdown becomes Telegram HTML that always renders: escaped, tags closed per line, split at 4,096."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram_html import TELEGRAM_LIMIT, inline, to_html, to_messages


class _Balanced(HTMLParser):
    """Fails on any tag Telegram does not know or any tag left open."""

    ALLOWED = frozenset({"b", "i", "code", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag


def assert_renders(message: str) -> None:
    parser = _Balanced()
    parser.feed(message)
    parser.close()
    assert parser.stack == []
    assert len(message) <= TELEGRAM_LIMIT


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("# Week 19 Nov – 25 Nov", "<b>Week 19 Nov – 25 Nov</b>"),
        ("## Load", "<b>Load</b>"),
        ("- 5 sessions, **537** TSS", "• 5 sessions, <b>537</b> TSS"),
        ("- _Per session_", "• <i>Per session</i>"),
        ("> am I <ready> & fit?", "<blockquote>am I &lt;ready&gt; &amp; fit?</blockquote>"),
        ("use `/race Fondo 2026-12-20`", "use <code>/race Fondo 2026-12-20</code>"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("**<b>** is text", "<b>&lt;b&gt;</b> is text"),
        ("a ** lone star", "a ** lone star"),
    ],
)
def test_the_markdown_reports_use(markdown: str, html: str) -> None:
    assert to_html(markdown) == html


def test_a_long_report_is_split_at_line_ends_under_the_limit() -> None:
    lines = ["# Title"] + [f"- item {i} with **bold {i}** and <{i}>" for i in range(400)]
    messages = to_messages("\n".join(lines))
    assert len(messages) > 1
    for message in messages:
        assert_renders(message)
    joined = "\n".join(messages)
    assert joined == to_html("\n".join(lines))


def test_a_single_line_longer_than_a_message_is_cut_without_breaking_an_entity() -> None:
    line = "&<>" * 3000
    messages = to_messages(line)
    assert len(messages) == 10  # 39,000 characters of escaped HTML
    for message in messages:
        assert_renders(message)
        assert not re.search(r"&(?!amp;|lt;|gt;)", message)


@given(st.text(alphabet=st.sampled_from(list("ab *_`#->&<\n")), max_size=300))
def test_any_text_renders(markdown: str) -> None:
    for message in to_messages(markdown, limit=64):
        assert_renders(message)
    assert "<" not in inline("<")
