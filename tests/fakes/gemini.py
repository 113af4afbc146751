"""A local Gemini API server: the real ``generateContent`` wire protocol, scripted replies, every request kept.

The real google-genai client runs against it (``HttpOptions(base_url=server.url, api_version="v1beta")``):
``POST /v1beta/models/{model}:generateContent`` with the camelCase body the SDK sends (``contents``,
``systemInstruction``, ``generationConfig``, ``tools``, ``toolConfig``), answered with ``candidates`` whose
parts carry ``text`` or ``functionCall``, plus ``usageMetadata``; errors use Google's JSON error shape
(a 429 can carry ``google.rpc.RetryInfo``); ``GET /v1beta/models`` lists models; ``countTokens`` counts.

A script is a queue of replies; each is a `Reply` or a function of the request body returning one (to
answer from what the client sent, e.g. the tool results). Every request body is recorded, so tests can
assert exactly what left the process.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JsonDict = dict[str, Any]

DEFAULT_MODELS = ("gemini-3.8-flash", "gemini-3.5-flash", "gemini-3.5-flash-lite")


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: JsonDict = field(default_factory=dict)
    hang_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    held: Hold | None = None  # answer only once the test releases it


@dataclass(frozen=True)
class Hold:
    """A request the fake keeps waiting: ``arrived`` is set when it comes in, the reply goes out on ``release``."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


Script = Reply | Callable[[JsonDict], Reply]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    model: str | None
    action: str | None
    body: JsonDict
    api_key: str | None


def _usage(prompt: int, output: int) -> JsonDict:
    return {"promptTokenCount": prompt, "candidatesTokenCount": output, "totalTokenCount": prompt + output}


def candidate(parts: list[JsonDict], *, tokens: tuple[int, int] = (120, 40), finish: str = "STOP") -> Reply:
    return Reply(
        body={
            "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}],
            "usageMetadata": _usage(*tokens),
            "modelVersion": "fake",
        }
    )


def text(value: str, *, tokens: tuple[int, int] = (120, 40)) -> Reply:
    return candidate([{"text": value}], tokens=tokens)


def json_output(value: object, *, tokens: tuple[int, int] = (120, 40)) -> Reply:
    """What Gemini sends for ``responseMimeType: application/json``: the JSON document as the text part."""
    return candidate([{"text": json.dumps(value)}], tokens=tokens)


def calls(*calls: tuple[str, JsonDict], tokens: tuple[int, int] = (100, 20)) -> Reply:
    return candidate([{"functionCall": {"name": name, "args": args}} for name, args in calls], tokens=tokens)


def error(status: int, code: str, message: str, *, retry_delay: str | None = None) -> Reply:
    body: JsonDict = {"error": {"code": status, "message": message, "status": code}}
    if retry_delay is not None:
        body["error"]["details"] = [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay},
        ]
    return Reply(status=status, body=body)


def rate_limited(retry_delay: str = "1s") -> Reply:
    return error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", retry_delay=retry_delay)


def server_error() -> Reply:
    return error(500, "INTERNAL", "An internal error has occurred.")


def hang(seconds: float = 60.0) -> Reply:
    return Reply(hang_s=seconds)


def held(reply: Reply, hold: Hold) -> Reply:
    """``reply``, sent only after ``hold.release`` is set (a model that takes as long as the test wants)."""
    return Reply(status=reply.status, body=reply.body, headers=reply.headers, held=hold)


# --------------------------------------------------------------------------- reading what the client sent


def function_responses(body: JsonDict) -> list[JsonDict]:
    """Every ``functionResponse`` part in the request, oldest first: ``{"name", "response"}``."""
    found = []
    for content in body.get("contents", []):
        for part in content.get("parts", []):
            if "functionResponse" in part:
                found.append(part["functionResponse"])
    return found


def user_texts(body: JsonDict) -> list[str]:
    return [
        part["text"]
        for content in body.get("contents", [])
        if content.get("role") == "user"
        for part in content.get("parts", [])
        if "text" in part
    ]


class FakeGemini:
    def __init__(self, *, models: Iterable[str] = DEFAULT_MODELS, default: Script | None = None) -> None:
        self.models = list(models)
        self.requests: list[Recorded] = []
        self._queue: deque[Script] = deque()
        self.default: Script = default or error(500, "INTERNAL", "the fake has no scripted reply left")

    def script(self, *replies: Script) -> None:
        self._queue.extend(replies)

    def clear(self) -> None:
        self._queue.clear()
        self.requests.clear()

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def generate_requests(self) -> list[JsonDict]:
        return [r.body for r in self.requests if r.action == "generateContent"]

    def sent_text(self) -> str:
        """Everything that left the process towards Gemini, as one string (for leak checks)."""
        return "\n".join(json.dumps(r.body, ensure_ascii=False) for r in self.requests)

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{version}/models", self._list_models, methods=["GET"]),
                Route("/{version}/models/{target:path}", self._model_call, methods=["GET", "POST"]),
            ]
        )

    async def _list_models(self, request: Request) -> Response:
        self._record(request, None, "list", {})
        return JSONResponse(
            {
                "models": [
                    {
                        "name": f"models/{name}",
                        "displayName": name,
                        "supportedGenerationMethods": ["generateContent", "countTokens"],
                    }
                    for name in self.models
                ]
            }
        )

    async def _model_call(self, request: Request) -> Response:
        target = request.path_params["target"]
        model, _, action = target.partition(":")
        body = json.loads(await request.body() or b"{}")
        self._record(request, model, action or None, body)
        if model not in self.models:
            return JSONResponse(
                {"error": {"code": 404, "message": f"models/{model} is not found", "status": "NOT_FOUND"}},
                status_code=404,
            )
        if action == "countTokens":
            return JSONResponse({"totalTokens": len(json.dumps(body)) // 4})
        if action != "generateContent":
            return JSONResponse({"error": {"code": 400, "message": "unsupported", "status": "INVALID_ARGUMENT"}}, 400)
        script = self._queue.popleft() if self._queue else self.default
        reply = script(body) if callable(script) else script
        if reply.held is not None:
            reply.held.arrived.set()
            await reply.held.release.wait()
        if reply.hang_s:
            await self._hang(request, reply.hang_s)
            return Response(status_code=504)
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

    @staticmethod
    async def _hang(request: Request, seconds: float) -> None:
        """Say nothing for ``seconds``, but stop as soon as the client gives up (so shutdown is quick)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end and not await request.is_disconnected():  # noqa: ASYNC110 - polls the socket
            await asyncio.sleep(0.02)

    def _record(self, request: Request, model: str | None, action: str | None, body: JsonDict) -> None:
        self.requests.append(
            Recorded(
                method=request.method,
                path=request.url.path,
                model=model,
                action=action,
                body=body,
                api_key=request.headers.get("x-goog-api-key"),
            )
        )
