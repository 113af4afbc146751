"""Settings typed in chat: parsed, validated with the seed's ranges, applied whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from coach.profile import ONBOARDING_STEPS, SETTINGS, PlaceNotFound, apply_setting, clear_setting, next_step
from db.errors import InvalidValue
from db.models import User


def _user() -> User:
    return User(id="u", email="u@telegram.invalid", timezone="UTC")


@pytest.mark.parametrize(
    ("name", "raw", "attribute", "value"),
    [
        ("ftp", "250", "ftp", 250),
        ("ftp", "250 W", "ftp", 250),
        ("maxhr", "186bpm", "max_hr", 186),
        ("restinghr", "48", "resting_hr", 48),
        ("lthr", "170", "lthr", 170),
        ("weight", "71,5 kg", "weight", 71.5),
        ("dob", "1990-04-17", "dob", datetime(1990, 4, 17, tzinfo=UTC)),
        ("dob", "17.04.1990", "dob", datetime(1990, 4, 17, tzinfo=UTC)),
        ("sex", "F", "sex", "female"),
        ("sport", "Tri", "sport_focus", "triathlon"),
        ("timezone", "Kathmandu", "timezone", "Asia/Kathmandu"),
    ],
)
def test_valid_values_are_applied(name: str, raw: str, attribute: str, value: object) -> None:
    user = _user()
    apply_setting(user, name, raw)
    assert getattr(user, attribute) == value


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("ftp", "1200", "FTP must be more than 0 and less than 500 W; got 1200."),
        ("ftp", "0", "FTP must be more than 0 and less than 500 W; got 0."),
        ("maxhr", "90", "max HR must be between 100 and 230 bpm; got 90."),
        ("restinghr", "130", "resting HR must be between 25 and 120 bpm; got 130."),
        ("lthr", "230", "threshold HR (LTHR) must be between 80 and 220 bpm; got 230."),
        ("weight", "250", "weight must be more than 30 and less than 200 kg; got 250.0."),
        ("dob", "1890-01-01", "date of birth must be a date giving an age of 10 to 110 years; got '1890-01-01'."),
        ("dob", "04/17/1990", "date of birth must be a date like 1990-04-17 or 17.04.1990; got '04/17/1990'."),
        ("sex", "x", "sex must be female, male; got 'x'."),
        ("sport", "chess", "sport focus must be cycling, running, triathlon, other; got 'chess'."),
        ("brief", "25:00", "brief must be on, off or a time like 07:30; got '25:00'."),
    ],
)
def test_invalid_values_name_the_range_and_change_nothing(name: str, raw: str, message: str) -> None:
    user = _user()
    with pytest.raises(InvalidValue) as err:
        apply_setting(user, name, raw)
    assert str(err.value) == message
    spec = SETTINGS[name]
    if spec.name != "brief":
        assert getattr(user, spec.attribute) is None


def test_heart_rates_must_keep_their_order() -> None:
    user = _user()
    apply_setting(user, "maxhr", "180")
    apply_setting(user, "restinghr", "100")
    with pytest.raises(InvalidValue, match="above your resting HR of 100 bpm; got 95"):
        apply_setting(user, "lthr", "95")
    assert user.lthr is None
    with pytest.raises(InvalidValue, match="below your max HR of 180 bpm; got 185"):
        apply_setting(user, "lthr", "185")
    apply_setting(user, "lthr", "165")
    with pytest.raises(InvalidValue, match="above your resting and threshold HR \\(165 bpm\\); got 160"):
        apply_setting(user, "maxhr", "160")
    assert user.max_hr == 180


def test_unknown_place_carries_suggestions() -> None:
    with pytest.raises(PlaceNotFound) as err:
        apply_setting(_user(), "timezone", "Bostn")
    assert err.value.suggestions[0].zone == "America/New_York"


def test_brief_and_clearing() -> None:
    user = _user()
    user.brief_time, user.brief_enabled = time(7, 0), True
    apply_setting(user, "brief", "off")
    assert (user.brief_enabled, user.brief_time) == (False, time(7, 0))
    apply_setting(user, "brief", "6.45")
    assert (user.brief_enabled, user.brief_time) == (True, time(6, 45))
    apply_setting(user, "ftp", "250")
    clear_setting(user, "ftp")
    assert user.ftp is None
    with pytest.raises(ValueError, match="cannot be removed"):
        clear_setting(user, "timezone")


def test_setup_asks_every_setting_once_in_order() -> None:
    steps = []
    step = next_step(None)
    while step is not None:
        steps.append(step)
        step = next_step(step)
    # The language is not asked: the bot speaks the Telegram app's language until one is chosen.
    assert tuple(steps) == ONBOARDING_STEPS and set(steps) == set(SETTINGS) - {"language"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("de", "de"), ("Deutsch", "de"), ("german", "de"), ("ES", "es"), ("español", "es"), ("Français", "fr"),
     ("english", "en"), ("pt-BR", None), ("auto", None), ("Telegram", None)],
)  # fmt: skip
def test_language_by_code_or_name_and_auto_follows_telegram(typed: str, stored: str | None) -> None:
    user = _user()
    user.language = "fr"
    if typed == "pt-BR":
        with pytest.raises(InvalidValue):
            apply_setting(user, "language", typed)
        assert user.language == "fr"
        return
    apply_setting(user, "language", typed)
    assert user.language == stored


@pytest.mark.parametrize(
    ("name", "raw", "attribute", "value"),
    [
        ("hours", "7.5", "weekly_hours", 7.5),
        ("hours", "8 h", "weekly_hours", 8.0),
        ("days", "mon 60 wed 90 sat 180", "day_minutes", [60, 0, 90, 0, 0, 180, 0]),
        ("days", "Tue 1h, Thu 1:15, sun 2.5h", "day_minutes", [0, 60, 0, 75, 0, 0, 150]),
        ("days", "saturday 3h sunday90", "day_minutes", [0, 0, 0, 0, 0, 180, 90]),
        ("powermeter", "no", "has_power_meter", False),
        ("powermeter", "Yes", "has_power_meter", True),
        ("pace", "4:30", "threshold_pace_s_per_km", 270),
        ("pace", "4:30/km", "threshold_pace_s_per_km", 270),
        ("pace", "7:15/mi", "threshold_pace_s_per_km", 270),
        ("ramp", "6", "ctl_ramp", 6.0),
        ("ramp", "7,5 per week", "ctl_ramp", 7.5),
        ("recovery", "2:1", "recovery_rhythm", "2:1"),
        ("recovery", "3", "recovery_rhythm", "3:1"),
        ("units", "miles", "distance_unit", "mi"),
    ],
)
def test_plan_settings_are_applied(name: str, raw: str, attribute: str, value: object) -> None:
    user = _user()
    apply_setting(user, name, raw)
    assert getattr(user, attribute) == value


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("hours", "40", "weekly hours must be between 1 and 30 hours; got 40.0."),
        ("hours", "lots", "weekly hours must be a number of hours, e.g. 8; got 'lots'."),
        ("days", "mon wed 90", "training days must be weekdays with their longest session, e.g. mon 60 wed 90 sat 3h"),
        ("days", "mon 60 mon 90", "training days must be weekdays with their longest session"),
        ("days", "funday 60", "training days must be weekdays with their longest session"),
        ("days", "mon 10", "longest session must be between 20 and 480 minutes; got 10."),
        ("days", "sat 9h", "longest session must be between 20 and 480 minutes; got 540."),
        ("days", "mon 0", "training days must be at least one day with training"),
        ("pace", "1:30", "threshold pace must be between 2:00 and 12:00 per km; got 90."),
        ("pace", "fast", "threshold pace must be minutes:seconds per km, e.g. 4:30 (or 7:15/mi); got 'fast'."),
        ("ramp", "10", "CTL ramp must be between 5 and 8 points a week; got 10.0."),
        ("recovery", "4:1", "recovery rhythm must be 3:1, 2:1; got '4:1'."),
        ("powermeter", "maybe", "power meter must be yes or no; got 'maybe'."),
    ],
)
def test_invalid_plan_settings_say_what_is_allowed_and_change_nothing(name: str, raw: str, message: str) -> None:
    user = _user()
    with pytest.raises(InvalidValue) as err:
        apply_setting(user, name, raw)
    assert str(err.value).startswith(message)
    assert getattr(user, SETTINGS[name].attribute) is None
