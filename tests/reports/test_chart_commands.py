"""/fitness, /hrv and /curve through the real bot: photos a person can read, or a sentence when there is no data."""

from __future__ import annotations

from bot.console.botapi import LocalBotApi, Sent
from tests.bot.conftest import Harness
from tests.reports.pngs import assert_readable_png

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")


def _photo(harness: Harness, sent: Sent) -> bytes:
    assert sent.method == "sendPhoto"
    file_id = sent.message["photo"][0]["file_id"]
    return harness.api.files[file_id].content


async def test_fitness_hrv_and_curve_on_the_demo_athlete(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")

    fitness = await harness.ask(ANN, "/fitness")
    assert len(fitness) == 1
    assert_readable_png(_photo(harness, fitness[0]))
    assert fitness[0].text.startswith("Fitness (CTL) ")
    assert "form (TSB) " in fitness[0].text and "ramp " in fitness[0].text
    assert "last 90 days to the end of 24 Nov" in fitness[0].text

    hrv = await harness.ask(ANN, "/hrv")
    assert_readable_png(_photo(harness, hrv[0]))
    assert hrv[0].text.startswith("HRV 7-day mean ")
    assert "normal range " in hrv[0].text and "resting HR " in hrv[0].text

    curve = await harness.ask(ANN, "/curve")
    assert_readable_png(_photo(harness, curve[0]))
    assert "peak " in curve[0].text
    assert "floor under your true curve" in curve[0].text  # honest about summaries-only data


async def test_without_data_each_chart_says_why_in_a_sentence(harness: Harness) -> None:
    fitness = await harness.ask(BOB, "/fitness")
    hrv = await harness.ask(BOB, "/hrv")
    curve = await harness.ask(BOB, "/curve")
    assert [s.method for s in fitness + hrv + curve] == ["sendMessage"] * 3
    assert "no workouts with a training load" in fitness[0].text
    assert "no morning HRV" in hrv[0].text
    assert "has power" in curve[0].text
