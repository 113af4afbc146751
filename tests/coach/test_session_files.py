"""Reading ``/workout``'s words: a day and a format in either order, today and FIT by default."""

from __future__ import annotations

from datetime import date

import pytest

from coach.session_files import BadRequest, WorkoutRequest, parse_request
from coach.workouts.render import FileFormat, FormatUnavailable

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([], WorkoutRequest(TODAY, FileFormat.FIT)),
        (["tomorrow"], WorkoutRequest(date(2026, 12, 8), FileFormat.FIT)),
        (["Today", "ZWO"], WorkoutRequest(TODAY, FileFormat.ZWO)),
        (["mrc", "2026-12-24"], WorkoutRequest(date(2026, 12, 24), FileFormat.MRC)),
        ([".erg"], WorkoutRequest(TODAY, FileFormat.ERG)),
    ],
)
def test_words_in_either_order(words: list[str], expected: WorkoutRequest) -> None:
    assert parse_request(words, today=TODAY) == expected


@pytest.mark.parametrize("words", [["tcx"], ["2026-02-30"], ["today", "tomorrow"], ["fit", "zwo"], ["next", "week"]])
def test_anything_else_is_refused_by_the_word(words: list[str]) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_request(words, today=TODAY)
    assert caught.value.word in words


def test_the_format_error_names_the_formats() -> None:
    from coach.workouts.render import parse_format

    with pytest.raises(FormatUnavailable, match="fit, zwo, erg, mrc"):
        parse_format("gpx")
