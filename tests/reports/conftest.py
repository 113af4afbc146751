"""The bot harness of tests/bot, shared with the report and chart tests."""

from tests.bot.conftest import harness

__all__ = ["harness"]
