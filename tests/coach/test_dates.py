"""One date reader for every command: the forms `/settings dob` accepts are the forms a race date accepts."""

from __future__ import annotations

from datetime import date

import pytest

from coach import dates


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2027-01-18", date(2027, 1, 18)),
        ("18.01.2027", date(2027, 1, 18)),
        ("18/01/2027", date(2027, 1, 18)),
        (" 8.1.2027 ", date(2027, 1, 8)),
        ("2027-1-8", date(2027, 1, 8)),
    ],
)
def test_the_accepted_forms(typed: str, day: date) -> None:
    assert dates.looks_like_date(typed)
    assert dates.parse_day(typed) == day


@pytest.mark.parametrize(("typed", "shape"), [("18-01-2027", False), ("Jan 18", False), ("2027-02-30", True)])
def test_what_is_not_a_date_says_whether_the_form_or_the_day_is_wrong(typed: str, shape: bool) -> None:
    with pytest.raises(dates.NotADate) as caught:
        dates.parse_day(typed)
    assert caught.value.shape is shape


def test_month_first_is_not_guessed() -> None:
    with pytest.raises(dates.NotADate):
        dates.parse_day("01/18/2027")
