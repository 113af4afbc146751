"""WHOOP v2: OAuth under /oauth/oauth2/…, API under /developer; refresh tokens only with ``offline``."""

from tests.fakes.providers.server import Grant, JsonDict, VendorSpec


def _profile(grant: Grant) -> JsonDict:
    return {
        "user_id": int(grant.user_id),
        "email": f"athlete{grant.user_id}@example.com",
        "first_name": grant.first_name,
        "last_name": "Rider",
    }


SPEC = VendorSpec(
    name="whoop",
    oauth_prefix="/oauth",
    api_prefix="/developer",
    authorize_path="/oauth2/auth",
    token_path="/oauth2/token",
    profile_path="/v2/user/profile/basic",
    profile=_profile,
    revoke=("DELETE", "api:/v2/user/access"),
    access_ttl_s=3600,
    issues_refresh_token=lambda scope: "offline" in scope.split(" "),
)
