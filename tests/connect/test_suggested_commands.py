"""Every command a message of the bot suggests works as written.

The suggestions are collected from the text modules themselves: each ``<code>/…</code>`` or ``<b>/…</b>`` with
its arguments, each bare ``/command`` in running text, and the examples of the settings. A suggestion built
from data (a provider's name) is rendered for every provider. Each then goes through the real bot, as a
person would type it, and must not be answered as unknown, malformed or refused.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot import texts
from bot.http import pages
from bot.texts import connect as texts_connect
from bot.texts import reports as texts_reports
from coach import places
from coach.profile import SETTINGS
from integrations.connect import OAUTH
from tests.connect.conftest import ANN, ConnectHarness

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("bot/texts/*.py"), ROOT / "bot/http/pages.py", ROOT / "bot/http/miniapp.py"])
TAGGED = re.compile(r"<(code|b)>(/[a-z_]+(?: [^<]*)?)</\1>")
BARE = re.compile(r"(?<![\w/<>.:-])/([a-z_]+)\b(?![/.(])")
API_KEY = "CANARYKEY" + "5" * 20
# Pace units ("4:30/km", "7:15/mi") look like bare commands to the pattern; they are not suggestions.
UNITS = {"km", "mi"}

# Suggestions built from a provider's name or label, and how each is rendered for every provider.
TEMPLATED = {
    "/connect {escape(label.lower())}": lambda: [pages.denied(spec.label, bot_url=None) for spec in OAUTH.values()],
    "/disconnect {command}": lambda: [
        texts_connect.connected(spec.label, None, provider=name) for name, spec in OAUTH.items()
    ],
    "/disconnect {esc(c.provider)}": lambda: [texts_connect.disconnect_usage(_connections())],
}
# What the bot says when it does not take a command as typed.
REFUSALS = ("I don't know", "Nothing changed", texts.apology())
# How to use a command: the right answer to the bare command, a refusal of one with arguments.
USAGES = (
    texts.settings_usage(),
    texts_connect.api_key_usage(),
    texts_reports.race_usage(),
    texts_reports.report_usage(),
)


def _connections() -> list[object]:
    from types import SimpleNamespace

    return [SimpleNamespace(provider=name, label=spec.label) for name, spec in OAUTH.items()]


def suggested_commands() -> list[str]:
    found: set[str] = set()
    for source in SOURCES:
        code = source.read_text()
        for _tag, command in TAGGED.findall(code):
            if "{" in command:
                assert command in TEMPLATED, f"{source.name}: render {command!r} in TEMPLATED"
                continue
            found.add(command)
        if source.parent.name == "texts":  # the bot/texts package
            found |= {f"/{name}" for name in BARE.findall(code) if name not in UNITS}
    for render in TEMPLATED.values():
        for html in render():
            found |= {command for _tag, command in TAGGED.findall(html)}
    found |= {s.example for s in SETTINGS.values() if s.example.startswith("/")}
    # Deleting the account or disconnecting would change what the commands after them find: they go last.
    return sorted(found, key=lambda c: (c.startswith(("/deleteme", "/disconnect")), c))


def test_the_scan_finds_the_suggestions() -> None:
    commands = suggested_commands()
    assert {"/connect whoop", "/brief 07:30", "/status", "/disconnect intervals"} <= set(commands)


async def test_every_suggested_command_works_as_written(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    h.fakes["intervals"].add_api_key(API_KEY, user_id="i555")
    # The place names load once per process, slowly on a busy machine; not what this test is about.
    await asyncio.to_thread(places.warm_up)
    await h.ask(ANN, "/start")
    refused = {}
    for command in suggested_commands():
        if command.startswith("/deleteme"):
            continue  # its answer is a confirmation button; running it would end the account mid-test
        typed = command.replace("YOUR_KEY", API_KEY)
        if command.startswith("/disconnect"):
            await h.ask(ANN, f"/connect intervals {API_KEY}")  # each disconnect finds something to disconnect
        try:
            answers = [r.text for r in await h.ask(ANN, typed)]
        except TimeoutError:
            answers = ["(no answer)"]
        markers = REFUSALS + (USAGES if " " in command else ()) + ("(no answer)",)
        if bad := [a for a in answers if any(marker in a for marker in markers)]:
            refused[command] = bad[0][:120]
    assert refused == {}
