"""Intervals.icu: token at /api/oauth/token, no refresh and no expiry, API keys in HTTP Basic."""

from tests.fakes.providers.server import Grant, JsonDict, VendorSpec


def _athlete(grant: Grant) -> JsonDict:
    athlete_id = grant.user_id if grant.user_id.startswith("i") else f"i{grant.user_id}"
    return {"id": athlete_id, "name": f"{grant.first_name} Rider"}


SPEC = VendorSpec(
    name="intervals",
    oauth_prefix="",
    api_prefix="/api/v1",
    authorize_path="/oauth/authorize",
    token_path="/api/oauth/token",
    profile_path="/athlete/0",
    profile=_athlete,
    revoke=("DELETE", "api:/disconnect-app"),
    scope_separator=",",
    access_ttl_s=None,
    token_extra=lambda grant: {"athlete": _athlete(grant)},
    api_key_auth=True,
)
