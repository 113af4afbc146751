"""Oura v2: authorize on the "cloud" host, token and revoke on the API host, single-use refresh tokens."""

from tests.fakes.providers.server import Grant, JsonDict, VendorSpec


def _personal_info(grant: Grant) -> JsonDict:
    return {"id": f"oura-{grant.user_id}", "age": 34, "weight": 71.5, "height": 1.78, "email": "a@example.com"}


SPEC = VendorSpec(
    name="oura",
    oauth_prefix="/cloud",
    api_prefix="/api",
    authorize_path="/oauth/authorize",
    token_path="api:/oauth/token",
    profile_path="/v2/usercollection/personal_info",
    profile=_personal_info,
    revoke=("POST", "api:/oauth/revoke"),
    access_ttl_s=86400,
)
