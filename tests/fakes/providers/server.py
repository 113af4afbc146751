"""A fake OAuth 2.0 provider, configured per vendor by a `VendorSpec` (see the vendor modules).

What it does, like the real servers:

- **authorize** (GET): checks ``client_id``, ``redirect_uri``, ``response_type=code``; auto-approves and
  redirects to ``redirect_uri?code=…&state=…`` (plus ``scope=`` where the vendor reports the granted
  scopes), or ``?error=access_denied&state=…`` when `FakeProvider.deny` is set. PKCE challenges are kept
  and checked at the token endpoint.
- **token** (POST, form): ``authorization_code`` (single-use codes bound to the redirect URI) and
  ``refresh_token``. Access tokens expire after ``access_ttl_s``; refresh tokens **rotate**: each refresh
  returns a new one and the old one stops working; presenting an already-used refresh token **revokes the
  whole grant** (RFC 9700 §4.14, what WHOOP and Strava do), so every token of it is dead.
- **API**: the vendor's profile endpoint, authorized by a live bearer token (or, for Intervals.icu, an
  API key in HTTP Basic); 401 otherwise. `FakeProvider.routes` is where data endpoints are added.
- **revoke**: the vendor's revoke endpoint kills the grant.

Every request is recorded (`FakeProvider.requests`), and refreshes are counted, so tests can assert
"no token request was sent" or "exactly one refresh".
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, Router

from integrations.oauth.provider import ProviderApp

JsonDict = dict[str, Any]
Handler = Callable[["FakeProvider", Request, "Grant | None"], Awaitable[Response]]


@dataclass(frozen=True)
class VendorSpec:
    """Where a vendor's endpoints are and what its answers look like."""

    name: str
    oauth_prefix: str  # under the vendor's mount, e.g. "/oauth" → base URL …/whoop/oauth
    api_prefix: str
    authorize_path: str  # relative to the OAuth base
    token_path: str  # relative to the OAuth base, or "api:" + path relative to the API base
    profile_path: str  # relative to the API base
    profile: Callable[[Grant], JsonDict]
    revoke: tuple[str, str] | None = None  # (method, "api:path" or "oauth:path")
    scope_separator: str = " "
    access_ttl_s: int | None = 3600
    issues_refresh_token: Callable[[str], bool] = lambda scope: True
    token_extra: Callable[[Grant], JsonDict] = lambda grant: {}
    reports_granted_scope: bool = False
    api_key_auth: bool = False


@dataclass
class Grant:
    """One user's authorization of our app."""

    user_id: str
    first_name: str
    scope: str
    refresh_token: str | None = None
    used_refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: dict[str, float | None] = field(default_factory=dict)  # token → expiry (epoch s)
    revoked: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    authorization: str | None


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    client_id: str
    challenge: str | None
    expires: float


class FakeProvider:
    def __init__(self, spec: VendorSpec, *, client_id: str, client_secret: str) -> None:
        self.spec = spec
        self.client_id = client_id
        self.client_secret = client_secret
        self.deny = False
        # Set to answer every API call 503 (an outage at the provider), before any key is checked.
        self.unavailable = False
        # Some servers answer a refresh without a refresh token (the old one stays valid): set to mimic them.
        self.keep_refresh_token = False
        self.grants: list[Grant] = []
        self.api_keys: dict[str, Grant] = {}
        self.requests: list[RecordedRequest] = []
        self.refreshes = 0
        self.issued: list[str] = []  # every access and refresh token ever handed out (canaries for leak tests)
        self.code_exchanges = 0
        self.next_user = Grant(user_id="", first_name="Ann", scope="")
        self._codes: dict[str, _Code] = {}
        # Extra API routes (data endpoints, 429s, 5xx) go here, relative to the API base; see `add_api_route`.
        self.router = Router()

    # ------------------------------------------------------------------ test controls

    def token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(self._token_path_suffix())]

    def expire_access_tokens(self) -> None:
        for grant in self.grants:
            for token in grant.access_tokens:
                grant.access_tokens[token] = time.time() - 1

    def add_api_key(self, key: str, *, user_id: str = "i4242", first_name: str = "Ann") -> Grant:
        grant = Grant(user_id=user_id, first_name=first_name, scope="API_KEY")
        self.api_keys[key] = grant
        return grant

    def add_api_route(self, path: str, handler: Handler, *, methods: tuple[str, ...] = ("GET",)) -> None:
        """Serve ``handler(provider, request, grant)`` at ``path`` under the API base, for authorized calls."""
        self.router.routes.append(Route(path, self._api(handler), methods=list(methods)))

    def live_grants(self) -> list[Grant]:
        return [g for g in self.grants if not g.revoked]

    # ------------------------------------------------------------------ the ASGI app

    def mount(self) -> Mount:
        s = self.spec
        routes = [
            Route(s.oauth_prefix + s.authorize_path, self._authorize, methods=["GET"]),
            Route(self._token_route(), self._token, methods=["POST"]),
            Route(s.api_prefix + s.profile_path, self._api(self._profile), methods=["GET"]),
        ]
        if s.revoke is not None:
            method, where = s.revoke
            base, _, path = where.partition(":")
            prefix = s.api_prefix if base == "api" else s.oauth_prefix
            routes.append(Route(prefix + path, self._revoke, methods=[method]))
        routes.append(Mount(s.api_prefix, app=self.router))
        return Mount("/" + s.name, routes=routes)

    def _token_route(self) -> str:
        base, _, path = self.spec.token_path.partition(":")
        if path:
            return (self.spec.api_prefix if base == "api" else self.spec.oauth_prefix) + path
        return self.spec.oauth_prefix + self.spec.token_path

    def _token_path_suffix(self) -> str:
        return self._token_route()

    def app_config(self, base_url: str) -> ProviderApp:
        root = f"{base_url}/{self.spec.name}"
        return ProviderApp(
            name=self.spec.name,
            client_id=self.client_id,
            client_secret=self.client_secret,
            api_base_url=root + self.spec.api_prefix,
            oauth_base_url=root + self.spec.oauth_prefix,
        )

    async def _record(self, request: Request) -> dict[str, str]:
        form: dict[str, str] = {}
        if request.method == "POST" and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            form = {k: str(v) for k, v in (await request.form()).items()}
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                form=form,
                authorization=request.headers.get("authorization"),
            )
        )
        return form

    async def _authorize(self, request: Request) -> Response:
        await self._record(request)
        q = request.query_params
        redirect_uri, state = q.get("redirect_uri"), q.get("state")
        if q.get("client_id") != self.client_id or not redirect_uri or q.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        params: dict[str, str] = {}
        if self.deny:
            params["error"] = "access_denied"
        else:
            scope = q.get("scope", "")
            template = self.next_user
            grant = Grant(
                user_id=template.user_id or str(10_000 + len(self.grants)),
                first_name=template.first_name,
                scope=scope,
            )
            code = secrets.token_urlsafe(16)
            challenge = q.get("code_challenge") if q.get("code_challenge_method") == "S256" else None
            self._codes[code] = _Code(grant, redirect_uri, self.client_id, challenge, time.time() + 600)
            params["code"] = code
            if self.spec.reports_granted_scope:
                params["scope"] = scope
        if state is not None:
            params["state"] = state
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(redirect_uri + separator + urlencode(params), status_code=302)

    def _issue(self, grant: Grant) -> JsonDict:
        access = "fake-at-" + secrets.token_urlsafe(24)
        ttl = self.spec.access_ttl_s
        grant.access_tokens[access] = time.time() + ttl if ttl is not None else None
        self.issued.append(access)
        body: JsonDict = {"access_token": access, "token_type": "Bearer"}
        if ttl is not None:
            body["expires_in"] = ttl
        if self.spec.issues_refresh_token(grant.scope) and ttl is not None:
            grant.refresh_token = "fake-rt-" + secrets.token_urlsafe(24)
            body["refresh_token"] = grant.refresh_token
            self.issued.append(grant.refresh_token)
        body["scope"] = grant.scope
        body.update(self.spec.token_extra(grant))
        return body

    async def _token(self, request: Request) -> Response:
        form = await self._record(request)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            self.code_exchanges += 1
            pending = self._codes.pop(form.get("code", ""), None)
            if pending is None or pending.expires < time.time():
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if "redirect_uri" in form and form["redirect_uri"] != pending.redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if pending.challenge is not None:
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                if digest != pending.challenge:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
            self.grants.append(pending.grant)
            return JSONResponse(self._issue(pending.grant))
        if grant_type == "refresh_token":
            self.refreshes += 1
            presented = form.get("refresh_token", "")
            for grant in self.grants:
                if presented in grant.used_refresh_tokens:
                    grant.revoked = True  # reuse of a rotated refresh token: the grant is compromised
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                if grant.refresh_token == presented and not grant.revoked:
                    grant.access_tokens.clear()
                    if self.keep_refresh_token:
                        body = self._issue(grant)
                        grant.refresh_token = presented
                        body.pop("refresh_token", None)
                        return JSONResponse(body)
                    grant.used_refresh_tokens.add(presented)
                    return JSONResponse(self._issue(grant))
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    def _grant_for(self, request: Request) -> Grant | None:
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer "):
            token = header.removeprefix("Bearer ")
            for grant in self.grants:
                if grant.revoked or token not in grant.access_tokens:
                    continue
                expiry = grant.access_tokens[token]
                return grant if expiry is None or expiry > time.time() else None
        if header.startswith("Basic ") and self.spec.api_key_auth:
            user, _, key = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
            if user == "API_KEY":
                return self.api_keys.get(key)
        return None

    def _api(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            await self._record(request)
            if self.unavailable:
                return JSONResponse({"error": "service unavailable"}, status_code=503)
            grant = self._grant_for(request)
            if grant is None:
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            return await handler(self, request, grant)

        return endpoint

    @staticmethod
    async def _profile(provider: FakeProvider, request: Request, grant: Grant | None) -> Response:
        assert grant is not None
        return JSONResponse(provider.spec.profile(grant))

    async def _revoke(self, request: Request) -> Response:
        form = await self._record(request)
        grant = self._grant_for(request)
        token = request.query_params.get("access_token") or form.get("access_token")
        if grant is None and token:
            grant = next((g for g in self.grants if token in g.access_tokens), None)
        if grant is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        grant.revoked = True
        return Response(status_code=204) if request.method == "DELETE" else JSONResponse({})


class FakeProviders:
    """All four vendors in one app."""

    def __init__(self) -> None:
        from tests.fakes.providers import intervals, oura, strava, whoop

        self.by_name = {
            spec.name: FakeProvider(spec, client_id=f"{spec.name}-client", client_secret=f"{spec.name}-secret-value")
            for spec in (whoop.SPEC, strava.SPEC, intervals.SPEC, oura.SPEC)
        }

    def __getitem__(self, name: str) -> FakeProvider:
        return self.by_name[name]

    def asgi(self) -> Starlette:
        return Starlette(routes=[p.mount() for p in self.by_name.values()])

    def apps(self, base_url: str) -> dict[str, ProviderApp]:
        return {name: p.app_config(base_url) for name, p in self.by_name.items()}
