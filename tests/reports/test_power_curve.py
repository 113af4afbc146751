"""The true power curve from stored per-workout curves: /curve through the real bot, and the coach's tool."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.botapi import LocalBotApi
from coach import curves, plans
from coach.llm.tools import ToolScope, run_tool
from coach.science.curve import CURVE_DURATIONS_S
from db.models import User, Workout
from db.repositories import users, workouts
from tests.bot.conftest import NOW, Harness
from tests.reports.pngs import assert_readable_png

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")


def model_curve(cp_w: float, w_prime_j: float, *, scale: float = 1.0, longest_s: int = 3600) -> dict[str, Any]:
    """A stored curve (the FIT import's shape) from P(t) = W′/t + CP, capped at a 1100 W sprint."""
    durations = [d for d in CURVE_DURATIONS_S if d <= longest_s]
    power = [round(scale * min(1100.0, w_prime_j / d + cp_w), 1) for d in durations]
    return {"durations_s": durations, "power_w": power, "heart_rate_bpm": None, "speed_m_s": None}


def run_curve(cs_m_s: float, d_prime_m: float) -> dict[str, Any]:
    """A run's stored curve: speeds from distance = CS·t + D′ (capped at 8 m/s), and a heart-rate curve."""
    durations = [d for d in CURVE_DURATIONS_S if d <= 3600]
    speed = [round(min(8.0, d_prime_m / d + cs_m_s), 3) for d in durations]
    heart_rate = [round(185 - 20 * d / 3600, 1) for d in durations]  # 1200 s: 178.3, 3600 s: 165.0
    return {"durations_s": durations, "power_w": None, "heart_rate_bpm": heart_rate, "speed_m_s": speed}


async def add_user(session: AsyncSession, tg_user: dict[str, Any], *, ftp: int | None = None) -> User:
    user = (
        await users.link_telegram_user(
            session, telegram_user_id=tg_user["id"], chat_id=tg_user["id"], name=tg_user["first_name"]
        )
    ).user
    user.ftp = ftp
    return user


def ride(user_id: str, key: str, days_ago: int, curve: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "external_id": key,
        "source": "fit",
        "date": NOW - timedelta(days=days_ago, hours=2),
        "title": "Ride",
        "type": "Ride",
        "duration_sec": 3600,
        "raw_json": {"curves": curve} if curve is not None else {"note": "summary only"},
        **fields,
    }


async def seed(sessions: async_sessionmaker[AsyncSession]) -> tuple[str, str]:
    """Ann: a CP 250 W / W′ 20 kJ block in the last 90 days, a stronger spring, one ride without a curve.

    Bob: far stronger; his numbers must never show up in Ann's curve.
    """
    async with sessions.begin() as session:
        ann = await add_user(session, ANN, ftp=220)
        bob = await add_user(session, BOB, ftp=300)
        rows = [
            ride(ann.id, "a1", 5, model_curve(250, 20_000)),
            ride(ann.id, "a2", 20, model_curve(250, 20_000, scale=0.85)),
            ride(ann.id, "a3", 40, model_curve(250, 20_000, scale=0.9)),
            ride(ann.id, "old", 200, model_curve(280, 20_000)),  # spring, inside the year, outside 90 days
            ride(ann.id, "summary", 10, None, average_watts=180, max_watts=700, duration_sec=5400),
            ride(ann.id, "run", 8, run_curve(4.0, 200.0), type="Run", title="Run"),
            ride(bob.id, "b1", 3, model_curve(400, 30_000)),
        ]
        await workouts.upsert_many(session, rows)
        return ann.id, bob.id


async def test_the_curve_is_the_best_of_the_last_90_days_with_a_season_line(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ann_id, _bob_id = await seed(sessions)
    async with sessions.begin() as session:
        ann = await session.get(User, ann_id)
        assert ann is not None
        view = await curves.curve_view(session, ann, now=NOW)
    assert view.key_numbers() == {5: 1100.0, 60: round(20_000 / 60 + 250, 1), 300: 316.7, 1200: 266.7, 3600: 255.6}
    assert view.comparison_label == "2026"
    assert view.comparison[1200].value == round(20_000 / 1200 + 280, 1)
    assert view.sessions_with_curve == 3
    assert view.sessions_without_curve == 1
    assert view.floor.durations_s and max(view.floor.power_w) == 180.0
    assert view.ftp.cp_w is not None and abs(view.ftp.cp_w - 250) < 1
    assert view.ftp.ftp_w is not None and round(view.ftp.ftp_w) == 240


async def test_curve_command_draws_the_true_curve_with_its_key_numbers(harness: Harness) -> None:
    await seed(harness.sessions)
    sent = await harness.ask(ANN, "/curve")
    assert [s.method for s in sent] == ["sendPhoto", "sendMessage"]  # the FTP offer follows (test below)
    assert_readable_png(harness.api.files[sent[0].message["photo"][0]["file_id"]].content)
    caption = sent[0].text
    assert caption.startswith("Power curve, best of 3 workouts in 90 days: 5 s 1100 W · 1 min 583 W · 5 min 317 W")
    assert "20 min 267 W · 1 h 256 W" in caption
    assert "Best 20 min, 2026: 297 W (dashed line)" in caption
    assert "Estimated FTP 240 W (critical power 250 W, W′ 20.0 kJ" in caption
    assert "1 ride stored without second-by-second power" in caption
    assert "425" not in caption  # Bob's 20-minute best


async def test_the_coach_reads_only_the_asking_athletes_curve(sessions: async_sessionmaker[AsyncSession]) -> None:
    ann_id, bob_id = await seed(sessions)
    async with sessions.begin() as session:
        scope = ToolScope(user_id=ann_id, now=NOW)
        outcome = await run_tool(session, scope, "get_power_curve", {})
        refused = await run_tool(session, scope, "get_power_curve", {"user_id": bob_id})
    assert outcome.ok
    assert outcome.result["best_power_w"]["1200"] == 267
    assert outcome.result["ftp_estimate"]["estimated_ftp_w"] == 240
    assert outcome.result["ftp_estimate"]["stored_ftp_w"] == 220
    assert outcome.result["running"] == {"critical_speed_m_s": 4.0, "d_prime_m": 200, "data_quality": "good"}
    assert outcome.result["threshold_hr_estimate"]["lthr_bpm"] == round(0.95 * 178.3)
    assert bob_id not in str(outcome.result) and 425 not in outcome.result["best_power_w"].values()  # Bob's 20 min
    assert not refused.ok and bob_id not in str(refused.result)


async def _future_and_past(h: Harness, ann_id: str) -> tuple[list[str], list[tuple[float | None, float | None]]]:
    """The next two weeks' planned sessions as /plan words them, and the recorded workouts' TSS and IF."""
    async with h.sessions.begin() as session:
        ann = await session.get(User, ann_id)
        assert ann is not None
        view = await plans.show(session, ann, now=NOW)
        assert view is not None
        texts = [s.summary for w in view.weeks for s in w.sessions if s.day > NOW.date()]
        rows = await workouts.between(session, user_id=ann_id, start=NOW - timedelta(days=400), end=NOW)
        return texts, [(r.tss, r.intensity_factor) for r in rows]


async def test_the_ftp_offer_comes_once_with_its_evidence_and_a_tap_moves_every_future_target(
    harness: Harness,
) -> None:
    ann_id, _bob_id = await seed(harness.sessions)
    async with harness.sessions.begin() as session:
        await session.execute(update(Workout).where(Workout.user_id == ann_id).values(tss=55.0, intensity_factor=0.8))
        ann = await session.get(User, ann_id)
        assert ann is not None
        ann.sport_focus = "cycling"
    planned_before, past_before = await _future_and_past(harness, ann_id)
    assert any(" W" in t for t in planned_before), planned_before

    sent = await harness.ask(ANN, "/curve")

    assert [s.method for s in sent] == ["sendPhoto", "sendMessage"]
    offer = sent[1]
    assert "FTP at about <b>240 W</b>; you have 220 W set (+9 %)" in offer.text
    assert "Critical power 250 W and W′ 20.0 kJ" in offer.text
    assert "• 3 min: 361 W on " in offer.text and "• 20 min: 267 W on " in offer.text
    assert "95 % of your best 20 minutes is 253 W" in offer.text
    assert [b["text"] for b in offer.buttons] == ["Update FTP to 240 W"]
    # The same estimate is not offered again.
    again = await harness.ask(ANN, "/curve")
    assert [s.method for s in again] == ["sendPhoto"]

    await harness.api.press_button(ANN, offer.message, offer.button("Update FTP to 240 W")["callback_data"])
    done = await harness.api.drain(ANN["id"], quiet=0.3, wait_s=15)
    assert any("your FTP is now 240 W" in s.text for s in done)
    async with harness.sessions() as session:
        ann = await session.get(User, ann_id)
        assert ann is not None and ann.ftp == 240

    planned_after, past_after = await _future_and_past(harness, ann_id)
    assert len(planned_after) == len(planned_before) and planned_after != planned_before
    changed = [(b, a) for b, a in zip(planned_before, planned_after, strict=True) if b != a]
    assert changed and all(" W" in b for b, _ in changed)
    assert past_after == past_before  # recorded workouts keep the numbers they were scored with


async def test_no_offer_when_the_setting_is_within_3_percent(harness: Harness) -> None:
    ann_id, _bob_id = await seed(harness.sessions)
    async with harness.sessions.begin() as session:
        ann = await session.get(User, ann_id)
        assert ann is not None
        ann.ftp = 245  # the estimate, 240 W, is 2 % below
    sent = await harness.ask(ANN, "/curve")
    assert [s.method for s in sent] == ["sendPhoto"]
