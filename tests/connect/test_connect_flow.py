"""End to end: /connect in chat → the button's URL → the fake provider → our callback → told in chat."""

from __future__ import annotations

import pytest

from integrations.tokens import open_tokens
from tests.connect.conftest import ANN, ConnectHarness, url_button


@pytest.mark.parametrize(
    ("provider", "label"), [("whoop", "WHOOP"), ("strava", "Strava"), ("intervals", "Intervals.icu"), ("oura", "Oura")]
)
async def test_connect_through_the_real_bot_and_http_server(
    connect_harness: ConnectHarness, provider: str, label: str
) -> None:
    h = connect_harness
    (link,) = await h.ask(ANN, f"/connect {provider}")
    assert label in link.text
    page = await h.follow(url_button(link))
    assert page.status_code == 200, page.text
    assert f"{label} is connected" in page.text
    (told,) = await h.api.drain(ANN["id"], quiet=0.3)
    assert (f"{label} connected" in told.text and "as Ann" in told.text) or f"{label} connected" in told.text

    fake = h.fakes[provider]
    grant = fake.grants[-1]
    row = await h.integration(await h.user_id(ANN["id"]), provider)
    assert row is not None and row.sync_status == "OK" and row.auth_method == "oauth"
    assert row.access_token.startswith("cw1:test:")
    assert next(iter(grant.access_tokens)) not in row.access_token
    tokens = open_tokens(h.vault, row)
    assert tokens.access_token in grant.access_tokens
    assert tokens.refresh_token == grant.refresh_token
    assert row.external_user_id is not None
    if provider == "intervals":
        assert tokens.refresh_token is None and row.expires_at is None
    else:
        assert tokens.refresh_token is not None and row.expires_at is not None


async def test_whoop_asks_exactly_the_read_scopes_and_offline(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    (link,) = await h.ask(ANN, "/connect whoop")
    await h.follow(url_button(link))
    authorize = next(r for r in h.fakes["whoop"].requests if r.path.endswith("/oauth2/auth"))
    assert authorize.query["scope"].split(" ") == [
        "read:recovery",
        "read:cycles",
        "read:workout",
        "read:sleep",
        "read:profile",
        "read:body_measurement",
        "offline",
    ]
    assert authorize.query["redirect_uri"] == f"{h.http_url}/oauth/whoop/callback"
    assert len(authorize.query["state"]) >= 43  # 256 bits, URL-safe base64


async def test_strava_scopes_are_read_only(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    (link,) = await h.ask(ANN, "/connect strava")
    await h.follow(url_button(link))
    authorize = next(r for r in h.fakes["strava"].requests if r.path.endswith("/authorize"))
    assert authorize.query["scope"] == "read,activity:read_all"
    assert "write" not in authorize.query["scope"]
    row = await h.integration(await h.user_id(ANN["id"]), "strava")
    assert row is not None and row.scope == "read,activity:read_all"


async def test_the_menu_lists_providers_with_their_status(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    (menu,) = await h.ask(ANN, "/connect")
    assert "WHOOP</b> — not connected" in menu.text
    assert [b["text"] for b in menu.buttons] == [
        "Connect WHOOP",
        "Connect Strava",
        "Connect Intervals.icu",
        "Connect Oura",
    ]
    press = await h.api.press_button(ANN, menu.message, menu.buttons[0]["callback_data"])
    await h.api.callback_answer(press)
    (link,) = await h.api.drain(ANN["id"], quiet=0.3)
    page = await h.follow(url_button(link))
    assert page.status_code == 200
    await h.api.drain(ANN["id"], quiet=0.3)
    (menu,) = await h.ask(ANN, "/connect")
    assert "WHOOP</b> — connected" in menu.text
    assert menu.buttons[0]["text"] == "WHOOP ✓ (connect again)"


async def test_intervals_offers_both_ways(connect_harness: ConnectHarness) -> None:
    (link,) = await connect_harness.ask(ANN, "/connect intervals")
    assert "API key" in link.text and "/connect intervals YOUR_KEY" in link.text
    assert "/intervals/oauth/authorize?" in url_button(link)


async def test_intervals_with_an_api_key_deletes_the_message_and_never_echoes_it(
    connect_harness: ConnectHarness,
) -> None:
    h = connect_harness
    key = "CANARYKEY" + "7" * 20
    h.fakes["intervals"].add_api_key(key, user_id="i777")
    message = await h.api.send_text(ANN, f"/connect intervals {key}")
    replies = await h.api.drain(ANN["id"], quiet=0.5, wait_s=15)
    assert all(key not in r.text for r in replies)
    assert any("Intervals.icu connected" in r.text for r in replies)
    chat_id, message_id = ANN["id"], message["message"]["message_id"]
    assert (chat_id, message_id) not in h.api._messages  # deleted
    row = await h.integration(await h.user_id(ANN["id"]), "intervals")
    assert row is not None and row.auth_method == "api_key" and row.external_user_id == "i777"
    assert key not in row.access_token and open_tokens(h.vault, row).access_token == key


async def test_a_wrong_api_key_stores_nothing(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    replies = await h.ask(ANN, "/connect intervals NOT-A-REAL-KEY-123")
    assert any("didn't accept that API key" in r.text for r in replies)
    assert not any("needs reconnecting" in r.text for r in replies)  # never connected, so nothing broke
    assert all("NOT-A-REAL-KEY-123" not in r.text for r in replies)
    assert await h.integration(await h.user_id(ANN["id"]), "intervals") is None


async def test_status_and_disconnect(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    (status,) = await h.ask(ANN, "/status")
    assert "No providers connected" in status.text
    (link,) = await h.ask(ANN, "/connect whoop")
    await h.follow(url_button(link))
    await h.api.drain(ANN["id"], quiet=0.3)
    (status,) = await h.ask(ANN, "/status")
    assert (
        "<b>WHOOP</b> — active" in status.text and "connected since" in status.text and "last sync never" in status.text
    )

    (done,) = await h.ask(ANN, "/disconnect whoop")
    assert "WHOOP disconnected" in done.text and "revoked" in done.text and "stay in your history" in done.text
    assert h.fakes["whoop"].live_grants() == []
    assert await h.integration(await h.user_id(ANN["id"]), "whoop") is None
    (again,) = await h.ask(ANN, "/disconnect whoop")
    assert "isn't connected" in again.text


async def test_unknown_and_unconfigured_providers(connect_harness: ConnectHarness) -> None:
    (reply,) = await connect_harness.ask(ANN, "/connect garmin")
    assert "don't know a provider called <code>garmin</code>" in reply.text


async def test_an_api_key_checked_during_an_outage_is_not_called_refused(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    key = "GOODKEY" + "5" * 20
    h.fakes["intervals"].add_api_key(key, user_id="i555")
    h.fakes["intervals"].unavailable = True
    replies = await h.ask(ANN, f"/connect intervals {key}")
    texts = " ".join(r.text for r in replies)
    assert "didn't accept that API key" not in texts
    assert "I couldn't reach Intervals.icu to check that key" in texts and "nothing was stored" in texts
    assert key not in texts
    assert await h.integration(await h.user_id(ANN["id"]), "intervals") is None

    h.fakes["intervals"].unavailable = False  # back up: the same key connects
    replies = await h.ask(ANN, f"/connect intervals {key}")
    assert any("Intervals.icu connected" in r.text for r in replies)


async def test_status_with_nothing_connected_offers_only_the_providers_this_bot_can_connect(
    strava_only_harness: ConnectHarness,
) -> None:
    # /sync says the same sentence (`texts_connect.nothing_connected`); this harness runs no sync service.
    text = (await strava_only_harness.ask(ANN, "/status"))[0].text
    assert text == "No providers connected yet. /connect to add Strava."
