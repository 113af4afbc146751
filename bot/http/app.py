"""The Starlette app served next to the bot (same process, same event loop, see `bot.asgi_server`).

Routes:

- ``GET /healthz``, ``/readyz``, ``/metrics`` — liveness, readiness and Prometheus metrics
  (`bot.http.observability`).
- ``GET /oauth/{provider}/callback`` — where providers send the user back after authorizing.
- ``GET|POST /connect/{link}`` — the Mini App page behind a connect button (`bot.http.miniapp`).
- ``/webhooks/…`` — the mount point for provider webhooks (``/webhooks/{provider}``) and the Telegram
  webhook: pass their routes as ``webhook_routes``; they get the same app and the same dependencies.

Every request passes `bot.http.limits.BodyLimits` first: `BODY_LIMITS` is the most each path may send
(the README's "HTTP limits" table), anything else (the GET routes, unknown paths) may send no body.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from bot import telegram_webhook
from bot.http import languages, miniapp, oauth, observability, pages
from bot.http.deps import HttpDeps, page
from bot.http.limits import BODY_READ_TIMEOUT_S, BodyLimits
from coach import i18n
from integrations.sync import webhooks

# Longest matching prefix wins. Each is also enforced by the route's own `limits.read_body`.
BODY_LIMITS: tuple[tuple[str, int], ...] = (
    ("/webhooks/telegram", telegram_webhook.MAX_BODY_BYTES),
    ("/webhooks/intervals", webhooks.INTERVALS_MAX_BODY_BYTES),
    ("/webhooks/", webhooks.MAX_BODY_BYTES),
    ("/connect/", miniapp.MAX_BODY_BYTES),
)


async def _not_found(request: Request, exc: Exception) -> Response:
    with i18n.use(languages.of_browser(request)):
        return page(pages.not_found(), 404)


def build_http_app(
    deps: HttpDeps, *, webhook_routes: Sequence[BaseRoute] = (), body_timeout_s: float = BODY_READ_TIMEOUT_S
) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", observability.healthz, methods=["GET"]),
            Route("/readyz", observability.readyz, methods=["GET"]),
            Route("/metrics", observability.metrics, methods=["GET"]),
            Route("/oauth/{provider}/callback", oauth.callback, methods=["GET"]),
            *miniapp.ROUTES,
            Mount("/webhooks", routes=list(webhook_routes)),
        ],
        exception_handlers={404: _not_found},
        middleware=[Middleware(BodyLimits, limits=BODY_LIMITS, default_bytes=0, timeout_s=body_timeout_s)],
    )
    app.state.deps = deps
    return app
