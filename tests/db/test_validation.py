"""The seed's validation rules: a typed error naming field, range and value, and nothing stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import validation
from db.errors import InvalidValue
from db.models import DailyMetric, User, Workout
from db.repositories import metrics, users, workouts


@pytest.mark.parametrize(
    ("check", "value", "field", "allowed"),
    [
        (validation.check_ftp, 0, "FTP", "more than 0 and less than 500 W"),
        (validation.check_ftp, 500, "FTP", "more than 0 and less than 500 W"),
        (validation.check_ftp, -20, "FTP", "more than 0 and less than 500 W"),
        (validation.check_weight, 30, "weight", "more than 30 and less than 200 kg"),
        (validation.check_weight, 200.0, "weight", "more than 30 and less than 200 kg"),
        (validation.check_recovery, 101, "recovery score", "between 0 and 100"),
        (validation.check_recovery, -1, "recovery score", "between 0 and 100"),
        (validation.check_hrv, 0.0, "HRV (rMSSD)", "a positive number of milliseconds"),
        (validation.check_hrv, float("nan"), "HRV (rMSSD)", "a positive number of milliseconds"),
        (validation.check_max_hr, 260, "max HR", "between 100 and 230 bpm"),
        (validation.check_timezone, "Mars/Olympus", "time zone", "an IANA name such as Europe/Berlin"),
        (validation.check_resting_hr, 20, "resting HR", "between 25 and 120 bpm"),
        (validation.check_lthr, 240, "threshold HR (LTHR)", "between 80 and 220 bpm"),
        (validation.check_sex, "x", "sex", "female or male"),
        (validation.check_sport_focus, "chess", "sport focus", "cycling, running, triathlon, other"),
    ],
)
def test_out_of_range_value_names_field_range_and_value(check, value, field, allowed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidValue) as caught:
        check(value)
    err = caught.value
    assert (err.field, err.allowed, err.value) == (field, allowed, value)
    assert str(err) == f"{field} must be {allowed}; got {value!r}."


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (validation.check_ftp, 1),
        (validation.check_ftp, 499),
        (validation.check_weight, 30.1),
        (validation.check_weight, 199.9),
        (validation.check_recovery, 0),
        (validation.check_recovery, 100),
        (validation.check_hrv, 0.1),
        (validation.check_ftp, None),
        (validation.check_timezone, "Asia/Kathmandu"),
    ],
)
def test_values_inside_the_range_pass(check, value) -> None:  # type: ignore[no-untyped-def]
    assert check(value) == value


def test_dates_in_the_future_are_refused() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert validation.check_instant_not_future("date", now + timedelta(minutes=5), now=now)
    with pytest.raises(InvalidValue, match="date must be not in the future; got '2026-11-25T13:00:00"):
        validation.check_instant_not_future("date", now + timedelta(hours=1), now=now)
    with pytest.raises(InvalidValue, match="a time with a time zone"):
        validation.check_instant_not_future("date", datetime(2026, 1, 1), now=now)
    today = date(2026, 11, 25)
    assert validation.check_date_not_future("date", date(2026, 11, 26), today=today)  # already today in UTC+14
    with pytest.raises(InvalidValue, match="got '2026-11-28'"):
        validation.check_date_not_future("date", date(2026, 11, 28), today=today)


async def _user(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions.begin() as session:
        return (await users.link_telegram_user(session, telegram_user_id=11, chat_id=11, name="Ann")).user.id


async def test_model_refuses_invalid_value_and_keeps_the_old_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    user_id = await _user(sessions)
    async with sessions.begin() as session:
        user = await session.get_one(User, user_id)
        user.ftp = 250
        with pytest.raises(InvalidValue):
            user.ftp = 600
        with pytest.raises(InvalidValue):
            user.weight = 12
    async with sessions() as session:
        user = await session.get_one(User, user_id)
        assert (user.ftp, user.weight) == (250, None)


async def test_one_bad_row_in_a_batch_stores_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    user_id = await _user(sessions)
    good = {"user_id": user_id, "date": date(2026, 1, 1), "source": "whoop", "hrv": 60.0}
    bad = {"user_id": user_id, "date": date(2026, 1, 2), "source": "whoop", "hrv": -3.0}
    future = {
        "user_id": user_id,
        "source": "strava",
        "external_id": "1",
        "date": datetime.now(UTC) + timedelta(days=2),
        "title": "Tomorrow's ride",
        "duration_sec": 3600,
    }
    async with sessions() as session:
        with pytest.raises(InvalidValue, match="HRV"):
            await metrics.upsert_many(session, [good, bad])
        with pytest.raises(InvalidValue, match="date must be not in the future"):
            await workouts.upsert_many(session, [future])
        await session.commit()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DailyMetric)) == 0
        assert await session.scalar(select(func.count()).select_from(Workout)) == 0


async def test_database_checks_back_up_the_application_rules(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A writer that bypasses the models still cannot store an FTP of 900 W."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    user_id = await _user(sessions)
    async with sessions() as session:
        with pytest.raises(IntegrityError, match="User_ftp_range_check"):
            await session.execute(text('UPDATE "User" SET ftp = 900 WHERE id = :id'), {"id": user_id})
