"""Token encryption keys from the command line: required in production, made by rotate-keys --new-key."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.vault import parse_keys
from tests.bot.test_cli import _run


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    result = _run(["migrate"], {"COACH_ENV": "production", "COACH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "TOKEN_ENCRYPTION_KEYS must be set outside development" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_key_is_reported_without_echoing_it(tmp_path: Path) -> None:
    result = _run(["migrate"], {"TOKEN_ENCRYPTION_KEYS": "k1:c2VjcmV0LWJ1dC1zaG9ydA", "COACH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "must be 32 bytes" in result.stderr and "c2VjcmV0LWJ1dC1zaG9ydA" not in result.stderr


def test_new_key_prints_a_usable_key() -> None:
    result = _run(["rotate-keys", "--new-key"], {})
    assert result.returncode == 0
    assert len(parse_keys(result.stdout.strip())) == 1
    assert "TOKEN_ENCRYPTION_KEYS" in result.stderr


@pytest.mark.usefixtures("sessions")
def test_rotate_keys_on_an_empty_database(database_url: str, tmp_path: Path) -> None:
    result = _run(["rotate-keys"], {"DATABASE_URL": database_url, "COACH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "Re-encrypted the tokens of 0 connection(s) under key 'dev1'" in result.stdout
    assert (tmp_path / "token-encryption.key").exists()
