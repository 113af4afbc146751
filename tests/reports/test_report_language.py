"""A report resumed after a restart has no update to take the language from: it speaks its athlete's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.botapi import LocalBotApi
from bot.texts import reports as texts_reports
from coach import i18n
from db.models import User
from tests.bot.conftest import TOKEN
from tests.reports.test_resume import NOW, Clock, _demo_user, _process, _report, _sent, _taken_by_a_process_that_stops


@pytest.fixture
def api() -> LocalBotApi:
    return LocalBotApi(TOKEN)


async def test_a_resumed_report_is_written_in_the_athletes_language(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = await _demo_user(sessions)
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.telegram_language = "de"
    report_id = await _report(sessions, user_id)
    await _taken_by_a_process_that_stops(sessions, report_id, at=NOW - timedelta(minutes=10))

    spoken: dict[str, str] = {}
    resumed, done = texts_reports.report_resumed, texts_reports.report_done

    def report_resumed(kind: str) -> str:
        spoken["resumed"] = i18n.current()
        return resumed(kind)

    def report_done(kind: str, steps: list[str]) -> str:
        spoken["done"] = i18n.current()
        return done(kind, steps)

    monkeypatch.setattr(texts_reports, "report_resumed", report_resumed)
    monkeypatch.setattr(texts_reports, "report_done", report_done)
    async with _process(api, sessions, Clock()) as (_app, runner):
        assert await runner.run_due() == 1
        assert await _sent(api)
    assert spoken == {"resumed": "de", "done": "de"}
    assert i18n.current() == i18n.DEFAULT
