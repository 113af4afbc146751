"""The token vault: provider tokens encrypted at rest with AES-256-GCM.

A leaked database dump or backup must not hand out people's health data, so every access and refresh
token is stored as an envelope, never in the clear::

    cw1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>

- ``cw1`` versions the envelope format, so it can change later without guessing.
- The key id names the key that sealed it: several keys can be configured (the first seals, all open),
  which is how keys are rotated without downtime (`coach-watts rotate-keys` re-seals old rows).
- The associated data binds each ciphertext to (user id, provider, field). A ciphertext copied into
  another user's row, another provider or the other token column fails to open.
- The nonce is 96 random bits per encryption; with far fewer than 2³² seals per key that is safe.

Keys come from ``TOKEN_ENCRYPTION_KEYS`` as ``<id>:<base64 of 32 bytes>[,<id>:<key>…]``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENVELOPE_VERSION = "cw1"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
DEV_KEY_FILE = "token-encryption.key"


class VaultError(Exception):
    """A key or an envelope is unusable; the message says which, never what it contains."""


class VaultConfigError(VaultError):
    """``TOKEN_ENCRYPTION_KEYS`` is malformed."""


class DecryptionFailed(VaultError):
    """The envelope is malformed, sealed by an unknown key, or does not belong to this row and field."""


@dataclass(frozen=True, slots=True)
class VaultKey:
    key_id: str
    key: bytes

    def __repr__(self) -> str:  # never print key material
        return f"VaultKey({self.key_id!r})"


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not; anything else is an error (not silently skipped)."""
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)


def parse_keys(spec: str) -> list[VaultKey]:
    """``"k2:<b64>,k1:<b64>"`` → keys, the first one active. Wrong lengths fail here, at start."""
    keys: list[VaultKey] = []
    for position, item in enumerate(part.strip() for part in spec.split(",") if part.strip()):
        key_id, sep, encoded = item.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise VaultConfigError(
                f"key {position + 1} must look like <id>:<base64 key>, with an id of letters, digits, - or _"
            )
        try:
            key = _b64decode(encoded)
        except (binascii.Error, ValueError) as err:
            raise VaultConfigError(f"key {key_id!r} is not valid base64") from err
        if len(key) != KEY_BYTES:
            raise VaultConfigError(f"key {key_id!r} must be {KEY_BYTES} bytes, not {len(key)}")
        if any(k.key_id == key_id for k in keys):
            raise VaultConfigError(f"key id {key_id!r} appears twice")
        keys.append(VaultKey(key_id, key))
    if not keys:
        raise VaultConfigError("no key given")
    return keys


def generate_key_spec(key_id: str | None = None) -> str:
    """A fresh ``<id>:<base64 key>`` entry for ``TOKEN_ENCRYPTION_KEYS``."""
    key_id = key_id or "k" + secrets.token_hex(4)
    return f"{key_id}:{base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


def load_or_create_dev_keys(data_dir: Path) -> str:
    """Development only: the key spec stored in the data folder, created once with mode 0600.

    Several processes may start at once on a fresh folder, so the file appears whole or not at all: the key
    is written and flushed to a private temporary file, which is then hard-linked to the final name. The
    link fails for every process but the first, and each of them reads the winner's complete file; a reader
    never sees a file being written (which ``O_EXCL`` on the final name alone allowed).

    Losing this file makes stored tokens unreadable (users reconnect), which is acceptable in
    development and is why production must configure ``TOKEN_ENCRYPTION_KEYS`` instead.
    """
    path = data_dir / DEV_KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create_whole(path, generate_key_spec("dev1") + "\n")
    return _read_dev_keys(path)


def _create_whole(path: Path, content: str) -> None:
    """Create ``path`` holding ``content`` unless it exists; never visible half-written."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: its key stands
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _read_dev_keys(path: Path) -> str:
    """The spec in the key file, checked: an empty or damaged file is named, its content never shown."""
    spec = path.read_text().strip()
    if not spec:
        raise VaultConfigError(
            f"The development key file {path} is empty; delete it to have a new key made "
            "(tokens stored under the lost key cannot be read: those users reconnect)."
        )
    try:
        parse_keys(spec)
    except VaultConfigError as err:
        raise VaultConfigError(
            f"The development key file {path} is damaged ({err}); restore it from a backup, or delete it to have "
            "a new key made (tokens stored under the lost key cannot be read: those users reconnect)."
        ) from err
    return spec


def _aad(user_id: str, provider: str, field: str) -> bytes:
    return f"{ENVELOPE_VERSION}|user:{user_id}|provider:{provider}|field:{field}".encode()


class TokenVault:
    """Seal and open tokens for one (user, provider, field)."""

    def __init__(self, keys: Sequence[VaultKey]) -> None:
        if not keys:
            raise VaultConfigError("no key given")
        self._active = keys[0]
        self._keys = {k.key_id: AESGCM(k.key) for k in keys}

    @classmethod
    def from_spec(cls, spec: str) -> TokenVault:
        return cls(parse_keys(spec))

    @property
    def active_key_id(self) -> str:
        return self._active.key_id

    def encrypt(self, plaintext: str, *, user_id: str, provider: str, field: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self._active.key_id].encrypt(nonce, plaintext.encode(), _aad(user_id, provider, field))
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{ENVELOPE_VERSION}:{self._active.key_id}:{body}"

    def decrypt(self, envelope: str, *, user_id: str, provider: str, field: str) -> str:
        _version, key_id, body = self._split(envelope)
        aead = self._keys.get(key_id)
        if aead is None:
            raise DecryptionFailed(f"the token was sealed with key {key_id!r}, which is not configured")
        try:
            raw = _b64decode(body)
            plaintext = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(user_id, provider, field))
        except (InvalidTag, binascii.Error, ValueError) as err:
            raise DecryptionFailed(f"the stored {field} does not open for this user and provider") from err
        return plaintext.decode()

    def key_id_of(self, envelope: str) -> str:
        return self._split(envelope)[1]

    def needs_rotation(self, envelope: str) -> bool:
        return self.key_id_of(envelope) != self._active.key_id

    def reseal(self, envelope: str, *, user_id: str, provider: str, field: str) -> str:
        """The same token sealed under the active key (unchanged if it already is)."""
        if not self.needs_rotation(envelope):
            return envelope
        plaintext = self.decrypt(envelope, user_id=user_id, provider=provider, field=field)
        return self.encrypt(plaintext, user_id=user_id, provider=provider, field=field)

    @staticmethod
    def _split(envelope: str) -> tuple[str, str, str]:
        parts = envelope.split(":", 2)
        if len(parts) != 3 or parts[0] != ENVELOPE_VERSION:
            raise DecryptionFailed("the stored value is not a token envelope this version understands")
        return parts[0], parts[1], parts[2]
