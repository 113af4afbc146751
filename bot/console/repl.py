"""The console loop: read a line, hand it to the local Bot API as a Telegram message, print the replies.

Inline keyboards and reply keyboards are shown as numbered choices (type the number to tap); a keyboard
button that asks for the location prompts for coordinates, and ``!location <lat> <lon>`` shares one at any
time. Photos and documents are saved to files whose paths are printed, and ``/upload PATH`` sends a file
from disk as if attached in Telegram.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.console.botapi import JsonDict, LocalBotApi, Sent
from bot.console.render import to_terminal

CONSOLE_USER_ID = 1_000_000_001
CONSOLE_USER_NAME = "Athlete"
REPLY_TIMEOUT_S = 60.0
QUIET_S = 0.6
UPLOAD = "/upload"  # handled by the console itself, never sent to the bot

BANNER = (
    "Coach Watts — local console. You are talking to the real bot through a local Bot API server.\n"
    "Type a message (try /start, /demo, 'how should I train today?'), a number to tap a button, "
    "/upload PATH to send a file (e.g. a .fit ride), '!location 52.52 13.40' to share a location, "
    "or 'quit' to leave."
)
LOCATION_COMMAND = "!location"
_COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$")
# What "share my location" sends when the prompt for coordinates is left empty: central Berlin.
DEFAULT_LOCATION = (52.52, 13.405)


class Console:
    def __init__(self, api: LocalBotApi, files_dir: Path, *, out: TextIO = sys.stdout) -> None:
        self.api = api
        self.files_dir = files_dir
        self.out = out
        self.user: JsonDict = api.user(CONSOLE_USER_ID, CONSOLE_USER_NAME)
        self._buttons: list[tuple[JsonDict, JsonDict]] = []  # (button, message it hangs under)
        self._keyboard: list[JsonDict] = []  # the reply keyboard under the input field, if any
        self._awaiting_location = False
        self._ansi = out.isatty()

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _show(self, sent: Sent) -> None:
        body = to_terminal(sent.text, ansi=self._ansi)
        prefix = "coach (edited) ›" if sent.method.startswith("edit") else "coach ›"
        if sent.method in ("sendPhoto", "sendDocument"):
            path = self._save(sent)
            body = (body + "\n" if body else "") + f"[{sent.method.removeprefix('send').lower()} saved to {path}]"
        if sent.method == "sendLocation":
            location = sent.message["location"]
            body = f"[location {location['latitude']:.5f}, {location['longitude']:.5f}]"
        self.say(f"{prefix} {body}")
        if sent.removes_keyboard:
            self._keyboard = []
        if sent.keyboard:
            self._keyboard = sent.keyboard
        if sent.buttons:
            self._buttons = [(b, sent.message) for b in sent.buttons]
        elif sent.keyboard:
            self._buttons = []
        self._print_choices(sent)

    def _choices(self) -> list[JsonDict]:
        """Numbered choices: the last message's inline buttons, else the reply keyboard's."""
        return [b for b, _ in self._buttons] if self._buttons else self._keyboard

    def _print_choices(self, sent: Sent) -> None:
        if not (sent.buttons or sent.keyboard):
            return
        for i, button in enumerate(self._choices(), 1):
            target = f" → {button['url']}" if "url" in button else ""
            marker = " (shares your location)" if button.get("request_location") else ""
            self.say(f"   [{i}] {button.get('text', '')}{target}{marker}")

    def _save(self, sent: Sent) -> Path:
        message = sent.message
        file_id = message["photo"][-1]["file_id"] if "photo" in message else message["document"]["file_id"]
        stored = self.api.files[file_id]
        default = "photo.png" if "photo" in message else "document.bin"
        name = stored.file_name if stored.file_name and stored.file_name != "application.octet-stream" else default
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / f"{message['message_id']}-{name}"
        path.write_bytes(stored.content)
        return path

    async def _share_location(self, text: str) -> bool:
        """Send a location from ``lat, lon`` (empty: the default); False if the text is not coordinates."""
        if not text.strip():
            latitude, longitude = DEFAULT_LOCATION
        elif match := _COORDINATES.match(text):
            latitude, longitude = float(match.group(1)), float(match.group(2))
        else:
            return False
        await self.api.send_location(self.user, latitude, longitude)
        return True

    async def handle_line(self, line: str) -> None:
        raw, line = line, line.strip()
        if self._awaiting_location:
            self._awaiting_location = False
            if not await self._share_location(raw):
                self.say("(that is not 'latitude, longitude' — nothing shared)")
                return
        elif not line:
            return
        elif line.startswith(LOCATION_COMMAND):
            if not await self._share_location(line.removeprefix(LOCATION_COMMAND)):
                self.say("(usage: !location <latitude> <longitude>, e.g. !location 52.52 13.40)")
                return
        elif line.isdigit() and 1 <= int(line) <= len(choices := self._choices()):
            button = choices[int(line) - 1]
            if "url" in button:
                self.say(f"(open this link in a browser: {button['url']})")
                return
            if button.get("request_location"):
                self._awaiting_location = True
                lat, lon = DEFAULT_LOCATION
                self.say(f"(type your position as 'latitude, longitude', or press Enter for {lat}, {lon})")
                return
            if self._buttons:
                _, message = self._buttons[int(line) - 1]
                await self.api.press_button(self.user, message, button.get("callback_data", ""))
            else:
                await self.api.send_text(self.user, str(button.get("text", "")))
        elif line.startswith(UPLOAD):
            if not await self._upload(line.removeprefix(UPLOAD).strip()):
                return
        else:
            await self.api.send_text(self.user, line)
        try:
            for sent in await self.api.drain(CONSOLE_USER_ID, quiet=QUIET_S, wait_s=REPLY_TIMEOUT_S):
                self._show(sent)
        except TimeoutError:
            self.say("(no reply yet — it may still arrive after your next message)")

    async def _upload(self, raw_path: str) -> bool:
        """Send a file from disk as a document; False (with a note) when there is nothing to send."""
        found = await asyncio.to_thread(_read_file, raw_path)
        if found is None:
            self.say(f"(no file at {raw_path!r}: type {UPLOAD} followed by the path of a file)")
            return False
        name, content = found
        await self.api.send_document(self.user, content, file_name=name)
        return True

    async def run(self, stdin: TextIO = sys.stdin, *, notice: str | None = None) -> None:
        self.say(BANNER)
        if notice:
            self.say(notice)
        interactive = stdin.isatty()
        while True:
            line = await asyncio.to_thread(self._read, stdin, interactive)
            if line is None or line.strip().lower() in ("quit", "exit", "/quit"):
                self.say("Bye — train smart.")
                return
            if not interactive:
                self.say(f"you › {line.strip()}")
            await self.handle_line(line)

    @staticmethod
    def _read(stdin: TextIO, interactive: bool) -> str | None:
        try:
            return input("you › ") if interactive else (stdin.readline() or None)
        except EOFError:
            return None


def _read_file(raw_path: str) -> tuple[str, bytes] | None:
    path = Path(raw_path).expanduser()
    if not raw_path or not path.is_file():
        return None
    return path.name, path.read_bytes()
