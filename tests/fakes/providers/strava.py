"""Strava v3: comma-separated scopes reported back on the redirect, ``expires_at`` and ``athlete`` in tokens."""

import time

from tests.fakes.providers.server import Grant, JsonDict, VendorSpec


def _athlete(grant: Grant) -> JsonDict:
    return {"id": int(grant.user_id), "username": None, "firstname": grant.first_name, "lastname": "Rider"}


SPEC = VendorSpec(
    name="strava",
    oauth_prefix="/oauth",
    api_prefix="/api/v3",
    authorize_path="/authorize",
    token_path="/token",
    profile_path="/athlete",
    profile=_athlete,
    revoke=("POST", "oauth:/deauthorize"),
    scope_separator=",",
    access_ttl_s=21600,
    token_extra=lambda grant: {"expires_at": int(time.time()) + 21600, "athlete": _athlete(grant)},
    reports_granted_scope=True,
)
