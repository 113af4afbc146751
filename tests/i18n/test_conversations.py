"""A conversation per language through the real bot: setup, /today, the free-text questions, /week and /help
are answered in the athlete's language, with no English left and the rules' own numbers.

"No English left" is checked two ways, so neither a message missing from a catalog nor one never put in it
slips by: no fragment of an English message of the code (three words or more, not also in its translation)
appears in a reply, and no line of a reply reads as English (two or more words that only English uses).
Both checks run on the English conversation too, where they must fire: the test can fail.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterable
from functools import cache

import pytest
from sqlalchemy import select

from bot.console.botapi import JsonDict, LocalBotApi, Sent
from coach import i18n
from coach.daily import assess_today
from coach.i18n import catalogs
from db.models import CheckIn, DialogState, Report
from db.repositories import users
from tests.bot.conftest import NOW, Harness

BERLIN = (52.52, 13.405)
_FIELD_OR_TAG = re.compile(r"\{[^}]*\}|<[^>]+>|\n")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Words of English text that German, Spanish and French prose does not use (names, commands and units are
# stripped before the check).
ENGLISH_ONLY = frozenset(
    {
        "the",
        "your",
        "you",
        "and",
        "with",
        "this",
        "that",
        "is",
        "are",
        "what",
        "have",
        "has",
        "will",
        "would",
        "should",
        "can't",
        "don't",
        "from",
        "been",
        "which",
        "today",
        "tomorrow",
        "week",
        "yesterday",
        "easy",
        "hard",
        "rest",
        "ride",
        "training",
        "workout",
        "sleep",
        "morning",
    }
)
_STRIP = re.compile(r"/[a-z_]+|https?://\S+|<[^>]+>|&[a-z]+;")

# The questions an athlete asks, as a speaker of each language asks them.
QUESTIONS = {
    "en": {
        "today": "How should I train today?",
        "tomorrow": "Should I do intervals tomorrow?",
        "week": "How much should I ride this week?",
        "rest": "Should I rest today?",
        "ill": "I have a fever and a sore throat",
        "legs": "My legs are sore",
        "sleep": "I slept badly",
        "race": "How far is my next race?",
        "other": "What's the capital of Peru?",
    },
    "de": {
        "today": "Wie soll ich heute trainieren?",
        "tomorrow": "Soll ich morgen Intervalle fahren?",
        "week": "Wie viel soll ich diese Woche fahren?",
        "rest": "Soll ich heute einen Ruhetag machen?",
        "ill": "Ich habe Fieber und Halsschmerzen",
        "legs": "Meine Beine sind schwer, Muskelkater",
        "sleep": "Ich habe schlecht geschlafen",
        "race": "Wann ist mein nächster Wettkampf?",
        "other": "Was ist die Hauptstadt von Peru?",
    },
    "es": {
        "today": "¿Cómo debo entrenar hoy?",
        "tomorrow": "¿Hago series mañana?",
        "week": "¿Cuánto debería rodar esta semana?",
        "rest": "¿Debería descansar hoy?",
        "ill": "Tengo fiebre y dolor de garganta",
        "legs": "Tengo las piernas cargadas",
        "sleep": "Dormí mal",
        "race": "¿Cuándo es mi próxima carrera?",
        "other": "¿Cuál es la capital de Perú?",
    },
    "fr": {
        "today": "Comment dois-je m'entraîner aujourd'hui ?",
        "tomorrow": "Je fais du fractionné demain ?",
        "week": "Combien dois-je rouler cette semaine ?",
        "rest": "Est-ce que je dois me reposer aujourd'hui ?",
        "ill": "J'ai de la fièvre et mal à la gorge",
        "legs": "J'ai les jambes lourdes",
        "sleep": "J'ai mal dormi",
        "race": "Quand est ma prochaine course ?",
        "other": "Quelle est la capitale du Pérou ?",
    },
}


@cache
def _english_fragments(language: str) -> tuple[str, ...]:
    """Pieces of the code's English messages that a reply in ``language`` must not contain."""
    translation = i18n.translations(language)
    found: set[str] = set()
    for message in catalogs.extract():
        for english in (message.id,) if isinstance(message.id, str) else tuple(message.id):
            if not english:
                continue
            translated = (
                translation.pgettext(message.context, english) if message.context else translation.gettext(english)
            )
            for piece in _FIELD_OR_TAG.split(english):
                words = _WORD.findall(piece)
                if len(words) >= 3 and piece.strip() not in translated:
                    found.add(piece.strip())
    return tuple(sorted(found, key=len, reverse=True))


def english_left(texts: Iterable[str], language: str) -> list[str]:
    """What reads as English in ``texts``: a fragment of an English message, or a line of English words."""
    left = []
    fragments = _english_fragments(language)
    for text in texts:
        plain = html.unescape(text)
        left += [f"message: {f!r}" for f in fragments if f in plain]
        for line in _STRIP.sub(" ", plain).splitlines():
            english = {w for w in _WORD.findall(line.lower()) if w in ENGLISH_ONLY}
            if len(english) >= 2:
                left.append(f"line: {line.strip()[:100]!r} ({', '.join(sorted(english))})")
    return left


def _sent_texts(sent: list[Sent]) -> list[str]:
    return [s.text for s in sent if s.text]


class Conversation:
    def __init__(self, harness: Harness, language: str) -> None:
        self.harness = harness
        self.language = language
        self.who: JsonDict = LocalBotApi.user(7000 + i18n.LANGUAGES.index(language), "Ana", language_code=language)
        self.replies: list[str] = []

    async def say(self, text: str) -> list[Sent]:
        sent = await self.harness.ask(self.who, text)
        assert sent, f"no reply to {text!r}"
        self.replies += _sent_texts(sent)
        return sent

    async def tap(self, sent: Sent, button: JsonDict) -> list[Sent]:
        await self.harness.api.press_button(self.who, sent.message, button["callback_data"])
        replies = await self.harness.api.drain(self.who["id"], quiet=0.3, wait_s=15)
        self.replies += _sent_texts(replies)
        return replies

    async def setup(self) -> None:
        """/start, the location for the time zone, an FTP, then every other question skipped by its button."""
        await self.say("/start")
        await self.harness.api.send_location(self.who, *BERLIN)
        replies = await self.harness.api.drain(self.who["id"], quiet=0.3, wait_s=15)
        self.replies += _sent_texts(replies)
        typed_ftp = False
        for _ in range(25):
            question = [r for r in replies if r.method == "sendMessage"][-1]
            if not typed_ftp and "FTP" in question.text:  # the third question: one value typed, in watts
                replies, typed_ftp = await self.say("265"), True
                continue
            buttons = [b for b in question.buttons if "callback_data" in b]
            if len(buttons) < 2:  # the summary at the end has no question's buttons
                async with self.harness.sessions() as session:
                    assert await session.get(DialogState, (await self.user()).id) is None, question.text
                return
            replies = await self.tap(question, buttons[-2])  # the last two are Skip and Finish later
        raise AssertionError("the setup did not end")

    async def user(self):  # type: ignore[no-untyped-def]
        async with self.harness.sessions() as session:
            user = await users.get_by_telegram_id(session, telegram_user_id=self.who["id"])
            assert user is not None
            return user

    async def report(self, command: str) -> list[Sent]:
        """A command that starts a report (/week, /race): everything sent until the report is delivered."""
        chat_id = int(self.who["id"])
        await self.harness.api.send_text(self.who, command)
        first = await self.harness.api.next_reply(chat_id, wait_s=15)
        async with asyncio.timeout(90):
            while not await self._reports_done():  # noqa: ASYNC110 - the report's state lives in PostgreSQL
                await asyncio.sleep(0.05)
        await self.harness.idle()
        sent = [first, *await self.harness.api.drain(chat_id, quiet=0.3, wait_s=15)]
        self.replies += _sent_texts(sent)
        return sent

    async def _reports_done(self) -> bool:
        async with self.harness.sessions() as session:
            statuses = (await session.scalars(select(Report.status))).all()
        return bool(statuses) and all(s in ("COMPLETED", "FAILED") for s in statuses)


async def _converse(harness: Harness, language: str) -> Conversation:
    talk = Conversation(harness, language)
    await talk.setup()
    user = await talk.user()
    assert user.ftp == 265 and user.timezone == "Europe/Berlin"
    await talk.say("/demo")
    await talk.report("/race Gran Fondo 2027-01-17 A 120")
    today = await talk.say("/today")

    # The numbers are the rules' own, written as the language writes them.
    async with harness.sessions() as session:
        assessment = await assess_today(session, await talk.user(), now=NOW)
    form = assessment.form
    assert form is not None
    with i18n.use(language):
        shown = "\n".join(_sent_texts(today))
        assert f"(CTL) {i18n.number(form.ctl)}" in shown and f"(ATL) {i18n.number(form.atl)}" in shown

    for key, question in QUESTIONS[language].items():
        await talk.say(question)
        if key == "ill":  # said in words, recorded as the check-in's illness (a hard veto)
            async with harness.sessions() as session:
                check_in = await session.scalar(select(CheckIn).where(CheckIn.user_id == user.id))
            assert check_in is not None and check_in.illness is True
            # Today's session changed for the illness, and says why (not "at your choice").
            with i18n.use(language):
                why = i18n.t(
                    "<b>Today's session: {title}</b> (changed from the plan: you reported being ill)", title=""
                )
            assert why.split("</b>")[1] in "\n".join(talk.replies[-2:])
    await talk.report("/week")
    await talk.say("/help")
    return talk


@pytest.mark.parametrize("language", ["de", "es", "fr"])
async def test_a_conversation_in_each_language_has_no_english_left(harness: Harness, language: str) -> None:
    talk = await _converse(harness, language)
    assert len(talk.replies) > 20
    left = english_left(talk.replies, language)
    assert not left, "\n".join(left[:30])


async def test_the_english_conversation_is_english_so_the_check_can_fail(harness: Harness) -> None:
    talk = await _converse(harness, "en")
    for language in ("de", "es", "fr"):
        assert len(english_left(talk.replies, language)) > 20
