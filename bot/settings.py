"""Settings: the one place that reads the environment.

Built once at start (`Settings()`), then passed down; nothing else calls ``os.environ``. An optional
``.env`` file in the working directory is read too. Secrets are `SecretStr`, so they never print.
"""

from __future__ import annotations

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

    hrv_band_sd: float = Field(default=0.5, ge=0.5, le=1.0, alias="COACH_HRV_BAND_SD")

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url", "telegram_bot_token", mode="before")
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
