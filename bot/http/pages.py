"""The few pages a person sees in a browser: small, readable, and saying what to do next.

Pure functions returning HTML; every value passes through `html.escape`. No scripts, no external assets.
They speak the current language (`coach.i18n.use`, chosen by the caller), and say which one in ``<html lang>``.
"""

from __future__ import annotations

from html import escape

from coach import i18n
from coach.i18n import t

_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} — Coach Watts</title>
<style>
body {{ font: 17px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }}
h1 {{ font-size: 1.4rem; }}
a.button {{ display: inline-block; padding: .6rem 1rem; background: #2481cc; color: #fff; border-radius: .4rem;
  text-decoration: none; }}
</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""


def _page(title: str, paragraphs: list[str], bot_url: str | None) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    if bot_url:
        back = t("Back to Coach Watts")
        body += f'\n<p><a class="button" href="{escape(bot_url)}">{back}</a></p>'
    return _PAGE.format(lang=i18n.current(), title=escape(title), body=body)


def connected(label: str, *, bot_url: str | None) -> str:
    return _page(
        t("{provider} is connected", provider=label),
        [
            t(
                "Coach Watts can now read your {provider} data. I've sent you a message in Telegram.",
                provider=escape(label),
            ),
            t("You can close this page."),
        ],
        bot_url,
    )


def denied(label: str, *, bot_url: str | None) -> str:
    command = f"/connect {escape(label.lower())}"
    return _page(
        t("{provider} was not connected", provider=label),
        [
            t(
                "You declined access at {provider}, so nothing was connected and nothing was stored.",
                provider=escape(label),
            ),
            t(
                "If that was a mistake, send <b>{command}</b> in the chat to try again.",
                command=command,
            ),
        ],
        bot_url,
    )


def link_expired(*, bot_url: str | None) -> str:
    return _page(
        t("This link has expired"),
        [
            t("Connect links work once and only for 10 minutes, and this one is used up or too old."),
            t("Nothing was connected. Send <b>/connect</b> in the chat for a fresh link."),
        ],
        bot_url,
    )


def other_browser(label: str, *, bot_url: str | None) -> str:
    return _page(
        t("{provider} was not connected", provider=label),
        [
            t(
                "This {provider} link was opened in another browser than the one it was made for, "
                "so nothing was connected and the link no longer works.",
                provider=escape(label),
            ),
            t("To connect your own account, send <b>/connect</b> in the chat and open the button there."),
        ],
        bot_url,
    )


def failed(label: str, *, bot_url: str | None) -> str:
    return _page(
        t("{provider} could not be connected", provider=label),
        [
            t(
                "{provider} did not give Coach Watts a working access, so nothing was connected.",
                provider=escape(label),
            ),
            t("This is usually temporary. Send <b>/connect</b> in the chat to try again in a few minutes."),
        ],
        bot_url,
    )


def connect_page(script: str) -> str:
    """The Mini App page: Telegram's script tells us who opened it; ours asks the server where to go."""
    checking = t("Checking it's you…")
    html = _page(t("Connecting…"), [f'<span id="msg">{checking}</span>'], None)
    tags = f'<script src="https://telegram.org/js/telegram-web-app.js"></script>\n<script>{script}</script>\n'
    return html.replace("</body>", tags + "</body>")


def not_found() -> str:
    return _page(t("Not found"), [t("There is nothing here. Coach Watts lives in Telegram.")], None)
