"""Errors of the data layer.

DataError
 ├── InvalidValue         a value outside the range the data model allows (nothing is stored)
 ├── AlreadyOpen          a second unfinished report for a user (nothing is stored)
 └── DatabaseUnavailable  PostgreSQL cannot be started or reached
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for the bot's message catalog (``db`` imports nothing of the app's own code: the bot
    translates an `InvalidValue`'s field and allowed text where it shows them)."""
    return message


class DataError(Exception):
    """Base of every error raised by `db`."""


class InvalidValue(DataError, ValueError):
    """A value outside what the data model allows.

    The message names the field, what is allowed and the value given, so it can be shown as is. ``field``
    and ``allowed`` are English messages (marked with `N_` where they are literals); ``allowed`` may have
    ``{named}`` fields, filled from ``fields``: ``allowed`` keeps the filled English text, ``allowed_message``
    the message itself, which the bot translates before filling it.
    """

    def __init__(self, field: str, allowed: str, value: object, **fields: object) -> None:
        self.field = field
        self.allowed_message = allowed
        self.fields = fields
        self.allowed = allowed.format(**fields) if fields else allowed
        self.value = value
        super().__init__(f"{field} must be {self.allowed}; got {value!r}.")


class AlreadyOpen(DataError):
    """The user already has a report that is not finished; the database refused a second one."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        super().__init__("a report for this user is already being made")


class DatabaseUnavailable(DataError):
    """The database cannot be started or reached. The message is one sentence a person can act on."""
