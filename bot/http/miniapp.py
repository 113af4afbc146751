"""``/connect/{link}``: the connect button opens this page as a Telegram Mini App, and only the person the
link was made for is sent on to the provider.

Why: a connect link forwarded to someone else would link *their* WHOOP to *your* coach (the COAT/COSF
account-linking attacks). A plain link cannot tell who opened it; a Mini App can, because Telegram signs
``initData`` with the bot's token (`bot.http.initdata`). So the button carries only an opaque, single-use
id ("CallbackAction" of kind ``connect.link``, 10 minutes); the page posts ``initData`` back; if the signed
user is the link's owner, the OAuth state is created only now and the page moves on to the provider. If it
is someone else, nothing is created, the link is spent, and the owner is told.

The owner's answer also carries a cookie (`BROWSER_COOKIE`: random, HttpOnly, SameSite=Lax, Secure when
the callback is https, limited to the callback's path) whose hash is stored with the state: the
callback accepts the state only from this browser, so the authorize URL itself is useless to anyone it
is forwarded or shown to (RFC 9700 §4.7). SameSite=Lax still sends it on the provider's top-level
redirect back to us.

Language: the page and its script speak the link owner's language (the person the button was sent to);
the answers to the post speak the opener's: their choice with us, else their Telegram app's (``initData``
carries it); before Telegram has said who it is, the browser's (`bot.http.languages`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
from datetime import timedelta
from functools import cache
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from telegram.error import TelegramError

from bot.http import languages, pages
from bot.http.deps import SECURITY_HEADERS, HttpDeps, deps_of
from bot.http.initdata import InitDataRejected, WebAppUser, verify
from bot.http.limits import read_body
from bot.texts import connect as texts_connect
from coach import i18n
from coach.i18n import N_, t
from db.models import CallbackAction, User
from db.repositories import actions, users
from integrations.connect import NotAvailable

logger = logging.getLogger(__name__)

KIND_LINK = "connect.link"
LINK_TTL = timedelta(minutes=10)
# initData is signed when the Mini App opens; the page posts it at once.
INIT_DATA_MAX_AGE = timedelta(minutes=10)
# The page posts one urlencoded field, Telegram's initData (well under 4 kB); nothing else is read.
MAX_BODY_BYTES = 8 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
BROWSER_COOKIE = "cw_oauth_browser"
BROWSER_SECRET_BYTES = 32
# Link ids are `secrets.token_urlsafe` strings (`db.repositories.actions`): anything else is no link of ours.
_LINK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

OPEN_FROM_CHAT = N_("Open this link from the button in your Coach Watts chat in Telegram.")
EXPIRED = N_("This link has expired or was already used. Send /connect in the chat for a fresh one.")
WENT_WRONG = N_("Something went wrong. Send /connect in the chat to try again.")

# The page's own script; its two sentences go in as JavaScript strings in the page's language, and the
# Content-Security-Policy allows exactly that script by its hash.
_SCRIPT = """(function () {
  var tg = window.Telegram && window.Telegram.WebApp;
  var say = function (text) { document.getElementById("msg").textContent = text; };
  if (!tg || !tg.initData) { say(%(open_from_chat)s); return; }
  tg.ready();
  fetch(location.pathname, {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: "init_data=" + encodeURIComponent(tg.initData)})
    .then(function (r) { return r.json(); })
    .then(function (j) { if (j.url) { location.replace(j.url); } else { say(j.message); } })
    .catch(function () { say(%(went_wrong)s); });
})();"""


def _js_string(text: str) -> str:
    """``text`` as a JavaScript string literal that cannot end the script element (ASCII, no ``<``)."""
    return json.dumps(text).replace("<", "\\u003c")


@cache
def script(language: str) -> tuple[str, dict[str, str]]:
    """The page's script in ``language`` and the page's headers, whose policy allows just that script."""
    with i18n.use(language):
        code = _SCRIPT % {"open_from_chat": _js_string(t(OPEN_FROM_CHAT)), "went_wrong": _js_string(t(WENT_WRONG))}
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    headers = SECURITY_HEADERS | {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src https://telegram.org 'sha256-{digest}'; "
            "connect-src 'self'; style-src 'unsafe-inline'"
        ),
        # Telegram shows Mini Apps in its own web view, not in a frame of another site.
        "X-Frame-Options": "DENY",
    }
    return code, headers


def _answer(status: int, *, url: str | None = None, message: str | None = None) -> Response:
    body = {"url": url} if url is not None else {"message": message}
    return JSONResponse(body, status_code=status, headers=SECURITY_HEADERS)


async def _owner_language(deps: HttpDeps, link_id: str) -> str | None:
    """The language of the person a connect link was made for, if it is a link of ours."""
    if not _LINK_ID.fullmatch(link_id):
        return None
    async with deps.sessions() as session:
        row = (
            await session.execute(
                select(User.language, User.telegram_language)
                .join(CallbackAction, CallbackAction.user_id == User.id)
                .where(CallbackAction.id == link_id, CallbackAction.kind == KIND_LINK)
            )
        ).first()
    return i18n.choose(row.language, row.telegram_language) if row is not None else None


def _opener_language(opener: User | None, who: WebAppUser) -> str:
    """The opener's choice with us, else the language their Telegram app has now (or had when they last
    wrote to the bot), else the one spoken so far (their browser's)."""
    return (
        i18n.supported(opener.language if opener else None)
        or i18n.supported(who.language_code)
        or i18n.supported(opener.telegram_language if opener else None)
        or i18n.current()
    )


async def page(request: Request) -> Response:
    deps = deps_of(request)
    language = await _owner_language(deps, request.path_params["link"]) or languages.of_browser(request)
    code, headers = script(language)
    with i18n.use(language):
        return HTMLResponse(pages.connect_page(code), headers=headers)


async def open_link(request: Request) -> Response:
    with i18n.use(languages.of_browser(request)):  # until Telegram says who opened the link
        return await _open_link(request)


async def _open_link(request: Request) -> Response:
    deps = deps_of(request)
    link_id = request.path_params["link"]
    if deps.bot_token is None:
        return _answer(404, message=t("Not found."))
    if not _LINK_ID.fullmatch(link_id):
        return _answer(400, message=t(EXPIRED))
    # Only the urlencoded form our page sends: a multipart body (files, spooled to disk by a form parser)
    # is refused by its type, before a byte of it is read.
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        return _answer(415, message=t(OPEN_FROM_CHAT))
    body = await read_body(request, max_bytes=MAX_BODY_BYTES)
    try:
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        form = {}
    init_data = form.get("init_data", "")
    now = deps.clock()
    try:
        who = verify(
            init_data,
            bot_token=deps.bot_token,
            now=now,
            max_age=INIT_DATA_MAX_AGE,
        )
    except InitDataRejected as err:
        logger.warning("security: connect page refused (%s)", err.reason)
        return _answer(401, message=t("Telegram could not confirm who you are. Open the link from the chat again."))
    async with deps.sessions.begin() as session:
        opener = await users.get_by_telegram_id(session, telegram_user_id=who.telegram_id)
        i18n.activate(_opener_language(opener, who))  # this request's task only: open_link's `use` resets it
        link = await session.get(CallbackAction, link_id)
        if link is None or link.kind != KIND_LINK or link.expires_at <= now or link.used_at is not None:
            return _answer(400, message=t(EXPIRED))
        owner_chat = link.chat_id
        provider = str(link.payload.get("provider", ""))
        forwarded = opener is None or opener.id != link.user_id
        owner = await users.get(session, user_id=link.user_id) if forwarded else opener
        # Spend the link either way: a forwarded link must not work for its owner afterwards either.
        claimed = await actions.claim(session, action_id=link_id, user_id=link.user_id, chat_id=owner_chat, now=now)
        owner_id = link.user_id
    if claimed is None:
        return _answer(400, message=t(EXPIRED))
    label = deps.connector.label(provider)
    if forwarded:
        logger.warning("security: a %s connect link was opened by another Telegram account", provider)
        try:
            with i18n.use(i18n.choose(owner.language, owner.telegram_language) if owner else None):
                warning = texts_connect.link_opened_by_someone_else(label)  # to the owner, in their language
            await deps.notify(owner_chat, warning)
        except TelegramError:
            logger.warning("could not warn the owner of a forwarded connect link", exc_info=True)
        return _answer(
            403,
            message=t(
                "This {provider} link was made for someone else, so nothing was connected. "
                "To connect your own account, send /connect to the bot yourself.",
                provider=label,
            ),
        )
    browser = secrets.token_urlsafe(BROWSER_SECRET_BYTES)
    try:
        url = await deps.connector.start(user_id=owner_id, chat_id=owner_chat, provider=provider, browser=browser)
    except NotAvailable:
        return _answer(404, message=t("{provider} is not available on this bot.", provider=label))
    answer = _answer(200, url=url)
    callback = urlsplit(deps.connector.redirect_uri(provider))
    answer.set_cookie(
        BROWSER_COOKIE,
        browser,
        max_age=int(LINK_TTL.total_seconds()),
        path=callback.path,
        secure=callback.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return answer


ROUTES = [
    Route("/connect/{link}", page, methods=["GET"]),
    Route("/connect/{link}", open_link, methods=["POST"]),
]
