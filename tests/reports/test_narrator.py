"""The narrative seam: an LLM's prose joins the rules' report without changing its numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.console.botapi import LocalBotApi
from coach.reports import ReportType
from db.models import Report
from tests.bot.conftest import Harness
from tests.reports.test_report_commands import _ask_report, _reports, _texts

ANN = LocalBotApi.user(4242, "Ann")


class ScriptedNarrator:
    """A narrator that answers from the facts it is given, and records what it saw."""

    model_version = "scripted-narrator-1"

    def __init__(self) -> None:
        self.seen: list[tuple[ReportType, Mapping[str, Any], str | None]] = []

    async def narrate(
        self, *, kind: ReportType, facts: Mapping[str, Any], rules_markdown: str, question: str | None
    ) -> str | None:
        self.seen.append((kind, facts, question))
        if kind is ReportType.CUSTOM:
            return f"Hold off: today's call is **{facts['today']['action']}**."
        return "Good week — _keep the easy days easy_."


async def test_a_narrator_adds_notes_and_answers_questions(harness: Harness) -> None:
    narrator = ScriptedNarrator()
    harness.ctx.report_narrator = narrator
    await harness.ask(ANN, "/demo")

    week = "\n".join(_texts(await _ask_report(harness, ANN, "/week"))[1:])
    assert "<b>Coach's notes</b>\n\nGood week — <i>keep the easy days easy</i>." in week
    assert "<b>Next week</b>" in week  # the rules' report is all still there

    custom = "\n".join(_texts(await _ask_report(harness, ANN, "/report should I race on Sunday?"))[1:])
    assert "<b>Answer</b>\n\nHold off: today's call is <b>rest</b>." in custom
    assert "Gemini API key" not in custom

    kinds = [seen[0] for seen in narrator.seen]
    assert kinds == [ReportType.WEEKLY_ANALYSIS, ReportType.CUSTOM]
    assert narrator.seen[1][2] == "should I race on Sunday?"
    # Nothing identifying reaches the narrator: only numbers and the question.
    for _, facts, _ in narrator.seen:
        assert "4242" not in repr(facts) and "Ann" not in repr(facts)
    reports: list[Report] = [r for r, _ in await _reports(harness)]
    assert {r.model_version for r in reports} == {"scripted-narrator-1"}
    await harness.idle()
