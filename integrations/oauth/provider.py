"""What differs between providers' OAuth servers, as data; and one provider app's configuration.

Each ``integrations/<provider>/oauth.py`` fills an `OAuthProvider` from the provider's documentation
(``../shared/reference/providers.md``); the flow code reads only these fields, so a quirk lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ProviderApp:
    """Our registered app at one provider, and where that provider lives (configurable for tests)."""

    name: str
    client_id: str | None
    client_secret: str | None = field(repr=False)
    api_base_url: str
    oauth_base_url: str

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def url(self, template: str) -> str:
        """``"{oauth}/token"`` → the full URL; ``{api}`` and ``{oauth}`` are the configured bases."""
        return template.format(api=self.api_base_url.rstrip("/"), oauth=self.oauth_base_url.rstrip("/"))


@dataclass(frozen=True, slots=True)
class OAuthProvider:
    name: str
    label: str
    authorize_url: str  # a template, see `ProviderApp.url`
    token_url: str
    scopes: tuple[str, ...]
    scope_separator: str = " "
    pkce: bool = False
    # False when access tokens never expire and there is no refresh token (Intervals.icu).
    refreshes: bool = True
    authorize_params: dict[str, str] = field(default_factory=dict)
    refresh_params: dict[str, str] = field(default_factory=dict)
    # What the user sees when asked to connect ("your recovery, sleep and workouts").
    reads: str = ""
    # What we write there, when anything ("the planned workouts you send from /plan"); empty: read-only.
    writes: str = ""

    @property
    def scope(self) -> str:
        return self.scope_separator.join(self.scopes)
