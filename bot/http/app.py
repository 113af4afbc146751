"""The Starlette app served next to the bot (same process, same event loop, see `bot.asgi_server`).

Routes:

- ``GET /healthz`` — liveness for a load balancer or a supervisor.
- ``GET /oauth/{provider}/callback`` — where providers send the user back after authorizing.
- ``GET|POST /connect/{link}`` — the Mini App page behind a connect button (`bot.http.miniapp`).
- ``/webhooks/…`` — the mount point for provider webhooks (``/webhooks/{provider}``) and the Telegram
  webhook: pass their routes as ``webhook_routes``; they get the same app and the same dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from bot.http import miniapp, oauth, pages
from bot.http.deps import HttpDeps, deps_of, page


async def healthz(request: Request) -> Response:
    deps = deps_of(request)
    try:
        async with deps.sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure here means "not healthy", which is the answer
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def _not_found(request: Request, exc: Exception) -> Response:
    return page(pages.not_found(), 404)


def build_http_app(deps: HttpDeps, *, webhook_routes: Sequence[BaseRoute] = ()) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/oauth/{provider}/callback", oauth.callback, methods=["GET"]),
            *miniapp.ROUTES,
            Mount("/webhooks", routes=list(webhook_routes)),
        ],
        exception_handlers={404: _not_found},
    )
    app.state.deps = deps
    return app
