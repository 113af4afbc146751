"""The bot harness of tests/bot, for the conversations in each language."""

from tests.bot.conftest import harness

__all__ = ["harness"]
