"""The token vault: AES-GCM envelopes bound to (user, provider, field), several keys, the dev key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from integrations.vault import (
    DecryptionFailed,
    TokenVault,
    VaultConfigError,
    generate_key_spec,
    load_or_create_dev_keys,
    parse_keys,
)

IDS = {"user_id": "user-a", "provider": "whoop", "field": "access_token"}


def test_round_trip_and_fresh_nonce() -> None:
    vault = TokenVault.from_spec(generate_key_spec("k1"))
    one = vault.encrypt("canary-token", **IDS)
    two = vault.encrypt("canary-token", **IDS)
    assert one != two  # equal plaintexts never give equal ciphertexts
    assert one.startswith("cw1:k1:") and "canary" not in one
    assert vault.decrypt(one, **IDS) == vault.decrypt(two, **IDS) == "canary-token"


@pytest.mark.parametrize(
    "other",
    [
        {"user_id": "user-b"},
        {"provider": "strava"},
        {"field": "refresh_token"},
    ],
)
def test_a_ciphertext_moved_to_another_row_or_field_does_not_open(other: dict[str, str]) -> None:
    vault = TokenVault.from_spec(generate_key_spec("k1"))
    sealed = vault.encrypt("canary-token", **IDS)
    with pytest.raises(DecryptionFailed):
        vault.decrypt(sealed, **(IDS | other))


def test_tampering_and_garbage_are_refused() -> None:
    vault = TokenVault.from_spec(generate_key_spec("k1"))
    sealed = vault.encrypt("canary-token", **IDS)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    for bad in (flipped, "plain-token", "cw1:k1:", "cw9:k1:abcd", "cw1:k1:!!!"):
        with pytest.raises(DecryptionFailed):
            vault.decrypt(bad, **IDS)


def test_old_keys_open_new_key_seals_and_unknown_keys_are_named() -> None:
    old_spec, new_spec = generate_key_spec("old"), generate_key_spec("new")
    old = TokenVault.from_spec(old_spec)
    sealed = old.encrypt("canary-token", **IDS)
    both = TokenVault.from_spec(f"{new_spec},{old_spec}")
    assert both.needs_rotation(sealed)
    resealed = both.reseal(sealed, **IDS)
    assert both.key_id_of(resealed) == "new" and not both.needs_rotation(resealed)
    assert TokenVault.from_spec(new_spec).decrypt(resealed, **IDS) == "canary-token"
    with pytest.raises(DecryptionFailed, match="'old'"):
        TokenVault.from_spec(new_spec).decrypt(sealed, **IDS)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no key"),
        ("nokeyid", "<id>:<base64 key>"),
        ("k1:c2hvcnQ=", "32 bytes"),
        ("k1:***", "base64"),
    ],
)
def test_bad_key_specs_fail_at_start(spec: str, message: str) -> None:
    with pytest.raises(VaultConfigError, match=message):
        parse_keys(spec)


def test_duplicate_key_ids_are_refused() -> None:
    key = generate_key_spec("same")
    with pytest.raises(VaultConfigError, match="twice"):
        parse_keys(f"{key},{generate_key_spec('same')}")


def test_development_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_dev_keys(tmp_path / "data")
    again = load_or_create_dev_keys(tmp_path / "data")
    assert first == again
    path = tmp_path / "data" / "token-encryption.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    TokenVault.from_spec(first)  # usable


def test_keys_never_print() -> None:
    (key,) = parse_keys(generate_key_spec("k1"))
    assert repr(key) == "VaultKey('k1')"
