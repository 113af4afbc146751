"""Intervals.icu OAuth, and the personal API key alternative.

- Scopes are UPPER-CASE and comma-separated; ``:WRITE`` implies ``:READ``. We read activities, wellness and
  settings, and write the calendar (planned workouts, only events we created: `integrations.intervals.calendar`).
- The token endpoint is under ``/api/oauth/token`` (no ``/v1``); the code expires in 2 minutes, so it is
  exchanged inside the callback.
- No refresh token and no expiry: the token lasts until revoked; re-authorizing replaces it.
- PKCE is not supported.
- A personal API key is HTTP Basic with the user name ``API_KEY``; athlete id ``0`` means "the owner".
"""

from __future__ import annotations

import base64

from coach.i18n import N_
from integrations.oauth.provider import OAuthProvider

PROVIDER = OAuthProvider(
    name="intervals",
    label="Intervals.icu",
    authorize_url="{oauth}/oauth/authorize",
    token_url="{oauth}/api/oauth/token",  # noqa: S106 - a URL template, not a secret
    scopes=("ACTIVITY:READ", "WELLNESS:READ", "SETTINGS:READ", "CALENDAR:WRITE"),
    scope_separator=",",
    refreshes=False,
    reads=N_("activities with power and training load, and wellness (HRV, resting heart rate, sleep)"),
    writes=N_("the planned workouts you send it from /plan to your calendar (never events you made)"),
)

PROFILE_PATH = "{api}/athlete/0"
REVOKE_PATH = "{api}/disconnect-app"  # DELETE with the OAuth bearer token
API_KEY_USER = "API_KEY"


def api_key_authorization(key: str) -> str:
    return "Basic " + base64.b64encode(f"{API_KEY_USER}:{key}".encode()).decode()
