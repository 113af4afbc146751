"""Random requests against every HTTP endpoint of the app: never a 500, never unbounded memory (issue 12).

Hypothesis draws an endpoint, path parameters, query, headers and body; some bodies are valid-looking
payloads with random parts, correctly signed or carrying the right secret, so the fuzzing reaches the
parsers behind authentication and not only the front door. The profile is derandomized (the same examples
in every CI run) and bounded, so the test is fast and any failure reproduces.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote

import psutil
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.http.initdata import sign
from bot.telegram_webhook import SECRET_HEADER
from tests.bot.conftest import TOKEN
from tests.http.conftest import INTERVALS_SECRET, OURA_SECRET, SUBSCRIPTION, TELEGRAM_SECRET, WHOOP_SECRET, Site

settings.register_profile(
    "http-fuzz",
    max_examples=120,
    derandomize=True,  # the same examples every run: a CI failure reproduces locally
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

ENDPOINTS = [
    ("GET", "/healthz"),
    ("GET", "/oauth/{param}/callback"),
    ("GET", "/connect/{param}"),
    ("POST", "/connect/{param}"),
    ("POST", "/webhooks/whoop"),
    ("POST", "/webhooks/oura"),
    ("GET", "/webhooks/oura"),
    ("POST", "/webhooks/strava"),
    ("GET", "/webhooks/strava"),
    ("POST", "/webhooks/intervals"),
    ("POST", "/webhooks/telegram"),
    ("PUT", "/webhooks/{param}"),
    ("DELETE", "/{param}"),
]
# The endpoints that parse bodies are drawn more often.
ENDPOINTS += [e for e in ENDPOINTS if e[0] == "POST"] * 2

# Header values travel as latin-1 and may not hold CR, LF or NUL (the client refuses those itself).
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
).map(str.strip)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Mostly plausible ids (so the parsers behind them are reached), sometimes anything.
ids = st.one_of(
    st.just(48213), st.just("48213"), st.integers(min_value=0, max_value=2**40), st.integers(),
    st.text(max_size=20), json_values,
)  # fmt: skip


def _templates(draw: st.DrawFn, path: str) -> dict[str, Any]:
    """A payload shaped like the real one of ``path`` (or of another endpoint), with random values."""
    kinds = ["whoop", "oura", "strava", "intervals", "telegram", "other"]
    own = next((k for k in kinds if k in path), None)
    kind = own if own is not None and draw(st.integers(0, 3)) else draw(st.sampled_from(kinds))
    if kind == "whoop":
        payload: Any = {"user_id": draw(ids), "id": draw(ids), "type": draw(st.sampled_from(
            ["workout.updated", "sleep.deleted", "recovery.updated", "x"])) , "trace_id": draw(ids)}  # fmt: skip
    elif kind == "oura":
        payload = {"event_type": draw(ids), "data_type": draw(st.sampled_from(["workout", "sleep", "x"])),
                   "object_id": draw(ids), "event_time": draw(ids), "user_id": draw(ids)}  # fmt: skip
    elif kind == "strava":
        payload = {"aspect_type": draw(ids), "event_time": draw(ids), "object_id": draw(ids),
                   "object_type": draw(st.sampled_from(["activity", "athlete", "x"])), "owner_id": draw(ids),
                   "subscription_id": draw(st.sampled_from([SUBSCRIPTION, 1])),
                   "updates": draw(json_values)}  # fmt: skip
    elif kind == "intervals":
        payload = {"secret": draw(st.sampled_from([INTERVALS_SECRET, "x"])), "events": draw(st.one_of(
            json_values, st.lists(st.fixed_dictionaries({"athlete_id": ids, "type": st.sampled_from(
                ["ACTIVITY_ANALYZED", "WELLNESS_UPDATED", "x"]), "activity": json_values, "records": json_values}),
                max_size=3)))}  # fmt: skip
    elif kind == "telegram":
        chat = draw(st.one_of(json_values, st.fixed_dictionaries({"id": ids, "type": st.just("private")})))
        payload = {"update_id": draw(ids), draw(st.sampled_from(["message", "callback_query", "x"])): {
            "message_id": draw(ids), "date": draw(ids), "chat": chat, "from": draw(json_values),
            "text": draw(json_values)}}  # fmt: skip
    else:
        payload = draw(json_values)
    return {"payload": payload}


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    method, template = draw(st.sampled_from(ENDPOINTS))
    param = quote(draw(st.text(max_size=40)) or "x", safe="")
    path = template.format(param=param)
    body_kind = draw(st.sampled_from(["none", "bytes", "json", "template", "template", "template"]))
    body = b""
    if body_kind == "bytes":
        body = draw(st.binary(max_size=300))
    elif body_kind == "json":
        body = json.dumps(draw(json_values)).encode()
    elif body_kind == "template":
        body = json.dumps(_templates(draw, path)["payload"]).encode()
    headers = draw(st.dictionaries(
        st.sampled_from(["Content-Type", "X-WHOOP-Signature", "X-WHOOP-Signature-Timestamp", "x-oura-signature",
                         "x-oura-timestamp", SECRET_HEADER, "Cookie", "Transfer-Encoding", "Accept", "X-Random"]),
        header_text, max_size=4))  # fmt: skip
    headers = {k: v for k, v in headers.items() if k != "Transfer-Encoding"}  # the client frames the body
    if draw(st.integers(0, 3)):  # mostly authentic: make the request pass the front door
        stamp = str(int(time.time() * 1000)) if "whoop" in path else str(int(time.time()))
        if "whoop" in path:
            digest = hmac.new(WHOOP_SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest()
            headers |= {"X-WHOOP-Signature": base64.b64encode(digest).decode(), "X-WHOOP-Signature-Timestamp": stamp}
        elif "oura" in path:
            sig = hmac.new(OURA_SECRET.encode(), stamp.encode() + body, hashlib.sha256).hexdigest().upper()
            headers |= {"x-oura-signature": sig, "x-oura-timestamp": stamp}
        elif "telegram" in path:
            headers[SECRET_HEADER] = TELEGRAM_SECRET
        elif path.startswith("/connect/") and method == "POST":
            user = draw(st.one_of(json_values.map(json.dumps), st.just('{"id": 5001, "first_name": "Ann"}')))
            fields = {"user": user, "auth_date": draw(st.one_of(st.just(str(int(time.time()))), header_text))}
            body = f"init_data={quote(sign(fields, TOKEN))}".encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    query = draw(st.dictionaries(
        st.sampled_from(["state", "code", "scope", "error", "hub.mode", "hub.challenge", "hub.verify_token",
                         "verification_token", "challenge", "x"]),
        st.text(max_size=30), max_size=4))  # fmt: skip
    return {"method": method, "path": path, "headers": headers, "body": body, "query": query}


@settings(settings.get_profile("http-fuzz"))
@given(request=requests())
async def test_no_request_makes_a_500_or_grows_memory_without_bound(site: Site, request: dict[str, Any]) -> None:
    if not hasattr(site, "rss_start"):
        await site.sync.athlete("whoop", "strava", "oura", "intervals", external_id="48213")
        site.rss_start = psutil.Process().memory_info().rss  # type: ignore[attr-defined]
    async with site.client() as client:
        response = await client.request(
            request["method"],
            request["path"],
            params=request["query"],
            headers={name: value.encode("latin-1") for name, value in request["headers"].items()},
            content=request["body"],
        )
    assert response.status_code < 500, (request, response.status_code, response.text[:300])
    grown = psutil.Process().memory_info().rss - site.rss_start  # type: ignore[attr-defined]
    assert grown < 64 * 1024 * 1024
