"""What the bot says about provider connections, and their keyboards: pure functions, HTML-escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.buttons import button
from bot.texts import esc, quote_input
from coach.i18n import t
from integrations.connect import Connection, Disconnected, ProviderInfo

KIND_START = "connect.start"


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return t("never")
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _state(info: ProviderInfo, connection: Connection | None) -> str:
    if connection is not None:
        return t("needs reconnecting") if connection.auth_lost else t("connected")
    if info.available:
        return t("not connected")
    return t("not connected (with a personal API key)") if info.api_key else t("unavailable")


def connect_menu(infos: Sequence[ProviderInfo], connections: Sequence[Connection]) -> str:
    by_name = {c.provider: c for c in connections}
    lines = [t("<b>Connect your devices</b>"), t("I read only — I never post or change anything."), ""]
    for info in infos:
        lines.append(f"• <b>{esc(info.label)}</b> — {_state(info, by_name.get(info.name))}")
    if any(not i.available and not i.api_key for i in infos):
        lines += ["", t("<i>Unavailable</i> means this bot has no app registered with that provider yet.")]
    lines += ["", t("Tap a provider, or send <code>/connect whoop</code>. /status shows your connections.")]
    return "\n".join(lines)


def menu_keyboard(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One row per provider: (button text, action id)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[button(text, action_id)] for text, action_id in buttons])


def menu_button_text(info: ProviderInfo, connection: Connection | None) -> str:
    if connection is not None and connection.auth_lost:
        return t("Reconnect {provider}", provider=info.label)
    if connection is not None:
        return t("{provider} ✓ (connect again)", provider=info.label)
    return t("Connect {provider}", provider=info.label)


def connect_link(info: ProviderInfo) -> str:
    label, reads = esc(info.label), esc(t(info.reads))
    if info.writes:
        access = t(
            "Tap the button to connect <b>{provider}</b>. I'll read your {reads} , and write only {writes}.",
            provider=label,
            reads=reads,
            writes=esc(t(info.writes)),
        )
    else:
        access = t(
            "Tap the button to connect <b>{provider}</b>. I'll read your {reads} — read-only.",
            provider=label,
            reads=reads,
        )
    text = (
        access
        + "\n\n"
        + t(
            "The link works once, for 10 minutes. Please don't forward it: whoever completes it connects "
            "<i>their</i> account to <i>your</i> coach."
        )
    )
    if info.api_key:
        text += "\n\n" + t(
            "<b>Or use a personal API key</b> (intervals.icu → Settings → Developer Settings): send "
            "<code>/connect intervals YOUR_KEY</code>. I delete that message as soon as I've read it."
        )
    return text


def api_key_only(info: ProviderInfo) -> str:
    return t(
        "<b>{provider}</b> sign-in is not set up on this bot, but a personal API key works: "
        "intervals.icu → Settings → Developer Settings, then send <code>/connect intervals YOUR_KEY</code>. "
        "I delete that message as soon as I've read it.",
        provider=esc(info.label),
    )


def link_keyboard(label: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("Connect {provider}", provider=label), url=url)]])


def mini_app_keyboard(label: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("Connect {provider}", provider=label), web_app=WebAppInfo(url=url))]]
    )


def link_opened_by_someone_else(label: str) -> str:
    return t(
        "⚠️ Someone else opened your {provider} connect link, so I stopped: nothing was connected and the "
        "link no longer works. Never forward connect links. Send /connect when you want a new one.",
        provider=esc(label),
    )


def unavailable(label: str) -> str:
    return t(
        "{provider} is unavailable on this bot: no {provider} app is registered for it yet. "
        "/connect shows what you can connect.",
        provider=esc(label),
    )


def unknown_provider(name: str, infos: Sequence[ProviderInfo]) -> str:
    names = ", ".join(f"<code>{esc(i.name)}</code>" for i in infos)
    return t(
        "I don't know a provider called <code>{name}</code>. I can connect: {names}.",
        name=quote_input(name),
        names=names,
    )


def connected(label: str, display_name: str | None, *, provider: str) -> str:
    """``provider`` is the name commands take (``intervals``), ``label`` the one people read (Intervals.icu)."""
    if display_name:
        return t(
            "✅ <b>{provider} connected</b> as {name}. I'll import your recent history and keep it up to date; "
            "/status shows how it's going. If this wasn't you, send <code>/disconnect {command}</code>.",
            provider=esc(label),
            name=esc(display_name),
            command=esc(provider),
        )
    return t(
        "✅ <b>{provider} connected</b>. I'll import your recent history and keep it up to date; "
        "/status shows how it's going. If this wasn't you, send <code>/disconnect {command}</code>.",
        provider=esc(label),
        command=esc(provider),
    )


def declined(label: str) -> str:
    return t("{provider} was not connected: access was declined. Send /connect to try again.", provider=esc(label))


def connect_failed(label: str) -> str:
    return t(
        "I couldn't finish connecting {provider}: it didn't give me working access. Nothing was stored. "
        "Please try /connect again in a few minutes.",
        provider=esc(label),
    )


def api_key_checking(*, pasted: bool = False) -> str:
    if pasted:
        return t(
            "That looks like an Intervals.icu API key, so I've deleted your message (a key shouldn't stay in "
            "the chat) and I'm checking it with Intervals.icu…"
        )
    return t("Checking your Intervals.icu API key… (I've deleted your message so the key isn't left in the chat.)")


def api_key_not_deleted() -> str:
    return t("I couldn't delete your message with the key — please delete it yourself. Checking the key now…")


def api_key_usage() -> str:
    return t("Send the key like this: <code>/connect intervals YOUR_KEY</code>.")


def api_key_refused() -> str:
    return t(
        "Intervals.icu didn't accept that API key, so nothing was stored. Copy it again from "
        "intervals.icu → Settings → Developer Settings."
    )


def api_key_unchecked() -> str:
    return t(
        "I couldn't reach Intervals.icu to check that key (it may be down, or the network is), so nothing was "
        "stored and your key was not refused. Try /connect intervals YOUR_KEY again in a few minutes."
    )


def api_key_unavailable() -> str:
    return t("Intervals.icu is not set up on this bot, so nothing was stored. /status shows what you can connect.")


def reconnect_needed(label: str) -> str:
    return t(
        "⚠️ <b>{provider} needs reconnecting.</b> It no longer accepts my access (it was revoked or "
        "expired), so I can't import new data from it. Your existing data is safe. Tap to reconnect.",
        provider=esc(label),
    )


def reconnect_keyboard(label: str, action_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(t("Reconnect {provider}", provider=label), action_id)]])


def disconnect_usage(connections: Sequence[Connection]) -> str:
    if not connections:
        return t("Nothing is connected. /connect shows what you can connect.")
    names = ", ".join(f"<code>/disconnect {esc(c.provider)}</code>" for c in connections)
    return t("Which one? {names}", names=names)


def disconnected(result: Disconnected) -> str:
    label = esc(result.label)
    if not result.was_connected:
        return t("{provider} isn't connected.", provider=label)
    revoked = (
        t(
            "I've deleted your API key. To be sure it's never used again, delete or regenerate it in your "
            "{provider} settings.",
            provider=label,
        )
        if result.api_key
        else t("I've revoked my access at {provider} and deleted my tokens.", provider=label)
        if result.revoked
        else t(
            "I've deleted my tokens; {provider} could not confirm the revocation, so you can also remove "
            "Coach Watts in your account settings there.",
            provider=label,
        )
    )
    return t(
        "<b>{provider} disconnected.</b> {revoked} The workouts and recovery data already imported stay in your "
        "history (your trends depend on them); nothing new will arrive from it. /connect to link it again.",
        provider=label,
        revoked=revoked,
    )


def nothing_connected(connectable: Sequence[str]) -> str:
    """No connection yet; ``connectable``: the labels this bot can really connect (its registered apps)."""
    if not connectable:
        return t(
            "No providers connected yet, and this bot has no provider app registered to connect one. "
            "/demo shows what I do with a season of data."
        )
    names = (
        t("{names} or {last}", names=", ".join(connectable[:-1]), last=connectable[-1])
        if len(connectable) > 1
        else connectable[0]
    )
    return t("No providers connected yet. /connect to add {names}.", names=esc(names))


def status(connections: Sequence[Connection], tz: str, connectable: Sequence[str] = ()) -> str:
    if not connections:
        return nothing_connected(connectable)
    lines = [t("<b>Your connections</b>")]
    for c in connections:
        if c.auth_lost:
            state = t("needs reconnecting")
        elif c.status == "SYNCING":
            state = t("syncing now")
        elif c.status == "INTERRUPTED":
            state = t("last sync was interrupted (the next one carries on where it stopped)")
        elif c.status == "FAILED":
            state = t("last sync failed (I'll retry)")
        else:
            state = t("active")
        how = " " + t("(API key)") if c.auth_method == "api_key" else ""
        since = t(
            "connected since {since}, last sync {last}", since=_when(c.connected_at, tz), last=_when(c.last_sync_at, tz)
        )
        lines.append(f"\n<b>{esc(c.label)}</b>{how} — {state}\n{since}")
        if c.error:
            # Stored in English; a stored sentence the catalogs know is shown in the athlete's language.
            lines.append(t("problem: {problem}", problem=esc(t(c.error))))
    return "\n".join(lines)


def not_set_up() -> str:
    return t("Connecting providers isn't set up on this bot.")
