"""The daily suggestion as structured output: Gemini phrases and weighs it, code checks it.

Gemini gets the rules coach's computation for today (no tools: it is all there) and must answer with
`DailySuggestionOut` (a response schema). The answer is accepted only if it parses, does not undercut a
hard veto, and its key factors quote numbers the rules coach computed (others are dropped). Otherwise the
rules suggestion is used: never nothing. Either way it is stored in ``Report.suggestions``
(type ``DAILY_SUGGESTION``) with ``modelVersion`` naming what produced it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from google.genai import types
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.daily import Assessment, local_day_start
from coach.llm.answer import coach_context
from coach.llm.client import LlmError
from coach.llm.service import CoachLlm
from coach.readiness import Action, severity, veto_floor
from db.models import Report
from db.repositories import reports

logger = logging.getLogger(__name__)

REPORT_TYPE = "DAILY_SUGGESTION"
RULES_VERSION = "rules"

SYSTEM_INSTRUCTION = """\
You are Coach Watts, an endurance coach. From the rules coach's computation for this morning (coach_context), \
write today's training suggestion for the athlete: the action, a short reason in plain words (under 400 \
characters), your confidence from 0 to 1, up to three alternatives, and the key factors with the numbers they \
rest on. Quote only numbers that appear in coach_context; never invent one. When coach_context has a \
hard_veto, the action must be at least as restrictive as hard_veto.action. Training coaching, not medical advice.
"""


class KeyFactor(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=80, description="What the number is, e.g. 'HRV 7-day average'.")
    value: float = Field(description="The number, exactly as in coach_context.")
    unit: str = Field(default="", max_length=12, description="Its unit, e.g. 'ms', 'bpm', 'h', or empty.")


class DailySuggestionOut(BaseModel):
    """The response schema of the daily suggestion."""

    model_config = ConfigDict(extra="ignore")

    action: Action
    reason: str = Field(min_length=1, max_length=600)
    confidence: float = Field(ge=0, le=1)
    alternatives: list[Action] = Field(default_factory=list, max_length=3)
    key_factors: list[KeyFactor] = Field(default_factory=list, max_length=6)


@dataclass(frozen=True, slots=True)
class DailySuggestion:
    suggestions: dict[str, Any]  # what is stored in Report.suggestions
    model_version: str  # the Gemini model, or "rules"
    report_id: str | None = None

    @property
    def from_model(self) -> bool:
        return self.model_version != RULES_VERSION


def _numbers(value: object) -> set[float]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | float):
        return {round(float(value), 1)}
    if isinstance(value, dict):
        return set().union(*(_numbers(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_numbers(v) for v in value)) if value else set()
    return set()


def rules_suggestion(assessment: Assessment) -> DailySuggestion | None:
    if assessment.suggestion is None:
        return None
    data = assessment.suggestion.to_json() | {
        "key_factors": [],
        "rules_action": assessment.suggestion.action.value,
        "source": "rules",
    }
    return DailySuggestion(suggestions=data, model_version=RULES_VERSION)


def check(out: DailySuggestionOut, assessment: Assessment, *, model: str) -> DailySuggestion | None:
    """The model's suggestion if it keeps the rules' promises, else ``None``."""
    s = assessment.suggestion
    assert s is not None
    floor = veto_floor(s)
    if floor is not None and severity(out.action) < severity(floor):
        logger.warning("Gemini's daily suggestion (%s) undercut a hard veto (%s)", out.action, floor)
        return None
    known = _numbers(coach_context(assessment))
    grounded = [f for f in out.key_factors if round(f.value, 1) in known]
    if len(grounded) < len(out.key_factors):
        logger.info(
            "dropped %d key factors whose numbers the rules did not compute", len(out.key_factors) - len(grounded)
        )
    data = {
        "action": out.action.value,
        "reason": out.reason,
        "confidence": round(out.confidence, 2),
        "alternatives": [a.value for a in out.alternatives if a is not out.action],
        "key_factors": [f.model_dump() for f in grounded],
        "factors": s.to_json()["factors"],
        "missing": s.missing,
        "rules_action": s.action.value,
        "source": "gemini",
    }
    return DailySuggestion(suggestions=data, model_version=model)


def _config() -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        system_instruction=SYSTEM_INSTRUCTION,
        temperature=0.2,
        max_output_tokens=1024,
        response_mime_type="application/json",
        response_json_schema=DailySuggestionOut.model_json_schema(),
        thinking_config=types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW),
    )


async def ask_model(llm: CoachLlm, *, user_id: str, assessment: Assessment, now: datetime) -> DailySuggestion | None:
    """Gemini's structured suggestion, checked; ``None`` on any failure (the caller uses the rules)."""
    context = json.dumps(coach_context(assessment), ensure_ascii=False)
    contents = [
        types.Content(role="user", parts=[types.Part.from_text(text=f"<coach_context>\n{context}\n</coach_context>")])
    ]
    try:
        async with asyncio.timeout(llm.client.config.deadline_s):
            response = await llm.generate(
                user_id=user_id, now=now, contents=contents, config=_config(), deadline=llm.client.deadline()
            )
    except (LlmError, TimeoutError) as err:
        logger.warning("Gemini daily suggestion failed (%s); using the rules", type(err).__name__)
        return None
    parts = response.candidates[0].content.parts if response.candidates and response.candidates[0].content else None
    text = "".join(p.text or "" for p in parts or [] if not p.thought)
    try:
        out = DailySuggestionOut.model_validate_json(text)
    except ValidationError as err:
        logger.warning("Gemini's daily suggestion did not match the schema (%d problems)", err.error_count())
        return None
    return check(out, assessment, model=response.model_version or llm.model)


async def _todays_report(session: AsyncSession, *, user_id: str, start: datetime) -> Report | None:
    stmt = (
        select(Report)
        .where(Report.user_id == user_id, Report.type == REPORT_TYPE, Report.date_range_start == start)
        .order_by(Report.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def suggest_today(
    sessions: async_sessionmaker[AsyncSession],
    llm: CoachLlm | None,
    *,
    user_id: str,
    assessment: Assessment,
    now: datetime,
) -> DailySuggestion | None:
    """Today's suggestion, stored as a DAILY_SUGGESTION report; ``None`` only without any data.

    The day's stored suggestion is reused while the rules still decide the same action (and, with Gemini,
    while it came from Gemini): new data that changes the rules' verdict produces a new one.
    """
    rules = rules_suggestion(assessment)
    if rules is None:
        return None
    tz = ZoneInfo(assessment.timezone)
    start = local_day_start(assessment.today, tz)
    end = local_day_start(assessment.today + timedelta(days=1), tz)
    async with sessions() as session:
        existing = await _todays_report(session, user_id=user_id, start=start)
    if existing is not None and existing.suggestions is not None:
        same_verdict = existing.suggestions.get("rules_action") == rules.suggestions["rules_action"]
        good_enough = llm is None or existing.suggestions.get("source") == "gemini"
        if same_verdict and good_enough:
            return DailySuggestion(existing.suggestions, existing.model_version or RULES_VERSION, existing.id)
    chosen = None
    if llm is not None:
        chosen = await ask_model(llm, user_id=user_id, assessment=assessment, now=now)
    chosen = chosen or rules
    async with sessions.begin() as session:
        report = await reports.add(
            session,
            user_id=user_id,
            type=REPORT_TYPE,
            status="COMPLETED",
            start=start,
            end=end,
            suggestions=chosen.suggestions,
            model_version=chosen.model_version,
        )
    return replace(chosen, report_id=report.id)


def with_suggestion(assessment: Assessment, suggestion: DailySuggestion | None) -> Assessment:
    """The assessment with the model's action, reason, confidence and alternatives (numbers stay the rules')."""
    if suggestion is None or not suggestion.from_model or assessment.suggestion is None:
        return assessment
    data = suggestion.suggestions
    chosen = replace(
        assessment.suggestion,
        action=Action(data["action"]),
        reason=str(data["reason"]).strip().rstrip("."),
        confidence=float(data["confidence"]),
        alternatives=[Action(a) for a in data["alternatives"]] or assessment.suggestion.alternatives,
    )
    return replace(assessment, suggestion=chosen)
