"""What the connect message promises about access matches the scopes we ask for."""

from __future__ import annotations

from bot.texts.connect import connect_link
from integrations.connect import OAUTH, ProviderInfo


def _info(name: str) -> ProviderInfo:
    spec = OAUTH[name]
    return ProviderInfo(name, spec.label, available=True, reads=spec.reads, api_key=False, writes=spec.writes)


def test_providers_we_only_read_are_called_read_only() -> None:
    for name in ("whoop", "strava", "oura"):
        assert not any(scope.upper().endswith(":WRITE") for scope in OAUTH[name].scopes)
        assert "read-only" in connect_link(_info(name))


def test_intervals_says_what_we_write_to_its_calendar() -> None:
    assert "CALENDAR:WRITE" in OAUTH["intervals"].scopes
    text = connect_link(_info("intervals"))
    assert "read-only" not in text
    assert "write only the planned workouts you send it from /plan" in text
