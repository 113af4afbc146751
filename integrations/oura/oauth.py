"""Oura OAuth (API v2): the authorize page is on cloud.ouraring.com, tokens on api.ouraring.com.

- Space-separated scopes; without ``scope`` Oura would ask for everything, so we always send ours.
- Refresh tokens are single-use (each refresh returns a new one): single-flight.
- The redirect URI must match a registered one exactly. PKCE is not documented.
- Tokens go only in the ``Authorization`` header (the query-parameter form was removed in v2), except
  the revoke endpoint, which takes ``access_token`` as a query parameter.
"""

from __future__ import annotations

from coach.i18n import N_
from integrations.oauth.provider import OAuthProvider

PROVIDER = OAuthProvider(
    name="oura",
    label="Oura",
    authorize_url="{oauth}/oauth/authorize",
    token_url="{api}/oauth/token",  # noqa: S106 - a URL template, not a secret
    scopes=("personal", "daily", "heartrate", "workout", "spo2Daily"),
    reads=N_("readiness, HRV, resting heart rate, sleep, SpO2 and workouts"),
)

PROFILE_PATH = "{api}/v2/usercollection/personal_info"
REVOKE_PATH = "{api}/oauth/revoke"  # POST ?access_token=…
