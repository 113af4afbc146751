"""Time zones from a position, a typed IANA name, a city or a country — offline."""

from __future__ import annotations

import pytest

from coach import places


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (52.52, 13.405, "Europe/Berlin"),
        (40.7128, -74.006, "America/New_York"),
        (27.7172, 85.324, "Asia/Kathmandu"),
        (-31.5553, 159.0821, "Australia/Lord_Howe"),
        (0.0, -30.0, "Etc/GMT+2"),  # mid-Atlantic: the nautical zone, UTC−2
    ],
)
def test_zone_at_a_position(latitude: float, longitude: float, zone: str) -> None:
    assert places.zone_at(latitude, longitude) == zone


def test_a_position_off_the_earth_is_refused() -> None:
    with pytest.raises(ValueError, match="not a position on Earth"):
        places.zone_at(91, 0)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("UTC", "UTC"),
        ("Munich", "Europe/Berlin"),
        ("München", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Paris", "Europe/Paris"),  # far bigger than any other Paris
        ("Paris, US", "America/Chicago"),  # a country narrows it
        ("Germany", "Europe/Berlin"),  # a country with one zone
        ("Lord Howe", "Australia/Lord_Howe"),  # a zone's own place name
    ],
)
def test_typed_places_resolve(typed: str, zone: str) -> None:
    found = places.lookup(typed).found
    assert found is not None and found.zone == zone


def test_ambiguous_and_unknown_places_get_suggestions() -> None:
    us = places.lookup("United States")
    assert us.found is None
    assert {"America/New_York", "America/Chicago", "America/Los_Angeles"} <= {p.zone for p in us.suggestions}
    typo = places.lookup("Bostn")
    assert typo.found is None and typo.suggestions[0] == places.Place("America/New_York", "Boston, US")
    assert places.lookup("   ") == places.Lookup(None)
    assert len(places.lookup("Qwxzvbnplk").suggestions) <= places.MAX_SUGGESTIONS


def test_an_ambiguous_city_a_small_town_and_nonsense_each_say_why() -> None:
    springfield = places.lookup("Springfield")
    assert springfield.found is None and springfield.why is places.Why.AMBIGUOUS
    assert len({p.zone for p in springfield.suggestions}) >= 2
    atlantis = places.lookup("Atlantis")  # a town near Cape Town: asked about, never saved silently
    assert atlantis.found is None and atlantis.why is places.Why.SMALL_PLACE
    assert atlantis.suggestions == (places.Place("Africa/Johannesburg", "Atlantis, ZA"),)
    assert places.lookup("Qwzxv").suggestions == ()  # no unrelated towns for nonsense
    assert places.lookup("Pariss").suggestions[0] == places.Place("Europe/Paris", "Paris, FR")
