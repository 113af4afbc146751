"""Distances and paces in the athlete's unit, wherever a setting or a race shows them."""

from __future__ import annotations

from datetime import time

from bot import texts
from bot.texts import races as texts_races
from coach import i18n
from db.models import Race, User


def test_settings_show_the_threshold_pace_per_mile_to_an_athlete_on_miles() -> None:
    user = User(
        id="u",
        email="u@example.invalid",
        timezone="UTC",
        brief_time=time(7),
        brief_enabled=True,
        threshold_pace_s_per_km=270,
        distance_unit="mi",
    )
    assert "7:15/mi" in texts.settings(user) and "4:30/km" not in texts.settings(user)
    user.distance_unit = "km"
    assert "4:30/km" in texts.settings(user)


def test_a_race_distance_in_the_athletes_unit_and_digits() -> None:
    race = Race(name="Marathon", distance=42.195)
    with i18n.use("en", imperial=True):
        assert texts_races._distance(race) == ", 26.2 mi"
    with i18n.use("de", imperial=False):
        assert texts_races._distance(race) == ", 42,195 km"
