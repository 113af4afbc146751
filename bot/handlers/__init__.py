"""Telegram handlers: each parses an update, calls one service and renders a reply."""

from bot.handlers.registry import register

__all__ = ["register"]
