"""``/webhooks/{whoop,strava,oura,intervals}``: verify, store, answer; the work is a job per stored row.

Verification and parsing are in `integrations.sync.webhooks`; storing (each new event with its job on the
queue, in one transaction) and processing in `integrations.sync.events`. A delivery that is not authentic
gets 401 with nothing stored and nothing fetched, and one log line without payload or secret. Strava's events
are unsigned, so every Strava delivery — accepted, for another subscription, for an athlete we do not know,
unreadable — gets the same empty 200: the answer tells a sender nothing about our subscription id or our
athletes. The 200 goes out only after the event row and its job are committed (Strava wants it within 2 s,
WHOOP and Oura within about 10 s; the fetch is never on that path). Which events become rows is
`integrations.sync.admission`'s rule: one waiting row per object, a budget of rows per athlete.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.http.limits import read_body
from integrations.sync import webhooks
from integrations.sync.events import EventInbox
from integrations.sync.webhooks import INTERVALS_MAX_BODY_BYTES, MAX_BODY_BYTES, Event, Malformed, Refused

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookSecrets:
    """What each provider's deliveries are checked against; None turns that provider's webhook off."""

    whoop_client_secret: str | None = None
    oura_client_secret: str | None = None
    oura_verification_token: str | None = None
    strava_verify_token: str | None = None
    strava_subscription_id: int | None = None
    intervals_secret: str | None = None


class ProviderWebhooks:
    def __init__(self, inbox: EventInbox, secrets: WebhookSecrets, *, clock: Callable[[], datetime]) -> None:
        self.inbox = inbox
        self.secrets = secrets
        self.clock = clock

    def routes(self) -> list[Route]:
        return [
            Route("/whoop", self._whoop, methods=["POST"]),
            Route("/oura", self._oura_handshake, methods=["GET"]),
            Route("/oura", self._oura, methods=["POST"]),
            Route("/strava", self._strava_handshake, methods=["GET"]),
            Route("/strava", self._strava, methods=["POST"]),
            Route("/intervals", self._intervals, methods=["POST"]),
        ]

    async def _accept(
        self,
        provider: str,
        request: Request,
        parse: Callable[[bytes], list[Event]],
        *,
        max_bytes: int = MAX_BODY_BYTES,
        headers_check: Callable[[], None] | None = None,
    ) -> Response:
        """``headers_check`` refuses (raises `Refused`) what the headers alone show is not authentic, so
        such a request is answered 401 before its body is read."""
        try:
            if headers_check is not None:
                headers_check()
            body = await read_body(request, max_bytes=max_bytes)
            events = parse(body)
        except Refused as err:
            logger.warning("security: %s webhook refused (%s)", provider, err)
            return Response(status_code=401)
        except Malformed as err:
            logger.warning("%s webhook not readable: %s", provider, err)
            return Response(status_code=400)
        await self.inbox.receive(events)  # committed, with its jobs, before the 200
        return Response(status_code=200)

    @staticmethod
    def _off(provider: str) -> Response:
        logger.warning("security: %s webhook called but not configured", provider)
        return Response(status_code=401)

    # ----------------------------------------------------------------- WHOOP

    async def _whoop(self, request: Request) -> Response:
        secret = self.secrets.whoop_client_secret
        if not secret:
            return self._off("whoop")
        headers = {k.lower(): v for k, v in request.headers.items()}
        return await self._accept(
            "whoop",
            request,
            lambda b: webhooks.whoop_events(secret, headers, b, self.clock()),
            headers_check=lambda: webhooks.whoop_headers(headers, self.clock()),
        )

    # ----------------------------------------------------------------- Oura

    async def _oura_handshake(self, request: Request) -> Response:
        token = self.secrets.oura_verification_token
        given = request.query_params.get("verification_token", "")
        challenge = request.query_params.get("challenge")
        if not token or challenge is None or not hmac.compare_digest(given.encode(), token.encode()):
            logger.warning("security: Oura webhook verification refused")
            return Response(status_code=401)
        return JSONResponse({"challenge": challenge})

    async def _oura(self, request: Request) -> Response:
        secret = self.secrets.oura_client_secret
        if not secret:
            return self._off("oura")
        headers = {k.lower(): v for k, v in request.headers.items()}
        return await self._accept(
            "oura",
            request,
            lambda b: webhooks.oura_events(secret, headers, b, self.clock()),
            headers_check=lambda: webhooks.oura_headers(headers, self.clock()),
        )

    # ----------------------------------------------------------------- Strava

    async def _strava_handshake(self, request: Request) -> Response:
        token = self.secrets.strava_verify_token
        q = request.query_params
        given = q.get("hub.verify_token", "")
        if not token or q.get("hub.mode") != "subscribe" or "hub.challenge" not in q:
            return Response(status_code=401 if not token else 400)
        if not hmac.compare_digest(given.encode(), token.encode()):
            logger.warning("security: Strava subscription handshake with a wrong verify token")
            return Response(status_code=401)
        return JSONResponse({"hub.challenge": q["hub.challenge"]})

    async def _strava(self, request: Request) -> Response:
        subscription = self.secrets.strava_subscription_id
        if subscription is None:
            return self._off("strava")
        body = await read_body(request, max_bytes=MAX_BODY_BYTES)
        try:
            events = webhooks.strava_events(subscription, body)
        except (Refused, Malformed) as err:
            logger.warning("security: strava webhook refused (%s)", err)
            return Response(status_code=200)
        events = [e for e in events if await self.inbox.known_owner("strava", e.owner)]
        if events:
            await self.inbox.receive(events)  # committed before the 200
        else:
            logger.info("strava webhook for an athlete we do not know: ignored")
        return Response(status_code=200)

    # ----------------------------------------------------------------- Intervals.icu

    async def _intervals(self, request: Request) -> Response:
        secret = self.secrets.intervals_secret
        if not secret:
            return self._off("intervals")
        return await self._accept(
            "intervals", request, lambda b: webhooks.intervals_events(secret, b), max_bytes=INTERVALS_MAX_BODY_BYTES
        )
