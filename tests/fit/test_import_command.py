"""``coach-watts import-fit`` as a person runs it: device values in the JSON, idempotent storage, clear refusals.

The command runs in a subprocess against the test database, exactly as installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import User, Workout
from db.repositories import users
from tests.fit.conftest import FIXTURES
from tests.fit.fit_writer import triathlon_file
from tests.fit.test_reference_files import AVERAGE_HR_BPM, EDGE_810, FR110, POWER_FILES

REFERENCE_FILES = [*POWER_FILES, FR110]
REQUIRED_KEYS = {
    "sport", "start_time", "duration_sec", "distance_meters", "normalized_power", "intensity_factor", "tss",
    "average_watts", "max_watts", "kilojoules", "average_hr", "max_hr", "ftp", "laps", "device", "power_curve",
    "curves", "convention",
}  # fmt: skip
CURVE_KEYS = ("5", "60", "300", "1200", "3600")
LAP_KEYS = {"normalized_power", "average_watts", "average_hr", "max_hr"}


def _import(database_url: str, tmp_path: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_"))}
    env = base | {"DATABASE_URL": database_url, "COACH_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "import-fit", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def _run(database_url: str, tmp_path: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_import, database_url, tmp_path, *args)


def _records(out: str) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in out.splitlines()]
    return {Path(r["file"]).name: r for r in rows}


async def _workout_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Workout)) or 0


async def test_json_reproduces_the_devices_and_a_second_import_stores_nothing(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    files = [FIXTURES / name for name in REFERENCE_FILES]
    first = await _run(database_url, tmp_path, *files, "--json")
    assert first.returncode == 0, first.stderr
    records = _records(first.stdout)
    assert set(records) == set(REFERENCE_FILES)
    for name, record in records.items():
        assert record.keys() >= REQUIRED_KEYS
        assert (record["stored"], record["duplicate"]) == (True, False)
        assert all(lap.keys() >= LAP_KEYS for lap in record["laps"])
        if name in POWER_FILES:
            device = POWER_FILES[name]
            assert record["ftp"] == device.ftp_w
            assert record["normalized_power"] == pytest.approx(device.np_w, abs=1.0)
            assert record["intensity_factor"] == pytest.approx(device.intensity_factor, abs=0.005)
            assert record["tss"] == pytest.approx(device.tss, abs=0.015 * device.tss + 0.05)
        if name in AVERAGE_HR_BPM:
            assert record["average_hr"] == pytest.approx(AVERAGE_HR_BPM[name], abs=1.0)
        long_enough = [key for key in CURVE_KEYS if int(key) <= record["duration_sec"]]
        if name in POWER_FILES:
            assert set(long_enough) <= record["power_curve"].keys()
            assert record["power_curve"]["5"] >= record["power_curve"]["60"] >= record["average_watts"] * 0.9
        else:
            assert record["power_curve"] == {}
    edge_810_laps = records[EDGE_810]["laps"]
    assert len(edge_810_laps) == 8
    for lap in edge_810_laps:
        assert lap["normalized_power"] == pytest.approx(lap["device"]["normalized_power_w"], abs=1.5)
    assert await _workout_count(sessions) == len(REFERENCE_FILES)

    second = await _run(database_url, tmp_path, *files, "--json")
    assert second.returncode == 0, second.stderr
    assert all((r["stored"], r["duplicate"]) == (False, True) for r in _records(second.stdout).values())
    assert await _workout_count(sessions) == len(REFERENCE_FILES)
    async with sessions() as session:
        ride = (await session.scalars(select(Workout).where(Workout.type == "Ride").limit(1))).one()
        assert ride.source == "fit" and len(ride.external_id) == 64
        assert ride.raw_json is not None and ride.raw_json["load_method"] == "power"
        curves = ride.raw_json["curves"]
        assert len(curves["durations_s"]) == len(curves["power_w"]) == len(curves["heart_rate_bpm"])


async def test_a_multisport_file_prints_a_list_and_stores_each_activity(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    path = tmp_path / "triathlon.fit"
    path.write_bytes(triathlon_file())
    first = await _run(database_url, tmp_path, path, "--json")
    assert first.returncode == 0, first.stderr
    (line,) = first.stdout.splitlines()
    legs = json.loads(line)
    assert isinstance(legs, list)
    assert [leg["sport"] for leg in legs] == ["swimming", "transition", "cycling", "running"]
    assert all(leg.keys() >= REQUIRED_KEYS and leg["file"] == str(path) and leg["stored"] for leg in legs)
    assert legs[2]["power_curve"]["60"] == pytest.approx(300.0)
    assert await _workout_count(sessions) == 4
    again = json.loads((await _run(database_url, tmp_path, path, "--json")).stdout)
    assert all(leg["duplicate"] for leg in again)
    assert await _workout_count(sessions) == 4


async def test_dry_run_and_refused_files_store_nothing(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    dry = await _run(database_url, tmp_path, FIXTURES / EDGE_810, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "NP 301 W" in dry.stdout and "dry run, nothing stored" in dry.stdout

    bad = sorted((FIXTURES / "more").glob("*.fit"))
    refused = await _run(database_url, tmp_path, *bad, tmp_path / "missing.fit", "--json", "--dry-run")
    assert refused.returncode == 1
    records = _records(refused.stdout)
    assert "Traceback" not in refused.stderr
    refused_names = [
        "activity-settings-corruptheader.fit", "activity-unexpected-eof.fit", "Settings.fit", "MonitoringFile.fit",
        "WorkoutIndividualSteps.fit", "activity-settings-nodata.fit", "missing.fit",
    ]  # fmt: skip
    for name in refused_names:
        error = records[name]["error"]
        assert error.endswith(".") and len(error.splitlines()) == 1
    assert records["missing.fit"]["error"].startswith("Cannot read")
    assert await _workout_count(sessions) == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0  # a dry run creates no user


async def test_ftp_option_and_user_option(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with sessions.begin() as session:
        user = (await users.link_telegram_user(session, telegram_user_id=77, chat_id=77, name="Ann")).user
        user.ftp = 300
    by_user = _records((await _run(database_url, tmp_path, FIXTURES / EDGE_810, "--user", "77", "--json")).stdout)
    assert by_user[EDGE_810]["ftp"] == 300  # the user's FTP beats the file's 315
    explicit = await _run(database_url, tmp_path, FIXTURES / EDGE_810, "--ftp", "280", "--json", "--dry-run")
    record = _records(explicit.stdout)[EDGE_810]
    assert record["ftp"] == 280
    assert record["intensity_factor"] == pytest.approx(record["normalized_power"] / 280)
    nobody = await _run(database_url, tmp_path, FIXTURES / EDGE_810, "--user", "no-such-user")
    assert nobody.returncode == 2 and nobody.stderr.startswith("coach-watts: No user 'no-such-user'")
    typo = await _run(database_url, tmp_path, FIXTURES / EDGE_810, "--ftp", "lots")
    assert typo.returncode == 2 and "FTP must be a number of watts" in typo.stderr
