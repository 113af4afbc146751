"""The Gemini coach as one object the bot holds: the client, the database, the budget.

`CoachLlm.generate` is the one path to Gemini: it refuses when the user's daily token budget is spent,
and counts what every request used (``usageMetadata.totalTokenCount``) against that budget in PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from babel import Locale
from google.genai import types
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import i18n
from coach.llm import metrics
from coach.llm.client import GeminiClient, LlmError
from db.repositories import llm_usage

logger = logging.getLogger(__name__)


# How each language addresses the athlete (the bot's own messages do the same).
_INFORMAL = {"de": "du", "es": "tú", "fr": "tu"}


def language_instruction() -> str:
    """The answer language, for the system instruction: the prompts stay English, the athlete reads theirs."""
    language = i18n.current()
    english = Locale.parse(language).get_display_name("en") or language
    native = i18n.LANGUAGE_NAMES.get(language, english)
    named = english if native == english else f"{english} ({native})"
    informal = f", addressing the athlete informally ({_INFORMAL[language]})" if language in _INFORMAL else ""
    return (
        f"Answer in {named}{informal}. Keep every number as coach_context, the facts or the tools give it, "
        "with its unit."
    )


def in_the_athletes_language(config: types.GenerateContentConfig) -> types.GenerateContentConfig:
    """``config`` with the answer language after its system instruction (every request to Gemini)."""
    system = config.system_instruction
    if system is None:
        instruction = language_instruction()
    elif isinstance(system, str):
        instruction = f"{system.rstrip()}\n{language_instruction()}\n"
    else:
        return config  # only plain-text instructions are written here
    return config.model_copy(update={"system_instruction": instruction})


class BudgetSpent(LlmError):
    """This user's Gemini tokens for today are used up."""


@dataclass(slots=True)
class CoachLlm:
    client: GeminiClient
    sessions: async_sessionmaker[AsyncSession]
    daily_tokens: int
    band_sd: float = 0.5

    @property
    def model(self) -> str:
        return self.client.model

    async def tokens_left(self, *, user_id: str, now: datetime) -> int:
        async with self.sessions() as session:
            used = await llm_usage.spent(session, user_id=user_id, day=now.astimezone(UTC).date())
        return max(0, self.daily_tokens - used)

    async def generate(
        self,
        *,
        user_id: str,
        now: datetime,
        contents: Sequence[types.Content],
        config: types.GenerateContentConfig,
        deadline: float,
    ) -> types.GenerateContentResponse:
        if await self.tokens_left(user_id=user_id, now=now) <= 0:
            raise BudgetSpent("daily Gemini token budget spent")
        response = await self.client.generate(contents, in_the_athletes_language(config), deadline=deadline)
        usage = response.usage_metadata
        tokens = (usage.total_token_count or 0) if usage is not None else 0
        metrics.TOKENS.inc(tokens)
        async with self.sessions.begin() as session:
            await llm_usage.add(session, user_id=user_id, day=now.astimezone(UTC).date(), tokens=tokens)
        return response
