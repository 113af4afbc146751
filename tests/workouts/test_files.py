"""File names, the format the athlete asks for, and that every format of one session agrees on its length."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coach.workouts.render import FileFormat, FormatUnavailable, file_name, parse_format, render_file
from tests.workouts.readers import read_course, read_fit, read_zwo
from tests.workouts.samples import NESTED_VO2, POWER, SWEET_SPOT

DAY = date(2026, 12, 8)
CREATED = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def test_file_name_is_the_day_and_the_session_key() -> None:
    assert file_name(DAY, SWEET_SPOT, FileFormat.FIT) == "2026-12-08-sweet-spot-2x20.fit"


def test_file_name_is_safe_for_any_key() -> None:
    odd = type(SWEET_SPOT)("Über Tempo 3×10 / hills", SWEET_SPOT.sport, SWEET_SPOT.kind, "x", SWEET_SPOT.blocks)
    assert file_name(DAY, odd, FileFormat.ZWO) == "2026-12-08-uber-tempo-3-10-hills.zwo"


@pytest.mark.parametrize("text", ["fit", "FIT", ".zwo", " mrc "])
def test_formats_are_read_forgivingly(text: str) -> None:
    assert parse_format(text).value == text.strip().lower().lstrip(".")


def test_an_unknown_format_names_the_ones_there_are() -> None:
    with pytest.raises(FormatUnavailable, match="fit, zwo, erg, mrc"):
        parse_format("tcx")


def test_every_format_of_one_session_has_the_planned_length() -> None:
    files = {fmt: render_file(NESTED_VO2, POWER, fmt, day=DAY, created=CREATED) for fmt in FileFormat}
    assert {f.name for f in files.values()} == {f"2026-12-08-vo2-2x-6x30-30.{fmt.value}" for fmt in FileFormat}
    fit = read_fit(files[FileFormat.FIT].data)
    _, zwo = read_zwo(files[FileFormat.ZWO].data.decode())
    _, _, erg = read_course(files[FileFormat.ERG].data.decode())
    _, _, mrc = read_course(files[FileFormat.MRC].data.decode())
    totals = {
        "fit": sum(s["duration_time"] for s in fit.executed()),
        "zwo": sum(s.duration_s for s in zwo),
        "erg": sum(s.duration_s for s in erg),
        "mrc": sum(s.duration_s for s in mrc),
    }
    assert set(totals.values()) == {NESTED_VO2.duration_s}
