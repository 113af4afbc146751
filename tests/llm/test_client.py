"""The real google-genai client against the fake server: wire format, retries, deadline, circuit."""

from __future__ import annotations

import asyncio
import socket

import pytest
from google.genai import types
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime import open_llm
from bot.settings import Settings
from coach.llm.client import Circuit, GeminiClient, LlmError, LlmUnavailable
from tests.fakes import gemini as fake
from tests.llm.conftest import API_KEY, Gemini, short_config

CONFIG = types.GenerateContentConfig(system_instruction="be brief", max_output_tokens=200)
CONTENTS = [types.Content(role="user", parts=[types.Part.from_text(text="hello")])]


class Sleeps:
    """Records the waits the client asked for instead of waiting (the deadline still uses real time)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_text_reply_over_the_real_wire_protocol(gemini: Gemini, client: GeminiClient) -> None:
    gemini.fake.script(fake.text("Easy spin today."))
    response = await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert response.text == "Easy spin today."
    assert response.usage_metadata is not None and response.usage_metadata.total_token_count == 160
    [request] = gemini.fake.requests
    assert request.path == "/v1beta/models/gemini-3.8-flash:generateContent"
    assert request.api_key == API_KEY
    assert request.body["contents"] == [{"role": "user", "parts": [{"text": "hello"}]}]
    assert request.body["systemInstruction"]["parts"] == [{"text": "be brief"}]
    assert request.body["generationConfig"]["maxOutputTokens"] == 200


async def test_function_calls_arrive_as_function_calls(gemini: Gemini, client: GeminiClient) -> None:
    gemini.fake.script(fake.calls(("get_profile", {}), ("get_training_load", {"days": 42})))
    response = await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert [(c.name, c.args) for c in response.function_calls or []] == [
        ("get_profile", {}),
        ("get_training_load", {"days": 42}),
    ]


async def test_429_waits_what_the_server_asked_then_succeeds(gemini: Gemini) -> None:
    sleeps = Sleeps()
    client = GeminiClient(short_config(gemini.url), sleep=sleeps)
    gemini.fake.script(fake.rate_limited("0.25s"), fake.text("ok"))
    response = await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert response.text == "ok"
    assert sleeps.waits == [0.25]
    assert len(gemini.fake.generate_requests) == 2
    await client.aclose()


async def test_429_asking_for_longer_than_the_deadline_gives_up_at_once_and_opens_the_circuit(
    gemini: Gemini,
) -> None:
    sleeps = Sleeps()
    client = GeminiClient(short_config(gemini.url), sleep=sleeps)
    gemini.fake.script(fake.rate_limited("37s"))
    with pytest.raises(LlmError):
        await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert sleeps.waits == []
    assert len(gemini.fake.generate_requests) == 1
    assert client.circuit.is_open
    with pytest.raises(LlmUnavailable):
        await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert len(gemini.fake.generate_requests) == 1  # the open circuit sent nothing
    await client.aclose()


async def test_500s_are_retried_with_backoff_then_given_up(gemini: Gemini) -> None:
    sleeps = Sleeps()
    client = GeminiClient(short_config(gemini.url), sleep=sleeps)
    gemini.fake.default = fake.server_error()
    with pytest.raises(LlmError):
        await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert len(gemini.fake.generate_requests) == 3
    assert len(sleeps.waits) == 2 and sleeps.waits[1] > sleeps.waits[0] * 1.5 - 0.01
    await client.aclose()


async def test_a_hanging_server_ends_at_the_request_timeout(gemini: Gemini) -> None:
    client = GeminiClient(short_config(gemini.url, attempts=1))
    gemini.fake.script(fake.hang(30))
    with pytest.raises(LlmError, match=r"TimeoutError|ReadTimeout"):
        await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    await client.aclose()


async def test_a_refused_connection_is_a_transport_failure_retried_then_given_up() -> None:
    """Whatever HTTP libraries are installed (aiohttp is, for the bot's Bot API calls), Gemini's requests go
    through httpx2, whose transport errors are the ones retried and counted against the circuit."""
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    client = GeminiClient(short_config(f"http://127.0.0.1:{port}"), sleep=sleeps)
    with pytest.raises(LlmError, match="ConnectError"):
        await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert len(sleeps.waits) == 2  # three attempts
    await client.aclose()


async def test_client_errors_are_not_retried(gemini: Gemini) -> None:
    sleeps = Sleeps()
    client = GeminiClient(short_config(gemini.url, model="gemini-0-retired"), sleep=sleeps)
    with pytest.raises(LlmError, match="404"):
        await client.generate(CONTENTS, CONFIG, deadline=client.deadline())
    assert len(gemini.fake.requests) == 1 and sleeps.waits == []
    await client.aclose()


async def test_model_check_against_the_model_list(gemini: Gemini) -> None:
    ok = GeminiClient(short_config(gemini.url))
    retired = GeminiClient(short_config(gemini.url, model="gemini-2.5-flash"))
    offline = GeminiClient(short_config("http://127.0.0.1:9"))
    assert await ok.check_model() is True
    assert await retired.check_model() is False
    assert await offline.check_model(timeout_s=2) is None
    for c in (ok, retired, offline):
        await c.aclose()


def test_circuit_opens_after_consecutive_failures_and_closes_after_a_good_trial() -> None:
    now = [0.0]
    circuit = Circuit(failures=3, open_s=10, clock=lambda: now[0])
    for _ in range(2):
        circuit.failure()
    assert circuit.allow()
    circuit.success()  # a success resets the count
    for _ in range(3):
        assert circuit.allow()
        circuit.failure()
    assert not circuit.allow()
    now[0] = 10.5
    assert circuit.allow()  # half-open: one trial
    assert not circuit.allow()  # ... and only one
    circuit.failure()
    assert not circuit.allow()  # the trial failed: open again
    now[0] = 21.0
    assert circuit.allow()
    circuit.success()
    assert circuit.allow() and circuit.allow()


async def test_start_up_checks_the_configured_model_and_passes_the_base_url(
    gemini: Gemini, sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, GEMINI_API_KEY=API_KEY, GEMINI_BASE_URL=gemini.url, GEMINI_MODEL="gemini-2.5-flash"
    )
    async with open_llm(settings, sessions) as llm:
        assert llm is not None and llm.model == "gemini-2.5-flash"
    assert "GEMINI_MODEL gemini-2.5-flash is not in Gemini's model list" in caplog.text
    assert [r.path for r in gemini.fake.requests] == ["/v1beta/models"]
    assert API_KEY not in caplog.text
    async with open_llm(Settings(_env_file=None), sessions) as none:  # type: ignore[call-arg]
        assert none is None


async def test_a_cancelled_trial_request_does_not_wedge_the_circuit(gemini: Gemini) -> None:
    now = [0.0]
    client = GeminiClient(short_config(gemini.url, circuit_failures=1, circuit_open_s=10), clock=lambda: now[0])
    client.circuit.failure()
    now[0] = 11.0  # half-open: the next request is the trial
    gemini.fake.script(fake.hang(30))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):  # the caller gives up first (e.g. the answer's own deadline)
            await client.generate(CONTENTS, CONFIG, deadline=now[0] + 5)
    assert client.circuit.allow()  # the cancelled trial proved nothing: another may run
    await client.aclose()
