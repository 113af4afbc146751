"""What the Gemini coach costs and how often it fails, for ``/metrics`` (Prometheus' default registry)."""

from __future__ import annotations

from prometheus_client import Counter

# One increment per HTTP request to generateContent (retries count separately), by how it ended:
# ok, rate_limited (429), server_error (5xx), client_error (other 4xx), timeout, transport, circuit_open.
REQUESTS = Counter("coach_watts_gemini_requests", "Gemini generateContent requests, by outcome", ["outcome"])
# Answers the rules had to give instead because Gemini gave none in time.
FAILURES = Counter("coach_watts_gemini_failures", "Gemini answers that failed (the rules answered instead)")
TOKENS = Counter("coach_watts_gemini_tokens", "Gemini tokens used, prompt and answer together")


def http_outcome(code: int | None) -> str:
    if code == 429:
        return "rate_limited"
    if code is not None and code >= 500:
        return "server_error"
    return "client_error"
