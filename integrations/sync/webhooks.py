"""Provider webhooks: is this delivery authentic, and which events does it carry (pure; no I/O).

    WHOOP       ``X-WHOOP-Signature`` = base64(HMAC-SHA256(client secret, ``X-WHOOP-Signature-Timestamp`` +
                raw body)); the timestamp is in milliseconds and must be within `MAX_SKEW` of now.
    Oura        ``x-oura-signature`` = uppercase hex HMAC-SHA256(client secret, ``x-oura-timestamp`` + body),
                the same freshness rule; the raw body first, then Oura's compact re-serialization.
    Strava      no signature: the event must name our push subscription (checked here) and an athlete we
                know (checked by the caller against the database); the data is re-fetched with that
                athlete's own token, so a forged body can at most make us read the real state again.
    Intervals   the app's webhook secret is sent back in the body (``secret``), compared in constant time.

An event is only ever a hint: processing re-fetches the object (`integrations.sync.events`), so duplicates
and out-of-order deliveries converge to the provider's current state. Each event gets a key from the
provider's own identity of the delivery, stored unique, so a redelivery is recognised.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from db import storable

MAX_SKEW = timedelta(minutes=5)
# A WHOOP, Oura or Strava delivery is one small JSON object naming what changed (a few hundred bytes);
# 64 KiB is a hundredfold margin and bounds what an unauthenticated sender makes us read and hash.
MAX_BODY_BYTES = 64 * 1024
# Intervals.icu sends the changed objects themselves (whole activities and wellness records, several per
# delivery), and its secret is inside the body, so the body must be read before it can be refused.
INTERVALS_MAX_BODY_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a provider says changed: ``kind`` of object ``object_id`` of athlete ``owner``."""

    provider: str
    key: str  # unique per delivery of this event at this provider
    owner: str  # the provider's id of the athlete (Integration.externalUserId)
    kind: str  # workout, sleep, recovery, activity, wellness, daily_readiness, …
    object_id: str
    action: str  # updated, deleted, create, update, delete, …
    raw: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "kind": self.kind,
            "object_id": self.object_id,
            "action": self.action,
            "raw": self.raw,
        }


class Refused(Exception):
    """Not authentic (or not ours): answer 401/403, store nothing, fetch nothing."""


class Malformed(Exception):
    """Authentic but not an event we can read: answer 400."""


# Seconds or milliseconds since 1970 have at most 13 digits until the year 2286.
_MAX_TIMESTAMP_DIGITS = 13


def _fresh(timestamp: str | None, now: datetime, *, unit_ms: bool | None) -> None:
    # str.isdigit() is True for "²" and other Unicode digits that int() refuses: ASCII digits only, and
    # few enough of them that the value is a time (400 digits overflow the float division below).
    text = (timestamp or "").strip()
    if not text or len(text) > _MAX_TIMESTAMP_DIGITS or not text.isascii() or not text.isdigit():
        raise Refused("missing or unreadable signature timestamp")
    value = int(text)
    ms = unit_ms if unit_ms is not None else value > 10_000_000_000
    seconds = value / 1000 if ms else value
    if abs(now.timestamp() - seconds) > MAX_SKEW.total_seconds():
        raise Refused("stale or future signature timestamp")


def _json(body: bytes) -> Any:
    """The body as JSON that PostgreSQL can store as it is (`db.storable`): the event row keeps it."""
    try:
        return storable.parse(body)
    except storable.NotStorable as err:
        raise Malformed(str(err)) from err


# Ids, kinds and actions end up in text columns and in the event key; no provider's are near this long.
_MAX_FIELD_CHARS = 200


def _text(value: object) -> str:
    """An id, kind or action: a non-empty string or an integer, short enough for the event key."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise Malformed("an id is missing")
    if len(text := str(value)) > _MAX_FIELD_CHARS:
        raise Malformed(f"an id is longer than {_MAX_FIELD_CHARS} characters")
    return text


def _optional_text(value: object) -> str:
    """A field only used in the event key (trace id, event time): text or a number, or absent."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Malformed("a trace id or event time is neither text nor a number")
    if len(text := str(value)) > _MAX_FIELD_CHARS:
        raise Malformed(f"a trace id or event time is longer than {_MAX_FIELD_CHARS} characters")
    return text


# ----------------------------------------------------------------------------------------------- WHOOP


def whoop_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(
    headers: dict[str, str], *, signature: str, timestamp: str, now: datetime, unit_ms: bool | None
) -> None:
    """What can be refused before the body is read: a missing signature, an unreadable or stale timestamp."""
    if not headers.get(signature):
        raise Refused("no signature")
    _fresh(headers.get(timestamp), now, unit_ms=unit_ms)


def whoop_headers(headers: dict[str, str], now: datetime) -> None:
    signed_headers(
        headers, signature="x-whoop-signature", timestamp="x-whoop-signature-timestamp", now=now, unit_ms=True
    )


def oura_headers(headers: dict[str, str], now: datetime) -> None:
    signed_headers(headers, signature="x-oura-signature", timestamp="x-oura-timestamp", now=now, unit_ms=None)


def whoop_events(secret: str, headers: dict[str, str], body: bytes, now: datetime) -> list[Event]:
    timestamp = headers.get("x-whoop-signature-timestamp")
    given = headers.get("x-whoop-signature", "")
    _fresh(timestamp, now, unit_ms=True)
    assert timestamp is not None
    if not hmac.compare_digest(given.encode(), whoop_signature(secret, timestamp, body).encode()):
        raise Refused("bad WHOOP signature")
    raw = _json(body)
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or "." not in raw["type"]:
        raise Malformed("not a WHOOP event")
    kind, _, action = raw["type"].partition(".")
    owner, object_id = _text(raw.get("user_id")), _text(raw.get("id"))
    trace = _optional_text(raw.get("trace_id"))
    return [Event("whoop", f"{raw['type']}:{object_id}:{trace}", owner, kind, object_id, action, raw)]


# ----------------------------------------------------------------------------------------------- Oura


def oura_signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest().upper()


def oura_events(secret: str, headers: dict[str, str], body: bytes, now: datetime) -> list[Event]:
    timestamp = headers.get("x-oura-timestamp")
    given = headers.get("x-oura-signature", "").upper()
    _fresh(timestamp, now, unit_ms=None)
    assert timestamp is not None
    candidates = [body]
    try:
        raw = _json(body)
    except Malformed:
        raw = None  # only the raw body can be signed then; an unsigned body is refused, a signed one is 400
    if isinstance(raw, dict):  # Oura's sample signs its own compact re-serialization (reference §4.3)
        candidates.append(json.dumps(raw, separators=(",", ":")).encode())
    if not any(hmac.compare_digest(given.encode(), oura_signature(secret, timestamp, c).encode()) for c in candidates):
        raise Refused("bad Oura signature")
    if raw is None:
        raw = _json(body)
    if not isinstance(raw, dict):
        raise Malformed("not an Oura event")
    action, kind = _text(raw.get("event_type")), _text(raw.get("data_type"))
    object_id, owner = _text(raw.get("object_id")), _text(raw.get("user_id"))
    key = f"{action}:{kind}:{object_id}:{_optional_text(raw.get('event_time'))}"
    return [Event("oura", key, owner, kind, object_id, action, raw)]


# ----------------------------------------------------------------------------------------------- Strava


def strava_events(subscription_id: int, body: bytes) -> list[Event]:
    raw = _json(body)
    if not isinstance(raw, dict):
        raise Malformed("not a Strava event")
    if raw.get("subscription_id") != subscription_id:
        raise Refused("an event for another Strava subscription")
    kind, action = _text(raw.get("object_type")), _text(raw.get("aspect_type"))
    object_id, owner = _text(raw.get("object_id")), _text(raw.get("owner_id"))
    key = f"{kind}:{object_id}:{action}:{raw.get('event_time', '')}:{json.dumps(raw.get('updates'), sort_keys=True)}"
    return [Event("strava", key, owner, kind, object_id, action, raw)]


# ----------------------------------------------------------------------------------------------- Intervals.icu


def intervals_events(secret: str, body: bytes) -> list[Event]:
    raw = _json(body)
    if not isinstance(raw, dict):
        raise Refused("not an Intervals.icu delivery")
    given = raw.get("secret")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), secret.encode()):
        raise Refused("bad Intervals.icu webhook secret")
    events = raw.get("events")
    if not isinstance(events, list):
        raise Malformed("no events")
    out = []
    for item in events:
        if not isinstance(item, dict):
            raise Malformed("an event is not an object")
        kind = _text(item.get("type"))
        owner = _text(item.get("athlete_id"))
        object_id = ""
        if isinstance(item.get("activity"), dict):
            object_id = _text(item["activity"].get("id"))
        elif isinstance(item.get("records"), list) and item["records"] and isinstance(item["records"][0], dict):
            object_id = _text(item["records"][0].get("id"))
        if kind == "WELLNESS_UPDATED" and object_id:
            # A wellness record's id is its day; processing reads that day, so it must be one.
            try:
                date.fromisoformat(object_id)
            except ValueError as err:
                raise Malformed("a wellness record's id is not a date") from err
        out.append(
            Event(
                "intervals",
                f"{kind}:{owner}:{object_id}:{_optional_text(item.get('timestamp'))}",
                owner,
                kind,
                object_id,
                kind,
                item,
            )
        )
    return out
