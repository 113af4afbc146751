"""The Starlette app served next to the bot (same process, same event loop, see `bot.asgi_server`).

Routes:

- ``GET /healthz``, ``/readyz``, ``/metrics`` — liveness, readiness and Prometheus metrics
  (`bot.http.observability`).
- ``GET /oauth/{provider}/callback`` — where providers send the user back after authorizing.
- ``GET|POST /connect/{link}`` — the Mini App page behind a connect button (`bot.http.miniapp`).
- ``/webhooks/…`` — the mount point for provider webhooks (``/webhooks/{provider}``) and the Telegram
  webhook: pass their routes as ``webhook_routes``; they get the same app and the same dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from bot.http import miniapp, oauth, observability, pages
from bot.http.deps import HttpDeps, page


async def _not_found(request: Request, exc: Exception) -> Response:
    return page(pages.not_found(), 404)


def build_http_app(deps: HttpDeps, *, webhook_routes: Sequence[BaseRoute] = ()) -> Starlette:
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
    )
    app.state.deps = deps
    return app
