"""Model output as Telegram HTML: escaped, only bold kept, links removed, split under 4,096 characters."""

from __future__ import annotations

import re

from bot.texts import llm as texts_llm
from coach.readiness import Action, Factor


def test_everything_is_escaped_and_only_bold_becomes_markup() -> None:
    [html] = texts_llm.answer("**Rest** today <script>alert(1)</script> & a < b > c", [])
    assert html == "<b>Rest</b> today &lt;script&gt;alert(1)&lt;/script&gt; &amp; a &lt; b &gt; c"


def test_links_are_removed() -> None:
    [html] = texts_llm.answer("see https://evil.example/?d=secret or www.evil.example and evil.com/x", [])
    assert "evil" not in html and html.count("[link removed]") == 3


def test_the_veto_is_stated_above_the_answer() -> None:
    veto = Factor("illness", Action.REST, "you reported <feeling> ill")
    [html] = texts_llm.answer("Easy day.", [veto])
    assert html == "<b>Today's rule stands: rest today</b> (you reported &lt;feeling&gt; ill).\n\nEasy day."


def test_long_answers_split_on_lines_and_every_piece_renders() -> None:
    text = "\n".join(f"**Point {i}**: " + "watts & <hr> " * 30 for i in range(60))
    text += "\n" + "x&" * 5000  # one line longer than a message
    messages = texts_llm.answer(text, [])
    assert len(messages) > 3
    for html in messages:
        assert 0 < len(html) <= 4096
        assert html.count("<b>") == html.count("</b>")
        assert not re.search(r"<(?!/?b>)", html)
    joined = "".join(messages)
    assert joined.count("Point") == 60
