"""A session is stored in English and shown in the athlete's language: the library's words are translated where
they are read (titles, descriptions, cues, step texts, files), never in what is stored, keyed or compared."""

from __future__ import annotations

import gettext
from datetime import UTC, date, datetime

import pytest

from coach import i18n
from coach.plans import session_values
from coach.workouts import describe, library
from coach.workouts.model import Sport, Step, StructuredWorkout, WorkoutKind
from coach.workouts.render import FileFormat, render_intervals_text
from coach.workouts.render.files import render_file
from coach.workouts.targets import Thresholds

GERMAN = {
    "Sweet spot": "Sweet Spot",
    "Tempo": "Tempo",
    "Tempo run": "Tempolauf",
    "Easy": "Locker",
    "Warm up": "Aufwärmen",
    "Cool down": "Abwärmen",
    "Easy, steady": "Locker, gleichmäßig",
    "{duration} at {target}": "{duration} bei {target}",
    "Sweet spot: much of threshold's stimulus for less fatigue (88–94 % FTP).": "Sweet Spot: viel Reiz.",
}


class _Catalog(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return GERMAN.get(message, message)


@pytest.fixture
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        i18n, "translations", lambda language: _Catalog() if language == "de" else gettext.NullTranslations()
    )


def _steps(workout: StructuredWorkout) -> list[Step]:
    return list(workout.steps())


@pytest.mark.usefixtures("german")
def test_what_is_stored_stays_english_and_what_is_shown_is_translated() -> None:
    with i18n.use("de"):
        workout = library.build(WorkoutKind.SWEET_SPOT, Sport.RIDE, 90 * 60)
        assert workout is not None
        stored = session_values(date(2026, 12, 8), workout)
        assert stored["title"] == "Sweet spot 3 × 20 min"
        assert stored["key"] == "sweet-spot-3x20"
        assert stored["steps"][0]["cue"] == "Warm up"
        assert library.title_text(workout) == "Sweet Spot 3 × 20 min"
        assert library.description_text(workout) == "Sweet Spot: viel Reiz."
        assert describe.step_lines(workout, Thresholds(ftp_w=250))[0] == "Aufwärmen: 10 min bei 125→188 W"
        shown = library.localized(workout)
        assert shown.key == workout.key
        assert [s.cue for s in _steps(shown)][:2] == ["Aufwärmen", "Sweet Spot"]
        assert [(s.duration_s, s.low, s.high) for s in _steps(shown)] == [
            (s.duration_s, s.low, s.high) for s in _steps(workout)
        ]
    assert library.title_text(workout) == "Sweet spot 3 × 20 min"


@pytest.mark.usefixtures("german")
def test_the_longest_library_name_is_the_one_translated() -> None:
    run = library.build(WorkoutKind.TEMPO, Sport.RUN, 60 * 60)
    assert run is not None and run.title.startswith("Tempo run ")
    with i18n.use("de"):
        assert library.title_text(run).startswith("Tempolauf ")
        race = library.race_session(Sport.RIDE, "Tempo run classic", 3600, 0.9)
        assert library.title_text(race) == "Tempo run classic"  # a race keeps its own name


@pytest.mark.usefixtures("german")
def test_files_and_calendar_text_carry_the_language_but_keep_their_syntax() -> None:
    workout = library.build(WorkoutKind.SWEET_SPOT, Sport.RIDE, 90 * 60)
    assert workout is not None
    thresholds = Thresholds(ftp_w=250)
    with i18n.use("de"):
        text = render_intervals_text(library.localized(workout), thresholds)
        erg = render_file(workout, thresholds, FileFormat.ERG, day=date(2026, 12, 8), created=datetime.now(UTC))
    assert text.startswith("Warmup\n- Aufwärmen 10m ramp 50-75%\n")
    assert "\n\nCooldown\n- Abwärmen 5m ramp 60-45%\n" in text
    assert "Main set 3x" in text
    assert erg.name == "2026-12-08-sweet-spot-3x20.erg"
    assert b"FILE NAME = Sweet Spot 3 \xc3\x97 20 min\r\n" in erg.data
