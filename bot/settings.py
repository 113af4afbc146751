"""Settings: the one place that reads the environment.

Built once at start (`Settings()`), then passed down; nothing else calls ``os.environ``. An optional
``.env`` file in the working directory is read too. Secrets are `SecretStr`, so they never print.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "coach-watts"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Environment = Field(default=Environment.DEVELOPMENT, alias="COACH_ENV")
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, alias="COACH_DATA_DIR")
    database_url: SecretStr | None = Field(default=None, alias="DATABASE_URL")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL")
    telegram_file_base_url: str | None = Field(default=None, alias="TELEGRAM_FILE_BASE_URL")
    # Webhook mode (polling otherwise): the public https URL of /webhooks/telegram, and the secret
    # Telegram must send with every update.
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")

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
        "gemini_api_key",
        "gemini_base_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def file_base_url(self) -> str:
        """Where files are downloaded from: the Bot API's ``/file/bot`` twin of the API base URL."""
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        base = self.telegram_api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"
