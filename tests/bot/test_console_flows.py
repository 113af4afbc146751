"""The console shows buttons and reply keyboards as numbered choices and can share a location."""

from __future__ import annotations

import io
import os
from pathlib import Path

from bot.console.repl import Console
from db.repositories import users
from tests.bot.conftest import Harness


async def test_setup_settings_and_data_rights_in_the_console(harness: Harness, tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(harness.api, tmp_path, out=out)

    async def say(line: str) -> str:
        start = out.tell()
        await console.handle_line(line)
        return out.getvalue()[start:]

    shown = await say("/start")
    assert "Setup 1/17" in shown and "[1] 📍 Share my location (shares your location)" in shown and "[2] Skip" in shown
    assert "type your position" in await say("1")
    shown = await say("")  # Enter: the default position (Berlin)
    assert "✓ Time zone: Europe/Berlin" in shown
    assert "[1] Cycling" in shown and "[5] Skip" in shown and "[6] Finish later" in shown
    shown = await say("1")  # tap Cycling
    assert "coach (edited) ›" in shown and "✓ Sport focus: cycling" in shown and "Your FTP" in shown
    assert "✓ FTP: 250 W" in await say("250")
    shown = await say("2")  # Finish later, under the max HR question
    assert "Setup paused" in shown

    shown = await say("/settings")
    assert "[1] Time zone" in shown and "[17] Brief time" in shown
    shown = await say("1")
    assert "[2] Cancel" in shown
    shown = await say("!location 40.7128 -74.006")
    assert "✓ Time zone: America/New_York" in shown

    assert "usage: !location" in await say("!location somewhere")
    shown = await say("/export")
    assert "[document saved to" in shown and ".zip" in shown
    assert any(name.endswith(".zip") for name in os.listdir(tmp_path))
    shown = await say("/deleteme")
    assert "[1] Delete everything" in shown and "[2] Keep my account" in shown
    assert "are deleted" in await say("1")
    async with harness.sessions() as session:
        assert await users.get_by_telegram_id(session, telegram_user_id=console.user["id"]) is None
