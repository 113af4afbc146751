"""WHOOP OAuth (Developer API v2): confidential client, rotating refresh tokens, ``offline`` for refresh.

- Without ``offline`` WHOOP issues no refresh token and the user would re-authorize every hour; it is
  sent again with every refresh.
- Every refresh returns a new refresh token and invalidates the old one, so refreshes are single-flight.
- PKCE is not documented, so it is not relied on.
- Redirect URIs must be ``https://`` (or ``whoop://``); plain http localhost is refused by WHOOP.
"""

from __future__ import annotations

from coach.i18n import N_
from integrations.oauth.provider import OAuthProvider

PROVIDER = OAuthProvider(
    name="whoop",
    label="WHOOP",
    authorize_url="{oauth}/oauth2/auth",
    token_url="{oauth}/oauth2/token",  # noqa: S106 - a URL template, not a secret
    scopes=(
        "read:recovery",
        "read:cycles",
        "read:workout",
        "read:sleep",
        "read:profile",
        "read:body_measurement",
        "offline",
    ),
    refresh_params={"scope": "offline"},
    reads=N_("recovery, HRV, resting heart rate, sleep, strain and workouts"),
)

PROFILE_PATH = "{api}/v2/user/profile/basic"
REVOKE_PATH = "{api}/v2/user/access"  # DELETE with the user's token; also stops webhooks for them
