"""Why a session cannot be written in a format, as a sentence the athlete can act on."""

from __future__ import annotations


class FormatUnavailable(ValueError):
    """This session, for this athlete, has no file in the asked format (an ERG file needs an FTP, and so on).

    The message is one sentence naming what is missing and what works instead; the bot shows it as it is.
    """
