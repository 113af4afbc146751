"""A .fit file sent in chat: imported once, answered with its numbers and its effect on fitness and form."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.console.botapi import ApiError, LocalBotApi
from db.models import Workout
from integrations.fit import MAX_FIT_BYTES
from tests.bot.conftest import Harness
from tests.fit.conftest import FIXTURES
from tests.fit.fit_writer import triathlon_file
from tests.fit.test_reference_files import EDGE_810, FR110

ANN = LocalBotApi.user(4242, "Ann")


async def _send(harness: Harness, content: bytes, name: str) -> str:
    await harness.api.send_document(ANN, content, file_name=name)
    replies = await harness.api.drain(ANN["id"], quiet=0.3, wait_s=60)
    assert len(replies) == 1
    return re.sub(r"<[^>]+>", "", replies[0].text)


async def _workouts(harness: Harness) -> int:
    async with harness.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Workout)) or 0


async def test_a_ride_is_imported_once_with_its_numbers_and_effect(harness: Harness) -> None:
    ride = (FIXTURES / EDGE_810).read_bytes()
    text = await _send(harness, ride, EDGE_810)
    assert text.startswith("Ride imported")
    assert "Normalized power 301 W, IF 0.96, TSS 119 (FTP 315 W)" in text
    assert "Heart rate: average 154, max 176 bpm" in text
    assert "Fitness (CTL) 0.0 → 2.8" in text  # 118.7 TSS on a first day: CTL = 118.7 · (1 − e^(−1/42))
    assert "Form (TSB) the next morning" in text
    assert await _workouts(harness) == 1

    again = await _send(harness, ride, "renamed.FIT")
    assert again.startswith("You had sent me this ride before") and "nothing changed" in again
    assert await _workouts(harness) == 1


async def test_a_run_without_power_counts_by_heart_rate(harness: Harness) -> None:
    text = await _send(harness, (FIXTURES / FR110).read_bytes(), FR110)
    assert text.startswith("Run imported")
    assert "HRSS, from heart rate" in text and "Normalized power" not in text
    assert re.search(r"\d+\.\d km, pace \d+:\d\d/km", text), text  # a run is read by its pace


async def test_bad_files_get_one_clear_sentence_and_store_nothing(harness: Harness) -> None:
    cases = {
        "activity-unexpected-eof.fit": "ends early",
        "Settings.fit": "not a recorded activity",
        "activity-settings-corruptheader.fit": "damaged",
    }
    for name, expected in cases.items():
        text = await _send(harness, (FIXTURES / "more" / name).read_bytes(), name)
        assert text.startswith("I could not import that file:") and text.endswith("Nothing was stored.")
        assert expected.lower() in text.lower(), text
    empty = await _send(harness, b"", "empty.fit")
    assert empty.startswith("I could not import that file:")
    assert "only" in await _send(harness, b"lap,power\n1,250\n", "ride.csv")
    assert await _workouts(harness) == 0


async def test_oversized_and_undownloadable_files(harness: Harness) -> None:
    huge = await _send(harness, bytes(MAX_FIT_BYTES + 1), "huge.fit")
    assert "50 MB" in huge and huge.endswith("Nothing was stored.")
    assert not any(method == "getFile" for method, _ in harness.api.calls)
    harness.api.faults["getFile"] = lambda params: ApiError(400, "Bad Request: file is too big")
    too_big = await _send(harness, (FIXTURES / EDGE_810).read_bytes(), EDGE_810)
    assert "up to 20 MB" in too_big and "coach-watts import-fit" in too_big
    assert await _workouts(harness) == 0


async def test_a_multisport_file_is_answered_activity_by_activity(harness: Harness) -> None:
    text = await _send(harness, triathlon_file(), "triathlon.fit")
    assert text.startswith("4 activities in this file (swim, transition, ride, run)")
    assert [line for line in text.splitlines() if line.endswith("imported")] == [
        "Swim imported",
        "Transition imported",
        "Ride imported",
        "Run imported",
    ]
    assert "Average 250 W" in text
    assert await _workouts(harness) == 4
