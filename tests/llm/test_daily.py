"""The daily suggestion as structured output: parsed, checked against the rules, stored as a report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.daily import assess_today
from coach.llm import daily
from coach.llm.client import GeminiClient
from coach.llm.service import CoachLlm
from db.models import Report
from db.repositories import users
from tests.bot.conftest import NOW
from tests.fakes import gemini as fake
from tests.llm.conftest import CoachBot, Gemini, short_config
from tests.llm.test_answers import ANN, load_demo


async def _assessment(sessions: async_sessionmaker[AsyncSession], user_id: str):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None and user.id == user_id
        return await assess_today(session, user, now=NOW)


def _model_suggestion(action: str, **extra: object) -> dict[str, object]:
    return {
        "action": action,
        "reason": "HRV is below your range and resting HR is up: take the day off.",
        "confidence": 0.9,
        "alternatives": ["active_recovery"],
        "key_factors": [],
    } | extra


async def _reports(sessions: async_sessionmaker[AsyncSession]) -> list[Report]:
    async with sessions() as session:
        return list((await session.scalars(select(Report).order_by(Report.created_at))).all())


async def test_the_models_suggestion_is_stored_with_its_model_and_grounded_factors(
    gemini: Gemini, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user_id = await load_demo(sessions, ANN)
    assessment = await _assessment(sessions, user_id)
    assert assessment.hrv is not None
    hrv = round(assessment.hrv.baseline_rmssd_ms, 1)
    client = GeminiClient(short_config(gemini.url))
    llm = CoachLlm(client=client, sessions=sessions, daily_tokens=100_000)
    gemini.fake.script(
        fake.json_output(
            _model_suggestion(
                "rest",
                key_factors=[
                    {"name": "HRV 7-day average", "value": hrv, "unit": "ms"},
                    {"name": "VO2max", "value": 71.3, "unit": "ml/kg/min"},  # not computed: dropped
                ],
            )
        )
    )
    result = await daily.suggest_today(sessions, llm, user_id=user_id, assessment=assessment, now=NOW)
    assert result is not None and result.from_model
    [report] = await _reports(sessions)
    assert report.type == "DAILY_SUGGESTION" and report.status == "COMPLETED"
    assert report.model_version == "fake"  # what Gemini said it ran (modelVersion in the response)
    assert report.suggestions is not None
    assert report.suggestions["action"] == "rest" and report.suggestions["source"] == "gemini"
    assert report.suggestions["key_factors"] == [{"name": "HRV 7-day average", "value": hrv, "unit": "ms"}]
    assert {"action", "reason", "confidence", "alternatives", "factors"} <= set(report.suggestions)
    body = gemini.fake.generate_requests[0]
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert "responseJsonSchema" in body["generationConfig"]
    # Asked again the same day with the same verdict: the stored one, no new request.
    again = await daily.suggest_today(sessions, llm, user_id=user_id, assessment=assessment, now=NOW)
    assert again is not None and again.report_id == report.id
    assert len(gemini.fake.generate_requests) == 1
    await client.aclose()


async def test_unparseable_or_veto_breaking_answers_fall_back_to_the_rules(
    gemini: Gemini, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user_id = await load_demo(sessions, ANN)
    assessment = await _assessment(sessions, user_id)
    assert assessment.suggestion is not None
    client = GeminiClient(short_config(gemini.url))
    llm = CoachLlm(client=client, sessions=sessions, daily_tokens=100_000)
    bad = [
        fake.text("Rest today, probably."),  # not JSON
        fake.json_output({"action": "sprint", "reason": "x", "confidence": 0.5}),  # not an action
        fake.json_output(_model_suggestion("rest", confidence=7)),  # out of range
        fake.json_output(_model_suggestion("proceed")),  # undercuts the hard veto
        fake.server_error(),
    ]
    for reply in bad:
        async with sessions.begin() as session:
            await session.execute(Report.__table__.delete())
        gemini.fake.clear()
        gemini.fake.script(reply, reply, reply)
        result = await daily.suggest_today(sessions, llm, user_id=user_id, assessment=assessment, now=NOW)
        assert result is not None and not result.from_model
        assert result.suggestions["action"] == assessment.suggestion.action.value
        [report] = await _reports(sessions)
        assert report.model_version == "rules" and report.suggestions == result.suggestions
    await client.aclose()


async def test_today_shows_the_structured_suggestion(coach_bot: CoachBot) -> None:
    await load_demo(coach_bot.harness.sessions, ANN)
    coach_bot.fake.script(fake.json_output(_model_suggestion("rest", reason="Your body needs a **day off** <now>.")))
    reply = (await coach_bot.harness.ask(ANN, "/today"))[0].text
    assert reply.startswith("<b>Today (Wed 25 Nov): rest today</b>")
    assert "Why: Your body needs a **day off** &lt;now&gt;." in reply
    assert "Fitness (CTL)" in reply
