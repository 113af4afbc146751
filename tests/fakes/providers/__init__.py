"""Local fake fitness providers: real paths and field names, speaking OAuth 2.0 like the real servers.

`FakeProviders` serves WHOOP, Strava, Intervals.icu and Oura from one Starlette app, each under its own
prefix (``/whoop``, ``/strava``, ``/intervals``, ``/oura``); `FakeProviders.apps(base_url)` gives the
matching `ProviderApp` configuration. See `tests.fakes.providers.server` for the behaviour.
"""

from tests.fakes.providers.server import FakeProvider, FakeProviders, Grant, RecordedRequest

__all__ = ["FakeProvider", "FakeProviders", "Grant", "RecordedRequest"]
