"""/week says how the plan went: sessions and load done against planned, each missed session named."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.console.botapi import LocalBotApi
from bot.texts.plan_week import ACCEPT, EASIER
from db.models import PlannedWorkout
from db.repositories import plans, users
from tests.bot.conftest import NOW, Harness
from tests.planning.support import ride, values
from tests.reports.test_report_commands import _ask_report, _texts

ANN = LocalBotApi.user(4242, "Ann")


async def test_week_shows_planned_against_done(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    today = NOW.date()  # the demo athlete lives in UTC
    async with harness.sessions.begin() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=4242)
        assert user is not None
        plan = await plans.active(session, user_id=user.id)
        assert plan is not None
        for back, status, minutes in ((3, "done", 60), (2, "missed", 90), (1, "skipped", 75)):
            session.add(
                PlannedWorkout(
                    plan_id=plan.id,
                    user_id=user.id,
                    date=today - timedelta(days=back),
                    status=status,
                    **values(ride(minutes=minutes)),
                )
            )
        await session.flush()
        rows = await plans.sessions_between(session, user_id=user.id, start=today - timedelta(days=6), end=today)
        planned_tss = sum(r.planned_tss for r in rows)

    sent = await _ask_report(harness, ANN, "/week")
    # The weekly message comes with the report: next week's sessions and the two buttons.
    (weekly,) = [s for s in sent if s.buttons]
    assert "Next week from Mon 30 Nov" in weekly.text
    assert [b["text"] for b in weekly.buttons] == [ACCEPT, EASIER]
    sent = [s for s in sent if s is not weekly]
    body = "\n".join(_texts(sent)[1:])
    assert "<b>Planned vs done</b>" in body
    assert f"Sessions done <b>1 / {len(rows)}</b>" in body
    match = re.search(r"Load done <b>(\d+) / (\d+) TSS</b> planned", body)
    assert match is not None and int(match.group(2)) == round(planned_tss)
    assert int(match.group(1)) > 0  # the demo's rides of the week, counted once each
    missed_day = today - timedelta(days=2)
    skipped_day = today - timedelta(days=1)
    assert f"Missed: {ride(minutes=90).title} ({missed_day:%a %d %b})" in body
    assert f"Skipped: {ride(minutes=75).title} ({skipped_day:%a %d %b})" in body
