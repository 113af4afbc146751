"""Credentials a person types into the chat, recognised before anything keeps the text.

Two shapes are recognised: the command ``/connect intervals KEY`` (whatever the key looks like), and any
word shaped like an Intervals.icu personal API key — 20 to 64 letters and digits, with at least one of each —
pasted on its own or inside a sentence. The provider documents the key only as "the key from Settings"
(HTTP Basic password, `reference/providers.md` §3.1), so the shape is deliberately broad: prose words do
not mix letters and digits for 20 characters, and a false match costs only a deleted message.

In webhook mode every update is stored before it is processed (`bot.telegram_webhook`): `seal_update`
replaces each credential-bearing text with a vault envelope bound to that update (``cw1:…``), the
processor opens it (`open_update`) just before handling, and the row keeps only `redact_update`'s version
once processed. Without a vault the text is redacted at once (the key is then lost, never stored).
"""

from __future__ import annotations

import re
from typing import Any

from integrations.vault import TokenVault

_CONNECT_WITH_KEY = re.compile(r"^\s*/connect(?:@\w+)?\s+intervals(?:\.icu)?\s+\S", re.IGNORECASE)
_KEY_SHAPED = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*?\d)(?=[A-Za-z0-9]*?[A-Za-z])[A-Za-z0-9]{20,64}(?![A-Za-z0-9])"
)
# The parts of an update a person writes: a message's text, or the caption under a photo or file.
_WRITTEN = ("text", "caption")
SEALED = "coach_watts_sealed"  # our marker in a stored payload: the "kind.field" paths that are sealed
REDACTED = "[an API key was here; removed before storing]"
_VAULT_PROVIDER = "telegram"


def pasted_key(text: str) -> str | None:
    """The API-key-shaped word in a message written without ``/connect``, or None."""
    found = _KEY_SHAPED.search(text)
    return found.group() if found is not None else None


def carries_credential(text: str) -> bool:
    """Whether this text must never be stored as it is."""
    return _CONNECT_WITH_KEY.match(text) is not None or pasted_key(text) is not None


def _written(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, field) of every credential-bearing text in an update."""
    found = []
    for kind, part in payload.items():
        if not isinstance(part, dict):
            continue
        for field in _WRITTEN:
            value = part.get(field)
            if isinstance(value, str) and carries_credential(value):
                found.append((kind, field))
    return found


def _aad_user(payload: dict[str, Any]) -> str:
    # The envelope is bound to its update: moved into another update's row, it does not open.
    return f"update:{payload.get('update_id')}"


def seal_update(payload: dict[str, Any], vault: TokenVault | None) -> dict[str, Any]:
    """The update as it may be stored: credential-bearing texts sealed (or, without a vault, redacted)."""
    parts = _written(payload)
    if not parts:
        return payload
    if vault is None:
        return redact_update(payload, [f"{kind}.{field}" for kind, field in parts])
    sealed = dict(payload)
    for kind, field in parts:
        part = dict(sealed[kind])
        part[field] = vault.encrypt(
            part[field], user_id=_aad_user(payload), provider=_VAULT_PROVIDER, field=f"{kind}.{field}"
        )
        sealed[kind] = part
    sealed[SEALED] = [f"{kind}.{field}" for kind, field in parts]
    return sealed


def sealed_paths(payload: dict[str, Any]) -> list[str]:
    paths = payload.get(SEALED)
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def open_update(payload: dict[str, Any], vault: TokenVault | None) -> dict[str, Any]:
    """The update as Telegram sent it (raises `DecryptionFailed` if the key that sealed it is gone)."""
    paths = sealed_paths(payload)
    if not paths:
        return payload
    opened = {k: v for k, v in payload.items() if k != SEALED}
    for path in paths:
        kind, _, field = path.partition(".")
        part = dict(opened[kind])
        if vault is None:
            part[field] = REDACTED
        else:
            part[field] = vault.decrypt(part[field], user_id=_aad_user(payload), provider=_VAULT_PROVIDER, field=path)
        opened[kind] = part
    return opened


def redact_update(payload: dict[str, Any], paths: list[str] | None = None) -> dict[str, Any]:
    """The update with its sealed (or the given) texts replaced by a note: what a processed row keeps."""
    paths = sealed_paths(payload) if paths is None else paths
    if not paths:
        return payload
    redacted = {k: v for k, v in payload.items() if k != SEALED}
    for path in paths:
        kind, _, field = path.partition(".")
        redacted[kind] = dict(redacted[kind]) | {field: REDACTED}
    return redacted
