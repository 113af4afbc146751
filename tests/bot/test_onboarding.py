"""Guided setup and /settings end to end: real PTB client, local Bot API, PostgreSQL state across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import func, select
from telegram.ext import CommandHandler

from bot.console.botapi import JsonDict, LocalBotApi, Sent
from db.models import CallbackAction, DialogState, User
from db.repositories import users
from tests.bot.conftest import Harness

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")
BERLIN = (52.52, 13.405)


async def _say(harness: Harness, who: JsonDict, text: str) -> list[Sent]:
    """Send ``text`` and return the new messages the bot sent (edits of earlier ones left out)."""
    return [r for r in await harness.ask(who, text) if r.method == "sendMessage"]


async def _tap(harness: Harness, who: JsonDict, sent: Sent, label: str) -> list[Sent]:
    await harness.api.press_button(who, sent.message, sent.button(label)["callback_data"])
    return await harness.api.drain(who["id"], quiet=0.3, wait_s=15)


async def _tap_expired(harness: Harness, who: JsonDict, sent: Sent, label: str) -> str:
    press = await harness.api.press_button(who, sent.message, sent.button(label)["callback_data"])
    return str((await harness.api.callback_answer(press)).get("text") or "")


def _question(replies: list[Sent]) -> Sent:
    """The last new message the bot sent (the open question, with its buttons)."""
    return [r for r in replies if r.method == "sendMessage"][-1]


def _texts(replies: list[Sent]) -> str:
    return "\n".join(r.text for r in replies)


async def _user(harness: Harness, who: JsonDict) -> User:
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=who["id"])
        assert user is not None
        return user


async def _dialog(harness: Harness, who: JsonDict) -> DialogState | None:
    user = await _user(harness, who)
    async with harness.sessions() as session:
        return await session.get(DialogState, user.id)


async def test_full_setup_with_valid_invalid_and_skipped_answers(harness: Harness) -> None:
    replies = await _say(harness, ANN, "/start")
    assert "Hi Ann! I'm Coach Watts" in replies[0].text
    question = _question(replies)
    assert "Setup 1/17" in question.text and "Where are you?" in question.text
    assert question.keyboard[0] == {"text": "📍 Share my location", "request_location": True}

    # A shared location answers the time zone; the location keyboard goes away.
    await harness.api.send_location(ANN, *BERLIN)
    replies = await harness.api.drain(ANN["id"], quiet=0.3, wait_s=15)
    assert "✓ Time zone: Europe/Berlin (from your location, which I did not keep)" in replies[0].text
    assert replies[0].removes_keyboard
    question = _question(replies)
    assert "What do you mainly train for?" in question.text
    assert [b["text"] for b in question.buttons] == ["Cycling", "Running", "Triathlon", "Other", "Skip", "Finish later"]

    replies = await _tap(harness, ANN, question, "Running")
    edited = next(r for r in replies if r.method == "editMessageText")
    assert "✓ Sport focus: running" in edited.text and edited.buttons == []
    assert "Your FTP" in _question(replies).text

    # Out of range, then not a number, then a valid value with its unit: nothing half-stored in between.
    replies = await _say(harness, ANN, "1200")
    assert replies[0].text == (
        "Nothing saved: FTP must be more than 0 and less than 500 W; got 1200. Try again, or type <i>skip</i>."
    )
    assert "FTP must be a whole number of watts; got '25o'" in (await _say(harness, ANN, "25o"))[0].text
    assert (await _user(harness, ANN)).ftp is None
    replies = await _say(harness, ANN, "265 W")
    assert "✓ FTP: 265 W" in replies[0].text
    assert "maximum heart rate" in _question(replies).text

    replies = await _say(harness, ANN, "skip")
    assert "– Max HR: skipped" in replies[0].text
    assert "resting heart rate" in _question(replies).text
    replies = await _say(harness, ANN, "48")
    assert "✓ Resting HR: 48 bpm" in replies[0].text
    # The range is checked first, then the order of the heart rates.
    assert "between 80 and 220 bpm; got 40" in (await _say(harness, ANN, "40"))[0].text
    replies = await _tap(harness, ANN, _question(replies), "Skip")
    assert "– Threshold HR (LTHR): skipped" in _texts(replies)
    replies = await _say(harness, ANN, "71,5 kg")
    assert "✓ Weight: 71.5 kg" in replies[0].text
    assert "date of birth must be a date giving an age of 10 to 110 years; got '2030-01-01'" in (
        (await _say(harness, ANN, "2030-01-01"))[0].text
    )
    assert "date of birth must be a date like 1990-04-17 or 17.04.1990; got '31.02.1990'" in (
        (await _say(harness, ANN, "31.02.1990"))[0].text
    )
    replies = await _say(harness, ANN, "17.04.1990")
    assert "✓ Date of birth: 1990-04-17" in replies[0].text
    replies = await _tap(harness, ANN, _question(replies), "Skip")
    assert "– Sex: skipped" in _texts(replies)
    # The plan's settings: tapped, typed, skipped — each checked like the others.
    assert "power meter or a smart trainer" in _question(replies).text
    replies = await _tap(harness, ANN, _question(replies), "No")
    assert "threshold pace" in _question(replies).text
    assert "threshold pace must be between 2:00 and 12:00 per km; got 60" in (await _say(harness, ANN, "1:00"))[0].text
    replies = await _say(harness, ANN, "4:30")
    assert "✓ Threshold pace: 4:30/km" in replies[0].text
    replies = await _tap(harness, ANN, _question(replies), "km")
    assert "hours a week" in _question(replies).text
    replies = await _say(harness, ANN, "7.5")
    assert "✓ Weekly hours: 7.5 h a week" in replies[0].text
    assert "Which days can you train" in _question(replies).text
    replies = await _say(harness, ANN, "mon 60 wed 90 sat 3h sun 2h")
    assert "✓ Training days: Mon 1 h, Wed 1 h 30 min, Sat 3 h, Sun 2 h" in replies[0].text
    replies = await _say(harness, ANN, "skip")
    assert "– CTL ramp: skipped" in replies[0].text
    replies = await _tap(harness, ANN, _question(replies), "2:1")
    question = _question(replies)
    assert "morning brief" in question.text
    replies = await _tap(harness, ANN, question, "06:30")
    done = _question(replies)
    assert "<b>All set.</b>" in done.text
    assert "• Time zone: Europe/Berlin" in done.text and "• FTP: 265 W" in done.text
    assert "• Max HR: not set" in done.text and "• Morning brief: 06:30 (on)" in done.text

    user = await _user(harness, ANN)
    assert (user.timezone, user.sport_focus, user.ftp, user.max_hr, user.resting_hr, user.lthr) == (
        "Europe/Berlin",
        "running",
        265,
        None,
        48,
        None,
    )
    assert (user.weight, user.dob, user.sex, user.brief_time) == (
        71.5,
        datetime(1990, 4, 17, tzinfo=UTC),
        None,
        time(6, 30),
    )
    assert (user.has_power_meter, user.threshold_pace_s_per_km, user.distance_unit, user.weekly_hours) == (
        False,
        270,
        "km",
        7.5,
    )
    assert (user.day_minutes, user.ctl_ramp, user.recovery_rhythm) == ([60, 0, 90, 0, 0, 180, 120], None, "2:1")
    assert await _dialog(harness, ANN) is None
    # Setup is over: numbers typed now are messages again, and /start only says hello.
    assert "Welcome back, Ann" in (await _say(harness, ANN, "/start"))[0].text


async def test_a_typed_city_and_a_miss_with_suggestions(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    replies = await _say(harness, ANN, "Qwxzvbn")
    assert "I couldn't find <i>Qwxzvbn</i>" in replies[0].text
    replies = await _say(harness, ANN, "Bostn")
    assert "Did you mean one of these?" in replies[0].text
    assert "Boston, US — America/New_York" in [b["text"] for b in replies[0].buttons]
    replies = await _tap(harness, ANN, replies[0], "Boston, US — America/New_York")
    assert "✓ Time zone: America/New_York" in _texts(replies)
    assert (await _user(harness, ANN)).timezone == "America/New_York"
    # Typing a city resolves it too, through /settings.
    replies = await _say(harness, ANN, "/settings timezone kathmandu")
    assert "✓ Time zone: Asia/Kathmandu (Kathmandu, NP)" in replies[0].text  # the place it matched
    assert (await _user(harness, ANN)).timezone == "Asia/Kathmandu"


async def test_settings_timezone_asks_about_an_ambiguous_or_unlikely_place(harness: Harness) -> None:
    await _say(harness, ANN, "/settings timezone Europe/Berlin")
    replies = await _say(harness, ANN, "/settings timezone Springfield")
    assert "There is more than one <i>Springfield</i>, in different time zones" in replies[0].text
    assert "exactly" not in replies[0].text
    replies = await _say(harness, ANN, "/settings timezone Atlantis")
    assert "The only <i>Atlantis</i> I know is Atlantis, ZA" in replies[0].text and "haven't saved" in replies[0].text
    assert [b["text"] for b in replies[0].buttons] == ["Atlantis, ZA — Africa/Johannesburg"]
    assert (await _user(harness, ANN)).timezone == "Europe/Berlin"  # nothing saved without asking
    replies = await _say(harness, ANN, "/settings timezone Qwzxv")
    assert "I couldn't find <i>Qwzxv</i>" in replies[0].text and not replies[0].buttons


async def test_setup_survives_a_restart_and_old_buttons_expire(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    replies = await _say(harness, ANN, "Lord Howe")
    assert "✓ Time zone: Australia/Lord_Howe" in replies[0].text
    sport_question = _question(replies)
    replies = await _tap(harness, ANN, sport_question, "Cycling")
    ftp_question = _question(replies)

    await harness.restart()  # nothing in memory survives; the open question is in PostgreSQL

    replies = await _say(harness, ANN, "250")
    assert "✓ FTP: 250 W" in replies[0].text
    maxhr_question = _question(replies)
    assert "maximum heart rate" in maxhr_question.text
    # Buttons of questions already answered (before or after the restart) are expired, and change nothing.
    assert await _tap_expired(harness, ANN, sport_question, "Running") == "This button has expired."
    assert await _tap_expired(harness, ANN, ftp_question, "Skip") == "This button has expired."
    assert (await _user(harness, ANN)).sport_focus == "cycling"
    # The open question's buttons, issued before a second restart, still work after it.
    await harness.restart()
    replies = await _tap(harness, ANN, maxhr_question, "Skip")
    assert "resting heart rate" in _question(replies).text
    dialog = await _dialog(harness, ANN)
    assert dialog is not None and (dialog.flow, dialog.step) == ("onboarding", "restinghr")


async def test_finish_later_then_start_resumes_where_it_was(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    await _say(harness, ANN, "skip")  # time zone
    replies = await _say(harness, ANN, "Triathlon")  # a typed choice works like the button
    assert "✓ Sport focus: triathlon" in replies[0].text
    replies = await _tap(harness, ANN, _question(replies), "Finish later")
    assert "Setup paused" in _texts(replies)
    dialog = await _dialog(harness, ANN)
    assert dialog is not None and (dialog.flow, dialog.step) == ("paused", "ftp")
    # With no open question a number is just a message for the coach.
    assert "FTP" not in (await _say(harness, ANN, "250"))[0].text
    replies = await _say(harness, ANN, "/start")
    assert "Welcome back, Ann. Let's finish setting you up" in replies[0].text
    assert "Setup 3/17" in _question(replies).text and "Your FTP" in _question(replies).text


async def test_a_question_to_the_coach_during_setup_still_gets_answered(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    await _say(harness, ANN, "skip")
    await _say(harness, ANN, "cycling")
    reply = (await _say(harness, ANN, "how should I train today?"))[0].text
    assert "I don't have any training or recovery data for you yet" in reply
    dialog = await _dialog(harness, ANN)
    assert dialog is not None and dialog.step == "ftp"
    assert "✓ FTP: 240 W" in (await _say(harness, ANN, "240"))[0].text


async def test_settings_buttons_edit_remove_and_cancel(harness: Harness) -> None:
    await _say(harness, BOB, "/demo")  # a profile already set: /start does not start a setup
    welcome = (await _say(harness, BOB, "/start"))[0].text
    assert "Welcome back, Bob. Ask me how to train today, or use /today." in welcome
    # ... but the demo filled the profile, not the setup: /start offers it, and /setup runs it any time.
    assert "Your setup was never finished: /setup walks you through it" in welcome
    setup = await _say(harness, BOB, "/setup")
    assert "Let's go through your setup" in setup[0].text
    assert "<i>Setup 1/" in _question(setup).text
    await _say(harness, BOB, "Europe/Berlin")
    menu = (await _say(harness, BOB, "/settings"))[0]
    assert "FTP: 250 W" in menu.text
    labels = [b["text"] for b in menu.buttons]
    assert labels == [
        "Time zone",
        "Sport",
        "FTP",
        "Max HR",
        "Resting HR",
        "Threshold HR",
        "Weight",
        "Birth date",
        "Sex",
        "Power meter",
        "Threshold pace",
        "km / mi",
        "Weekly hours",
        "Training days",
        "CTL ramp",
        "Recovery weeks",
        "Brief time",
        "Language",
    ]
    replies = await _tap(harness, BOB, menu, "FTP")
    question = _question(replies)
    assert "Your FTP" in question.text and "Now: 250 W." in question.text
    assert [b["text"] for b in question.buttons] == ["Remove", "Cancel"]
    assert "Skip" not in question.text and "Tap Remove" in question.text  # the text names only buttons shown
    assert "Nothing saved: FTP must be more than 0 and less than 500 W; got 700." in (
        (await _say(harness, BOB, "700"))[0].text
    )
    replies = await _say(harness, BOB, "262")
    assert "✓ FTP: 262 W" in replies[0].text
    menu = _question(replies)
    assert "FTP: 262 W" in menu.text and len(menu.buttons) == 18

    replies = await _tap(harness, BOB, menu, "Sex")
    replies = await _tap(harness, BOB, _question(replies), "Female")
    assert "✓ Sex: female" in _texts(replies)
    replies = await _tap(harness, BOB, menu, "Sex")  # the menu stays usable
    replies = await _tap(harness, BOB, _question(replies), "Remove")
    assert "✓ Sex: not set" in _texts(replies)
    replies = await _tap(harness, BOB, menu, "Brief time")
    replies = await _tap(harness, BOB, _question(replies), "Off")
    assert "Morning brief: 07:00 (off)" in _question(replies).text
    replies = await _tap(harness, BOB, menu, "Max HR")
    replies = await _tap(harness, BOB, _question(replies), "Cancel")
    assert "Nothing changed." in _texts(replies)
    replies = await _tap(harness, BOB, menu, "Time zone")
    assert _question(replies).keyboard[-1] == {"text": "Cancel"}
    replies = await _say(harness, BOB, "New York")
    assert "✓ Time zone: America/New_York (New York City, US)" in replies[0].text

    user = await _user(harness, BOB)
    assert (user.ftp, user.sex, user.brief_enabled, user.max_hr, user.timezone) == (
        262,
        None,
        False,
        186,
        "America/New_York",
    )
    assert await _dialog(harness, BOB) is None


async def test_settings_language_answers_in_the_new_language(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    reply = (await _say(harness, ANN, "/settings language deutsch"))[0].text
    # The confirmation is already in German, and so is every answer after it.
    assert "Sprache gespeichert." in reply and "• Sprache: Deutsch" in reply
    assert "<b>Deine Einstellungen</b>" in reply
    assert (await _user(harness, ANN)).language == "de"
    assert "<b>Was ich kann</b>" in (await _say(harness, ANN, "/help"))[0].text
    assert "Nichts geändert: Sprache muss" in (await _say(harness, ANN, "/settings language klingon"))[0].text
    # Its buttons show each language by its own name; one tap switches, and the menu follows.
    menu = (await _say(harness, ANN, "/settings"))[0]
    question = _question(await _tap(harness, ANN, menu, "Sprache"))
    assert [b["text"] for b in question.buttons] == [
        "English",
        "Deutsch",
        "Español",
        "Français",
        "Entfernen",
        "Abbrechen",
    ]
    replies = await _tap(harness, ANN, question, "Français")
    assert "✓ Langue : Français" in _texts(replies)
    assert "<b>Tes réglages</b>" in _question(replies).text
    assert (await _user(harness, ANN)).language == "fr"


async def test_settings_language_auto_follows_telegram_again(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    await _say(harness, ANN, "/settings language es")
    assert (await _user(harness, ANN)).language == "es"
    reply = (await _say(harness, ANN, "/settings language auto"))[0].text
    # Ann's Telegram app speaks English: so does the bot again, from the confirmation on.
    assert "Saved your language." in reply and "• Language: as your Telegram app (English)" in reply
    assert (await _user(harness, ANN)).language is None


async def test_menu_buttons_are_bound_to_their_user_and_chat(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    menu = (await _say(harness, ANN, "/settings"))[0]
    await _say(harness, BOB, "/start")
    # Bob replays Ann's button data in his own chat, and in hers.
    forged = {**menu.message, "chat": {"id": BOB["id"], "type": "private"}}
    data = menu.button("FTP")["callback_data"]
    for message in (forged, menu.message):
        press = await harness.api.press_button(BOB, message, data)
        assert (await harness.api.callback_answer(press))["text"] == "This button has expired."
    press = await harness.api.press_button(ANN, menu.message, "a:made-up-id")
    assert (await harness.api.callback_answer(press))["text"] == "This button has expired."
    async with harness.sessions() as session:
        steps = (await session.scalars(select(DialogState.step))).all()
    assert list(steps) == ["timezone", "timezone"]  # both still at their own first setup question


async def test_a_location_outside_setup_sets_the_time_zone(harness: Harness) -> None:
    await _say(harness, BOB, "/demo")
    await harness.api.send_location(BOB, 27.7172, 85.3240)
    reply = await harness.api.next_reply(BOB["id"])
    assert "✓ Time zone: Asia/Kathmandu" in reply.text
    assert (await _user(harness, BOB)).timezone == "Asia/Kathmandu"


async def test_commands_are_registered_and_help_explains_each(harness: Harness) -> None:
    await _say(harness, ANN, "/help")  # anything, to be sure start-up finished
    registered = {c["command"] for c in harness.api.commands}
    assert {"start", "settings", "help", "export", "deleteme", "privacy"} <= registered
    text = (await _say(harness, ANN, "/help"))[0].text
    for command in registered:
        assert f"/{command} — " in text
    # Every command the bot answers is in the menu and in /help, not only those listed by hand.
    handled = {
        c for group in harness.app.handlers.values() for h in group if isinstance(h, CommandHandler) for c in h.commands
    }
    assert handled - {"cancel", "skip"} <= registered, handled - registered
    assert "ZIP" in text and "deletes your account" in text


async def test_answered_buttons_are_revoked_in_the_database(harness: Harness) -> None:
    await _say(harness, ANN, "/start")
    await _say(harness, ANN, "skip")
    await _say(harness, ANN, "skip")
    async with harness.sessions() as session:
        live = await session.scalar(
            select(func.count()).select_from(CallbackAction).where(CallbackAction.kind == "profile.answer")
        )
    assert live == 2  # only the open FTP question's Skip and Finish later
