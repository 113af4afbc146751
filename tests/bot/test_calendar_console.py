"""The calendar sync in the console, as in the chat: /plan offers it, the preview is shown with its button, one
tap writes the fortnight to the local Intervals.icu server, /plan stop offers to remove it; documents are saved
to files. The real bot polls the local Bot API; the calendar job runs through the real client."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from bot.calendar_jobs import CalendarJobs
from bot.console.repl import CONSOLE_USER_ID, Console
from bot.jobs.runner import JobRunner
from db.repositories import users
from integrations.retry import RetryPolicy
from integrations.sync.engine import SyncEngine
from tests.bot.conftest import Harness
from tests.integrations.test_intervals_calendar import ATHLETE, Env, env, ours

__all__ = ["env"]


async def test_preview_confirm_stop_and_documents_in_the_console(harness: Harness, env: Env, tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(harness.api, tmp_path, out=out)

    async def say(line: str, *, until: str | None = None) -> str:
        """The console's output for ``line``; with ``until``, also the later replies up to the one saying it (a
        write to Intervals.icu can take longer than the console's pause between replies)."""
        start = out.tell()
        await console.handle_line(line)
        while until is not None and until not in out.getvalue()[start:]:
            for sent in await harness.api.drain(CONSOLE_USER_ID, quiet=0.3, wait_s=15):
                console._show(sent)
        return out.getvalue()[start:]

    told: list[tuple[int, str]] = []

    async def notify(chat_id: int, html: str) -> None:
        told.append((chat_id, html))

    engine = SyncEngine(
        sessions=harness.sessions,
        connector=env.connector,
        clock=harness.ctx.clock,
        retry=RetryPolicy(attempts=3, base_s=0.1, cap_s=0.2),
        sleep=env.time.sleep,
        limiters={"intervals": env.limiter},
    )
    harness.ctx.connector = env.connector
    calendar = CalendarJobs(engine, harness.sessions, notify=notify, clock=harness.ctx.clock)
    calendar.install(JobRunner(harness.sessions, clock=harness.ctx.clock))
    harness.ctx.calendar = calendar

    await say("/demo")
    shown = await say("/plan")
    assert "Send the next 14 days to Intervals.icu" not in shown  # not connected: no offer
    assert "Connect Intervals.icu first" in await say("/plan sync")

    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=console.user["id"])
        assert user is not None
        user_id = user.id
    env.fakes["intervals"].add_api_key("key-of-console", user_id=ATHLETE)
    await env.connector.connect_api_key(user_id=user_id, chat_id=None, key="key-of-console")

    shown = await say("/plan")
    # The offer comes after /plan's download buttons: tap it by the number the console gives it.
    offer = re.search(r"\[(\d+)\] Send the next 14 days to Intervals.icu", shown)
    assert offer is not None
    preview = await say(offer.group(1))
    assert "This goes to your Intervals.icu calendar" in preview and "[1] Write them to my calendar" in preview
    previewed_lines = [line for line in preview.splitlines() if ", load " in line]
    assert previewed_lines
    assert ours(env.calendar) == {}  # nothing is written before the tap

    confirmed = await say("1", until="Calendar sync is on")
    written = ours(env.calendar)
    assert f"{len(written)} events written to Intervals.icu" in confirmed
    assert len(written) == len(previewed_lines)
    assert {str(e["name"]) for e in written.values()} <= {
        line.split(": ", 1)[1].split(" — ")[0] for line in previewed_lines
    }

    shown = await say("/workout tomorrow zwo")
    assert "[document saved to" in shown and any(name.endswith(".zwo") for name in os.listdir(tmp_path))

    shown = await say("/plan stop")
    assert "[1] Remove what Coach Watts wrote" in shown and "[2] Keep them" in shown
    shown = await say("1", until="Removed")
    assert f"Removed {len(written)} events" in shown
    assert ours(env.calendar) == {}
    assert "Calendar sync is not on" in await say("/plan stop")
    assert "takes nothing" in await say("/plan sideways")
    assert told == []
