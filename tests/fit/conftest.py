from pathlib import Path

import pytest

from integrations.fit.summary import WorkoutSummary, summarize_fit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fit"


@pytest.fixture(scope="session")
def fit_bytes() -> dict[str, bytes]:
    """Every fixture file's bytes by path relative to the fixture folder (e.g. ``more/Settings.fit``)."""
    return {path.relative_to(FIXTURES).as_posix(): path.read_bytes() for path in FIXTURES.rglob("*.fit")}


@pytest.fixture(scope="session")
def summaries(fit_bytes: dict[str, bytes]) -> dict[str, WorkoutSummary]:
    """The six reference activities summarised once (decoding the 6.6-hour ELEMNT ride takes seconds)."""
    return {name: summarize_fit(data) for name, data in fit_bytes.items() if "/" not in name}
