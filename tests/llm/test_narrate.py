"""The narrative entry point reports use: text from Gemini, or None whenever Gemini cannot give it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.llm.client import GeminiClient
from coach.llm.narrate import narrate
from coach.llm.service import CoachLlm
from tests.bot.conftest import NOW
from tests.fakes import gemini as fake
from tests.llm.conftest import Gemini, short_config
from tests.llm.test_answers import ANN, load_demo

FACTS = {"week": "2026-11-16..22", "tss": 512, "hours": 9.5, "ctl_change": 3.1}


async def test_narrate_returns_the_models_text_without_links(
    gemini: Gemini, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user_id = await load_demo(sessions, ANN)
    client = GeminiClient(short_config(gemini.url))
    llm = CoachLlm(client=client, sessions=sessions, daily_tokens=100_000)
    gemini.fake.script(fake.text("A solid week: **512 TSS** in 9.5 h. More at https://evil.example/x"))
    text = await narrate(llm, user_id=user_id, now=NOW, task="Summarise the week.", facts=FACTS)
    assert text == "A solid week: **512 TSS** in 9.5 h. More at [link removed]"
    [body] = gemini.fake.generate_requests
    prompt = fake.user_texts(body)[0]
    assert "Summarise the week." in prompt and '"tss": 512' in prompt
    assert "responseMimeType" not in body.get("generationConfig", {})

    gemini.fake.script(fake.server_error(), fake.server_error(), fake.server_error())
    assert await narrate(llm, user_id=user_id, now=NOW, task="again", facts=FACTS) is None
    assert await narrate(None, user_id=user_id, now=NOW, task="no key", facts=FACTS) is None
    spent = CoachLlm(client=client, sessions=sessions, daily_tokens=1)
    assert await narrate(spent, user_id=user_id, now=NOW, task="over budget", facts=FACTS) is None
    await client.aclose()
