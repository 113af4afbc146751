"""Reports narrated by Gemini: the real client against the fake server, through /week and /report."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.llm.client import GeminiClient
from coach.llm.service import CoachLlm
from db.models import Report
from tests.fakes import gemini as fake
from tests.llm.conftest import Gemini, running_bot, short_config
from tests.llm.test_answers import ANN
from tests.reports.test_report_commands import _ask_report, _reports, _texts


async def test_weekly_report_and_question_get_geminis_notes(
    gemini: Gemini, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client = GeminiClient(short_config(gemini.url))
    llm = CoachLlm(client=client, sessions=sessions, daily_tokens=100_000)
    async with running_bot(sessions, llm) as harness:
        await harness.ask(ANN, "/demo")
        gemini.fake.clear()
        gemini.fake.script(fake.text("A **heavy** week: keep the next three days easy."))
        week = "\n".join(_texts(await _ask_report(harness, ANN, "/week"))[1:])
        assert "<b>Coach's notes</b>" in week and "A <b>heavy</b> week" in week
        assert "<b>Next week</b>" in week  # the rules' report is all still there
        [body] = gemini.fake.generate_requests
        prompt = fake.user_texts(body)[0]
        assert "report_facts" in prompt and "4242" not in prompt and "Ann" not in prompt

        gemini.fake.script(fake.text("Not this Sunday: your HRV is below its range."))
        custom = "\n".join(_texts(await _ask_report(harness, ANN, "/report should I race on Sunday?"))[1:])
        assert "Not this Sunday" in custom and "Gemini API key" not in custom
        assert "should I race on Sunday?" in fake.user_texts(gemini.fake.generate_requests[-1])[0]
        reports: list[Report] = [r for r, _ in await _reports(harness)]
        assert {r.model_version for r in reports} == {"gemini-3.8-flash"}

        gemini.fake.script(fake.server_error(), fake.server_error(), fake.server_error())
        again = "\n".join(_texts(await _ask_report(harness, ANN, "/week"))[1:])
        assert "<b>Next week</b>" in again and "Coach's notes" not in again  # Gemini down: the rules' report
        await harness.idle()
    await client.aclose()
