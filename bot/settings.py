"""Settings: the one place that reads the environment.

Built once at start (`Settings()`), then passed down; nothing else calls ``os.environ``. An optional
``.env`` file in the working directory is read too. Secrets are `SecretStr`, so they never print.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrations.oauth.provider import ProviderApp
from integrations.vault import VaultConfigError, parse_keys

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "coach-watts"
PROVIDERS = ("whoop", "strava", "intervals", "oura")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Environment = Field(default=Environment.DEVELOPMENT, alias="COACH_ENV")
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, alias="COACH_DATA_DIR")
    database_url: SecretStr | None = Field(default=None, alias="DATABASE_URL")
    # Connections each process keeps open. Fewer than the updates being handled at once (8 webhook workers,
    # the acknowledgements, the brief sender) made every busy moment open and close extra connections — a
    # server process forked per transaction; 10 more may open for a burst.
    database_pool_size: int = Field(default=20, ge=1, le=200, alias="DATABASE_POOL_SIZE")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL")
    telegram_file_base_url: str | None = Field(default=None, alias="TELEGRAM_FILE_BASE_URL")
    # Webhook mode (polling otherwise): the public https URL of /webhooks/telegram, and the secret
    # Telegram must send with every update.
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    # Telegram: about one message a second per chat, "short bursts" tolerated. New messages to one chat
    # beyond this burst go out one a second (a group: one every three seconds).
    telegram_chat_burst: int = Field(default=5, ge=1, le=1000, alias="TELEGRAM_CHAT_BURST")

    hrv_band_sd: float = Field(default=0.5, ge=0.5, le=1.0, alias="COACH_HRV_BAND_SD")

    # --- the Gemini coach (free-form answers, the structured daily suggestion, report narratives)
    gemini_api_key: SecretStr | None = Field(default=None, alias="GEMINI_API_KEY")
    # Model names retire: one setting, checked against the model list at start.
    gemini_model: str = Field(default="gemini-3.8-flash", min_length=1, alias="GEMINI_MODEL")
    gemini_base_url: str | None = Field(default=None, alias="GEMINI_BASE_URL")
    gemini_timeout_s: float = Field(default=8.0, gt=0, le=60, alias="GEMINI_TIMEOUT_S")
    # The whole answer (retries and tool calls included) must fit, so the rules answer still comes in time.
    gemini_answer_deadline_s: float = Field(default=15.0, gt=0, le=18, alias="GEMINI_ANSWER_DEADLINE_S")
    gemini_attempts: int = Field(default=3, ge=1, le=5, alias="GEMINI_ATTEMPTS")
    gemini_circuit_failures: int = Field(default=5, ge=1, le=100, alias="GEMINI_CIRCUIT_FAILURES")
    gemini_circuit_open_s: float = Field(default=60.0, gt=0, le=3600, alias="GEMINI_CIRCUIT_OPEN_S")
    gemini_daily_tokens: int = Field(default=60_000, ge=0, alias="GEMINI_DAILY_TOKENS")

    # Morning brief: how long to wait for last night's data, and how late a missed brief may still go out.
    brief_freshness_wait_min: int = Field(default=45, ge=0, le=240, alias="BRIEF_FRESHNESS_WAIT")
    brief_catch_up_min: int = Field(default=240, ge=10, le=720, alias="BRIEF_CATCH_UP")

    # --- Provider connections: the HTTP server, the token vault, the providers' apps and URLs.
    http_host: str = Field(default="127.0.0.1", alias="HTTP_HOST")
    http_port: int = Field(default=8080, ge=0, le=65535, alias="HTTP_PORT")
    public_base_url: str = Field(default="http://localhost:8080", alias="PUBLIC_BASE_URL")
    token_encryption_keys: SecretStr | None = Field(default=None, alias="TOKEN_ENCRYPTION_KEYS")

    whoop_client_id: str | None = Field(default=None, alias="WHOOP_CLIENT_ID")
    whoop_client_secret: SecretStr | None = Field(default=None, alias="WHOOP_CLIENT_SECRET")
    whoop_api_base_url: str = Field(default="https://api.prod.whoop.com/developer", alias="WHOOP_API_BASE_URL")
    whoop_oauth_base_url: str = Field(default="https://api.prod.whoop.com/oauth", alias="WHOOP_OAUTH_BASE_URL")

    strava_client_id: str | None = Field(default=None, alias="STRAVA_CLIENT_ID")
    strava_client_secret: SecretStr | None = Field(default=None, alias="STRAVA_CLIENT_SECRET")
    strava_api_base_url: str = Field(default="https://www.strava.com/api/v3", alias="STRAVA_API_BASE_URL")
    strava_oauth_base_url: str = Field(default="https://www.strava.com/oauth", alias="STRAVA_OAUTH_BASE_URL")

    intervals_client_id: str | None = Field(default=None, alias="INTERVALS_CLIENT_ID")
    intervals_client_secret: SecretStr | None = Field(default=None, alias="INTERVALS_CLIENT_SECRET")
    intervals_api_base_url: str = Field(default="https://intervals.icu/api/v1", alias="INTERVALS_API_BASE_URL")
    intervals_oauth_base_url: str = Field(default="https://intervals.icu", alias="INTERVALS_OAUTH_BASE_URL")

    oura_client_id: str | None = Field(default=None, alias="OURA_CLIENT_ID")
    oura_client_secret: SecretStr | None = Field(default=None, alias="OURA_CLIENT_SECRET")
    oura_api_base_url: str = Field(default="https://api.ouraring.com", alias="OURA_API_BASE_URL")
    oura_oauth_base_url: str = Field(default="https://cloud.ouraring.com", alias="OURA_OAUTH_BASE_URL")

    # --- Sync engine: how far back a first import reads, the daily re-pull, and provider webhooks.
    sync_backfill_days: int = Field(default=90, ge=1, le=3650, alias="SYNC_BACKFILL_DAYS")
    sync_reconcile_days: int = Field(default=3, ge=1, le=30, alias="SYNC_RECONCILE_DAYS")
    sync_reconcile_hour: int = Field(default=4, ge=0, le=23, alias="SYNC_RECONCILE_HOUR")
    # Strava: the verify_token given when creating our push subscription, and that subscription's id.
    strava_webhook_verify_token: SecretStr | None = Field(default=None, alias="STRAVA_WEBHOOK_VERIFY_TOKEN")
    strava_subscription_id: int | None = Field(default=None, alias="STRAVA_SUBSCRIPTION_ID")
    # Oura: the verification_token given when creating our webhook subscriptions.
    oura_webhook_verification_token: SecretStr | None = Field(default=None, alias="OURA_WEBHOOK_VERIFICATION_TOKEN")
    # Intervals.icu: the webhook secret from the app's settings, sent back in every event body.
    intervals_webhook_secret: SecretStr | None = Field(default=None, alias="INTERVALS_WEBHOOK_SECRET")

    # --- Backups: `coach-watts backup` keeps this many days of dumps; S3-compatible store settings.
    backup_retention_days: int = Field(default=30, ge=1, le=3650, alias="BACKUP_RETENTION_DAYS")
    backup_s3_endpoint_url: str | None = Field(default=None, alias="BACKUP_S3_ENDPOINT_URL")
    backup_s3_region: str | None = Field(default=None, alias="BACKUP_S3_REGION")
    backup_s3_access_key_id: str | None = Field(default=None, alias="BACKUP_S3_ACCESS_KEY_ID")
    backup_s3_secret_access_key: SecretStr | None = Field(default=None, alias="BACKUP_S3_SECRET_ACCESS_KEY")

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # setWebhook's secret_token: 1-256 characters, only A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator(
        "database_url",
        "telegram_bot_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "token_encryption_keys",
        "gemini_api_key",
        "gemini_base_url",
        "strava_webhook_verify_token",
        "strava_subscription_id",
        "oura_webhook_verification_token",
        "intervals_webhook_secret",
        "backup_s3_endpoint_url",
        "backup_s3_region",
        "backup_s3_access_key_id",
        "backup_s3_secret_access_key",
        *(f"{p}_client_{part}" for p in PROVIDERS for part in ("id", "secret")),
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("token_encryption_keys")
    @classmethod
    def _keys_are_valid(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                parse_keys(value.get_secret_value())
            except VaultConfigError as err:
                raise ValueError(f"TOKEN_ENCRYPTION_KEYS: {err}") from None
        return value

    @model_validator(mode="after")
    def _keys_required_outside_development(self) -> Settings:
        # In development a key is generated into the data folder; anywhere else a lost or forgotten key
        # would silently make every stored token unreadable, so refuse to start instead.
        if self.environment is not Environment.DEVELOPMENT and self.token_encryption_keys is None:
            raise ValueError(
                "TOKEN_ENCRYPTION_KEYS must be set outside development "
                "(generate one with `coach-watts rotate-keys --new-key`)"
            )
        return self

    def provider_app(self, name: str) -> ProviderApp:
        """One provider's app credentials and base URLs, as configured."""
        secret = getattr(self, f"{name}_client_secret")
        return ProviderApp(
            name=name,
            client_id=getattr(self, f"{name}_client_id"),
            client_secret=secret.get_secret_value() if secret is not None else None,
            api_base_url=getattr(self, f"{name}_api_base_url").rstrip("/"),
            oauth_base_url=getattr(self, f"{name}_oauth_base_url").rstrip("/"),
        )

    def secret_values(self) -> list[str]:
        """Every configured secret, for the log filter."""
        values = [self.telegram_bot_token, self.database_url, self.token_encryption_keys, self.gemini_api_key]
        values += [getattr(self, f"{p}_client_secret") for p in PROVIDERS]
        values += [
            self.strava_webhook_verify_token,
            self.oura_webhook_verification_token,
            self.intervals_webhook_secret,
            self.backup_s3_secret_access_key,
        ]
        out = [v.get_secret_value() for v in values if v is not None]
        if self.token_encryption_keys is not None:
            out += [part.partition(":")[2] for part in self.token_encryption_keys.get_secret_value().split(",")]
        return [v for v in out if v]

    @property
    def file_base_url(self) -> str:
        """Where files are downloaded from: the Bot API's ``/file/bot`` twin of the API base URL."""
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        base = self.telegram_api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"
