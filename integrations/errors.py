"""What can go wrong when talking to a fitness provider, as one small tree.

    ProviderError                 the provider could not give us what we asked for
    ├── ProviderAuthError         the token or grant is refused (revoked, expired for good): reconnect
    ├── ProviderRateLimited       too many requests; `retry_after` says when to try again, if known
    ├── ProviderUnavailable       5xx, timeouts, network trouble, answers we cannot read: try later
    ├── ProviderNotFound          404: the object is gone, or (on a collection) the endpoint was retired
    └── ProviderRejected          another 4xx (e.g. 422): the provider refused what we sent; resending will not help

Each provider's client translates its vendor's errors into this tree in one place (its ``_request``),
so callers decide once: an auth error becomes a "reconnect" button, a rate limit a later retry, and
anything else an apology. Messages are sentences and never contain tokens.
"""

from __future__ import annotations


class ProviderError(Exception):
    """The provider could not give us what we asked for."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider


class ProviderAuthError(ProviderError):
    """The provider refused the token or the grant; only the user can fix it, by reconnecting."""


class ProviderRateLimited(ProviderError):
    """Too many requests. ``retry_after`` is in seconds, ``None`` when the provider does not say."""

    def __init__(self, provider: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """The provider is down, slow, or answered something we cannot read; trying later may work."""


class ProviderNotFound(ProviderError):
    """404. For one object: it was deleted. For a collection we page through: the endpoint was retired or moved,
    which a sync must report as a failure, never as "0 records, success"."""


class ProviderRejected(ProviderError):
    """A 4xx other than auth, 404 and 429 (Intervals.icu answers 422 to a malformed event): the request itself is
    wrong, so it is reported, never retried. ``status`` is the HTTP status."""

    def __init__(self, provider: str, message: str, *, status: int) -> None:
        super().__init__(provider, message)
        self.status = status
