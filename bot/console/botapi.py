"""A local Bot API server: the real HTTP protocol of api.telegram.org, served from memory.

The console (`coach-watts chat`) and the end-to-end tests point the real python-telegram-bot client at
it, so the bot under test is exactly the bot in production. It speaks what PTB sends
(``POST /bot<TOKEN>/<method>`` as form, multipart or JSON; every field JSON-encoded unless a plain string)
and answers in Telegram's envelope (``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", …}``).

Methods: getMe, deleteWebhook, setWebhook, getWebhookInfo, getUpdates (long poll), sendMessage,
editMessageText, editMessageReplyMarkup, answerCallbackQuery, setMyCommands, getMyCommands,
sendChatAction, sendPhoto, sendDocument, sendLocation, getFile (+ file download), deleteMessage, close, logOut.

The other side — a person or a test — uses the Python methods: `send_text`, `press_button`,
`send_document`, `send_location`, `post_in_channel`, and `next_reply` / `replies` to read what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JsonDict = dict[str, Any]

# Telegram's limits (Bot API, sendMessage and the caption of any media): longer is a 400.
MESSAGE_CHARS = 4096
CAPTION_CHARS = 1024

BOT_USER: JsonDict = {
    "id": 7_000_000_001,
    "is_bot": True,
    "first_name": "Coach Watts",
    "username": "coach_watts_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(slots=True)
class Sent:
    """One message the bot sent (or edited), as the server stored it."""

    method: str
    chat_id: int
    message: JsonDict
    params: JsonDict

    @property
    def text(self) -> str:
        return str(self.message.get("text") or self.message.get("caption") or "")

    @property
    def buttons(self) -> list[JsonDict]:
        markup = self.message.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def keyboard(self) -> list[JsonDict]:
        """The buttons of a reply keyboard (``{"text", "request_location"?}``), as sent with the message."""
        markup = self.params.get("reply_markup") or {}
        return [b if isinstance(b, dict) else {"text": b} for row in markup.get("keyboard", []) for b in row]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.params.get("reply_markup") or {}).get("remove_keyboard"))

    def button(self, text: str) -> JsonDict:
        """The inline button labelled ``text`` as it was sent, even if an edit took it away since."""
        markup = self.params.get("reply_markup") or {}
        sent = [b for row in markup.get("inline_keyboard", []) for b in row]
        for b in sent:
            if b.get("text") == text:
                return dict(b)
        raise KeyError(f"no button {text!r} among {[b.get('text') for b in sent]}")


@dataclass(slots=True)
class _ChatLog:
    sent: list[Sent] = field(default_factory=list)
    read: int = 0


class LocalBotApi:
    """State and behaviour of one local Bot API server for one bot token."""

    def __init__(self, token: str, *, bot_user: JsonDict | None = None) -> None:
        self.token = token
        self.bot_user = bot_user or BOT_USER
        self.commands: list[JsonDict] = []
        # The menu for each language_code it was set for ("" is the default menu, the one `commands` holds).
        self.menus: dict[str, list[JsonDict]] = {}
        self.webhook: JsonDict = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        self.webhook_secret: str | None = None
        self.calls: list[tuple[str, JsonDict]] = []
        self._updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._new_reply = asyncio.Condition()
        self._chats: dict[int, _ChatLog] = {}
        # answerCallbackQuery calls by callback query id, so a test can read what a press was answered.
        self.callback_answers: dict[str, JsonDict] = {}
        self._new_answer = asyncio.Condition()
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self.files: dict[str, StoredFile] = {}
        # Tests may inject a failure for a method: a callable returning an ApiError to raise, or None.
        self.faults: dict[str, Callable[[JsonDict], ApiError | None]] = {}
        self._methods: dict[str, Callable[[JsonDict], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendChatAction": self._true,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendLocation": self._send_location,
            "getFile": self._get_file,
            "deleteMessage": self._delete_message,
            "close": self._true,
            "logOut": self._true,
        }

    # ----------------------------------------------------------------- the HTTP side

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )

    async def _endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.path_params["method"]
        handler = self._methods.get(method)
        if handler is None:
            return _error(ApiError(404, "Not Found: method not found"))
        try:
            params = await _read_params(request)
            self.calls.append((method, params))
            fault = self.faults.get(method)
            if fault is not None and (injected := fault(params)) is not None:
                raise injected
            result = await handler(params)
        except ApiError as err:
            return _error(err)
        return JSONResponse({"ok": True, "result": result})

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")
        return Response(status_code=404)

    # ----------------------------------------------------------------- Bot API methods

    async def _true(self, params: JsonDict) -> bool:
        return True

    async def _answer_callback_query(self, params: JsonDict) -> bool:
        async with self._new_answer:
            self.callback_answers[str(params.get("callback_query_id"))] = params
            self._new_answer.notify_all()
        return True

    async def _get_me(self, params: JsonDict) -> JsonDict:
        return self.bot_user

    async def _delete_webhook(self, params: JsonDict) -> bool:
        self.webhook["url"] = ""
        return True

    async def _set_webhook(self, params: JsonDict) -> bool:
        self.webhook["url"] = params.get("url", "")
        self.webhook["allowed_updates"] = params.get("allowed_updates") or []
        # Not part of getWebhookInfo on Telegram either; kept so tests can post as Telegram would.
        self.webhook_secret = params.get("secret_token")
        return True

    async def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        return self.webhook | {"pending_update_count": len(self._updates)}

    async def _set_my_commands(self, params: JsonDict) -> bool:
        language = str(params.get("language_code") or "")
        self.menus[language] = list(params.get("commands") or [])
        if not language:
            self.commands = self.menus[language]
        return True

    async def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        # As Telegram: a language without its own menu gets the default one.
        return self.menus.get(str(params.get("language_code") or ""), self.commands)

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        async with self._new_update:
            # Confirming: every update below the offset is gone for good, as on Telegram's servers.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
            return self._updates[:limit]

    def _message(self, chat_id: int, extra: JsonDict) -> JsonDict:
        message_id = next(self._message_ids)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.bot_user,
        } | extra
        self._messages[(chat_id, message_id)] = message
        return message

    async def _record(self, method: str, chat_id: int, message: JsonDict, params: JsonDict) -> None:
        async with self._new_reply:
            # A snapshot: later edits of the same message are their own entries, in the order they happened.
            self._chats.setdefault(chat_id, _ChatLog()).sent.append(Sent(method, chat_id, dict(message), params))
            self._new_reply.notify_all()

    def _chat_id(self, params: JsonDict) -> int:
        try:
            return int(params["chat_id"])
        except (KeyError, ValueError) as err:
            raise ApiError(400, "Bad Request: chat not found") from err

    async def _send_message(self, params: JsonDict) -> JsonDict:
        chat_id = self._chat_id(params)
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        _check_length(text, MESSAGE_CHARS, "message is too long")
        extra: JsonDict = {"text": text}
        if (markup := params.get("reply_markup")) and "inline_keyboard" in markup:
            # Only inline keyboards belong to the message; a reply keyboard belongs to the chat's input field.
            extra["reply_markup"] = markup
        message = self._message(chat_id, extra)
        await self._record("sendMessage", chat_id, message, params)
        return message

    async def _send_location(self, params: JsonDict) -> JsonDict:
        chat_id = self._chat_id(params)
        try:
            latitude, longitude = float(params["latitude"]), float(params["longitude"])
        except (KeyError, TypeError, ValueError) as err:
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from err
        message = self._message(chat_id, {"location": {"latitude": latitude, "longitude": longitude}})
        await self._record("sendLocation", chat_id, message, params)
        return message

    def _existing(self, params: JsonDict) -> JsonDict:
        chat_id = self._chat_id(params)
        key = (chat_id, int(params.get("message_id") or 0))
        if key not in self._messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self._messages[key]

    async def _edit_message_text(self, params: JsonDict) -> JsonDict:
        message = self._existing(params)
        if not params.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        _check_length(params["text"], MESSAGE_CHARS, "message is too long")
        if message.get("text") == params.get("text") and message.get("reply_markup") == params.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params.get("text")
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        message["edit_date"] = int(time.time())
        await self._record("editMessageText", message["chat"]["id"], dict(message), params)
        return message

    async def _edit_reply_markup(self, params: JsonDict) -> JsonDict:
        message = self._existing(params)
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        await self._record("editMessageReplyMarkup", message["chat"]["id"], dict(message), params)
        return message

    async def _delete_message(self, params: JsonDict) -> bool:
        message = self._existing(params)
        self._messages.pop((message["chat"]["id"], message["message_id"]), None)
        return True

    def _store_upload(self, value: Any, default_name: str) -> StoredFile:
        if isinstance(value, _Upload):
            return self.add_file(value.content, file_name=value.filename or default_name, mime_type=value.content_type)
        if isinstance(value, str):
            if value in self.files:
                return self.files[value]
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, "Bad Request: there is no file in the request")

    async def _send_file(self, method: str, field_name: str, params: JsonDict) -> JsonDict:
        chat_id = self._chat_id(params)
        _check_length(params.get("caption") or "", CAPTION_CHARS, "message caption is too long")
        stored = self._store_upload(params.get(field_name), field_name)
        extra: JsonDict = {}
        if field_name == "photo":
            extra["photo"] = [
                {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 0, "height": 0}
            ]
        else:
            extra["document"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
            }
        if params.get("caption"):
            extra["caption"] = params["caption"]
        message = self._message(chat_id, extra)
        await self._record(method, chat_id, message, params)
        return message

    async def _send_photo(self, params: JsonDict) -> JsonDict:
        return await self._send_file("sendPhoto", "photo", params)

    async def _send_document(self, params: JsonDict) -> JsonDict:
        return await self._send_file("sendDocument", "document", params)

    async def _get_file(self, params: JsonDict) -> JsonDict:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # ----------------------------------------------------------------- the person's side

    def add_file(self, content: bytes, *, file_name: str | None, mime_type: str | None) -> StoredFile:
        file_id = "F" + secrets.token_hex(12)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id="U" + secrets.token_hex(6),
            file_path=f"documents/{file_id}_{file_name or 'file'}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[file_id] = stored
        return stored

    async def push_update(self, payload: JsonDict) -> JsonDict:
        """Queue a raw update (``update_id`` is assigned); returns the update as queued."""
        async with self._new_update:
            update = {"update_id": next(self._update_ids)} | payload
            self._updates.append(update)
            self._new_update.notify_all()
        return update

    @staticmethod
    def user(user_id: int, first_name: str = "Ann", **extra: Any) -> JsonDict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"} | extra

    def _incoming(self, user: JsonDict, chat: JsonDict | None, extra: JsonDict) -> JsonDict:
        chat = chat or {"id": user["id"], "type": "private", "first_name": user.get("first_name")}
        message_id = next(self._message_ids)
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user} | extra
        self._messages[(chat["id"], message_id)] = message
        return message

    async def send_text(self, user: JsonDict, text: str, *, chat: JsonDict | None = None) -> JsonDict:
        """The person types ``text``; a leading ``/command`` is marked as a bot command, as Telegram does."""
        extra: JsonDict = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.push_update({"message": self._incoming(user, chat, extra)})

    async def send_document(
        self, user: JsonDict, content: bytes, *, file_name: str, mime_type: str | None = None
    ) -> JsonDict:
        stored = self.add_file(content, file_name=file_name, mime_type=mime_type)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return await self.push_update({"message": self._incoming(user, None, {"document": document})})

    async def send_location(self, user: JsonDict, latitude: float, longitude: float) -> JsonDict:
        """The person shares a location (the attachment menu, or a ``request_location`` keyboard button)."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self.push_update({"message": self._incoming(user, None, {"location": location})})

    async def post_in_channel(self, channel: JsonDict, text: str) -> JsonDict:
        """A post in a channel the bot administers: a ``channel_post`` with ``sender_chat`` and no ``from``."""
        extra: JsonDict = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message_id = next(self._message_ids)
        post = {"message_id": message_id, "date": int(time.time()), "chat": channel, "sender_chat": channel} | extra
        self._messages[(channel["id"], message_id)] = post
        return await self.push_update({"channel_post": post})

    async def press_button(self, user: JsonDict, message: JsonDict, data: str) -> JsonDict:
        """The person taps an inline button carrying ``data`` under ``message``."""
        return await self.push_update(
            {
                "callback_query": {
                    "id": secrets.token_hex(8),
                    "from": user,
                    "chat_instance": str(message["chat"]["id"]),
                    "message": message,
                    "data": data,
                }
            }
        )

    async def callback_answer(self, press: JsonDict, *, wait_s: float = 10.0) -> JsonDict:
        """How the bot answered the button press ``press`` (the update `press_button` returned)."""
        query_id = str(press["callback_query"]["id"])
        async with self._new_answer:
            await asyncio.wait_for(self._new_answer.wait_for(lambda: query_id in self.callback_answers), wait_s)
            return self.callback_answers[query_id]

    def replies(self, chat_id: int) -> list[Sent]:
        return list(self._chats.get(chat_id, _ChatLog()).sent)

    async def next_reply(self, chat_id: int, *, wait_s: float = 10.0) -> Sent:
        """The next message for ``chat_id`` not read yet, waiting up to ``wait_s`` seconds."""
        async with self._new_reply:
            log = self._chats.setdefault(chat_id, _ChatLog())
            await asyncio.wait_for(self._new_reply.wait_for(lambda: len(log.sent) > log.read), wait_s)
            sent = log.sent[log.read]
            log.read += 1
            return sent

    async def drain(self, chat_id: int, *, quiet: float = 0.3, wait_s: float = 10.0) -> list[Sent]:
        """Every reply until the bot has been quiet for ``quiet`` seconds (at least one is awaited)."""
        out = [await self.next_reply(chat_id, wait_s=wait_s)]
        while True:
            try:
                out.append(await self.next_reply(chat_id, wait_s=quiet))
            except TimeoutError:
                return out


async def _read_params(request: Request) -> JsonDict:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        data: JsonDict = json.loads(body) if body else {}
        return data
    form = await request.form()
    params: JsonDict = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            params[key] = _Upload(content, value.filename, value.content_type)
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    # PTB refers to an uploaded part as "attach://<name>"; resolve it into the file itself.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.get(value.removeprefix("attach://"), value)
    return params


@dataclass(slots=True)
class _Upload:
    content: bytes
    filename: str | None
    content_type: str | None


def _check_length(text: str, limit: int, refusal: str) -> None:
    """Telegram counts UTF-16 code units of the text after entity parsing; counting the raw text (tags
    included) can only refuse more, so a message this server accepts, Telegram accepts too."""
    if len(text.encode("utf-16-le")) // 2 > limit:
        raise ApiError(400, f"Bad Request: {refusal}")


def _error(err: ApiError) -> JSONResponse:
    body: JsonDict = {"ok": False, "error_code": err.code, "description": err.description}
    if err.parameters:
        body["parameters"] = err.parameters
    return JSONResponse(body, status_code=err.code)
