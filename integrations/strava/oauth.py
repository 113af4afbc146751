"""Strava OAuth (API v3): comma-separated scopes, 6-hour access tokens, refresh tokens that may rotate.

- Read-only scopes only: ``read`` and ``activity:read_all`` (private activities too); never a write scope.
- A refresh may return a new refresh token, and then the old one is dead at once: single-flight.
- PKCE is not supported. ``approval_prompt=auto`` skips the consent page for returning users.
- The callback carries the scopes the user actually granted (they can untick boxes).
"""

from __future__ import annotations

from coach.i18n import N_
from integrations.oauth.provider import OAuthProvider

PROVIDER = OAuthProvider(
    name="strava",
    label="Strava",
    authorize_url="{oauth}/authorize",
    token_url="{oauth}/token",  # noqa: S106 - a URL template, not a secret
    scopes=("read", "activity:read_all"),
    scope_separator=",",
    authorize_params={"approval_prompt": "auto"},
    reads=N_("rides, runs and other activities"),
)

PROFILE_PATH = "{api}/athlete"
DEAUTHORIZE_PATH = "{oauth}/deauthorize"  # POST with the access token; ends all of the athlete's tokens
