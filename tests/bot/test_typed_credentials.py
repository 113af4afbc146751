"""What counts as a typed credential, and the sealed round trip of a stored update."""

from __future__ import annotations

import pytest

from bot import typed_credentials as tc
from integrations.vault import DecryptionFailed, TokenVault, generate_key_spec

KEY = "4x7hd0s9k2m1q8w3e5r6t7y2"


@pytest.mark.parametrize(
    "text",
    [
        KEY,
        f"  {KEY}\n",
        f"here is my key: {KEY} thanks",
        "/connect intervals NOT-A-REAL-KEY-123",  # the command form, whatever the key looks like
        "/connect@CoachWattsBot Intervals.icu abc",
    ],
)
def test_credentials_are_recognised(text: str) -> None:
    assert tc.carries_credential(text)


@pytest.mark.parametrize(
    "text",
    [
        "How should I train today after a 4x8 min VO2max session?",
        "internationalisation-heavy words without digits",
        "12345678901234567890123",  # a long number (an activity id) is not a key
        "https://www.strava.com/activities/12345678901234567890",
        "/connect intervals",
        "/settings ftp 250",
        "2026-03-14T07:30:00",
    ],
)
def test_ordinary_messages_are_not_credentials(text: str) -> None:
    assert not tc.carries_credential(text)


def test_a_sealed_update_opens_only_as_itself_and_is_redacted_once_processed() -> None:
    vault = TokenVault.from_spec(generate_key_spec("k1"))
    update = {"update_id": 7, "message": {"message_id": 1, "chat": {"id": 5}, "text": KEY}}
    sealed = tc.seal_update(update, vault)
    assert KEY not in str(sealed) and sealed["message"]["text"].startswith("cw1:k1:")
    assert tc.open_update(sealed, vault) == update
    moved = sealed | {"update_id": 8}  # copied into another update's row
    with pytest.raises(DecryptionFailed):
        tc.open_update(moved, vault)
    kept = tc.redact_update(sealed)
    assert KEY not in str(kept) and "cw1:" not in str(kept) and kept["message"]["text"] == tc.REDACTED
    assert tc.seal_update(update, None)["message"]["text"] == tc.REDACTED  # no vault: never stored
    ordinary = {"update_id": 9, "message": {"text": "/today"}}
    assert tc.seal_update(ordinary, vault) is ordinary
