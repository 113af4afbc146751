"""The data model of `coach-watts-database-schema.md`, as typed SQLAlchemy 2 models.

Table and column names are the seed's own (Prisma's quoted PascalCase tables and camelCase columns), so
the database reads exactly like the documented schema; Python attributes are snake_case.

Deliberate differences from the Prisma text, each documented in the README:
- instants are ``timestamptz`` (UTC) instead of Prisma's zone-less ``timestamp(3)``;
- ``updatedAt`` is kept current by a trigger, so bulk Core statements cannot forget it;
- ``User`` carries what a chat coach needs (time zone, brief time and switch, language, chat id);
- the seed's application-level ranges are also CHECK constraints (defence in depth).
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from db import validation

# Prisma's naming, so constraint names match the documented schema and autogenerate stays stable.
NAMING_CONVENTION = {
    "ix": "%(table_name)s_%(column_0_N_name)s_idx",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}

TZ_TIMESTAMP = DateTime(timezone=True)


def _uuid() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _user_fk() -> ForeignKey:
    return ForeignKey("User.id", ondelete="CASCADE", onupdate="CASCADE")


class User(Base):
    """The athlete. Everything else hangs off a user and is deleted with them."""

    __tablename__ = "User"
    __table_args__ = (
        CheckConstraint('"ftp" IS NULL OR ("ftp" > 0 AND "ftp" < 500)', name="ftp_range"),
        CheckConstraint('"weight" IS NULL OR ("weight" > 30 AND "weight" < 200)', name="weight_range"),
        CheckConstraint('"restingHr" IS NULL OR ("restingHr" BETWEEN 25 AND 120)', name="resting_hr_range"),
        CheckConstraint('"lthr" IS NULL OR ("lthr" BETWEEN 80 AND 220)', name="lthr_range"),
        CheckConstraint("\"sex\" IS NULL OR \"sex\" IN ('female', 'male')", name="sex_values"),
        CheckConstraint(
            "\"sportFocus\" IS NULL OR \"sportFocus\" IN ('cycling', 'running', 'triathlon', 'other')",
            name="sport_focus_values",
        ),
        CheckConstraint(
            '"weeklyHours" IS NULL OR ("weeklyHours" >= 1 AND "weeklyHours" <= 30)', name="weekly_hours_range"
        ),
        CheckConstraint(
            '"dayMinutes" IS NULL OR (cardinality("dayMinutes") = 7 AND 0 <= ALL ("dayMinutes") '
            'AND 480 >= ALL ("dayMinutes"))',
            name="day_minutes_range",
        ),
        CheckConstraint(
            '"thresholdPaceSecPerKm" IS NULL OR ("thresholdPaceSecPerKm" BETWEEN 120 AND 720)',
            name="threshold_pace_range",
        ),
        CheckConstraint('"ctlRamp" IS NULL OR ("ctlRamp" >= 5 AND "ctlRamp" <= 8)', name="ctl_ramp_range"),
        CheckConstraint(
            "\"recoveryRhythm\" IS NULL OR \"recoveryRhythm\" IN ('3:1', '2:1')", name="recovery_rhythm_values"
        ),
        CheckConstraint("\"distanceUnit\" IN ('km', 'mi')", name="distance_unit_values"),
        CheckConstraint("language IN ('en', 'de', 'es', 'fr')", name="language_values"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    email_verified: Mapped[datetime | None] = mapped_column("emailVerified", TZ_TIMESTAMP)
    image: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        "updatedAt", TZ_TIMESTAMP, server_default=func.now(), onupdate=func.now()
    )

    # Settings for coaching (seed).
    ftp: Mapped[int | None] = mapped_column(Integer)
    max_hr: Mapped[int | None] = mapped_column("maxHr", Integer)
    weight: Mapped[float | None] = mapped_column(Float)
    dob: Mapped[datetime | None] = mapped_column(TZ_TIMESTAMP)

    # What a chat coach needs and the seed lacks (documented in the README).
    timezone: Mapped[str] = mapped_column(Text, server_default=text("'UTC'"), default="UTC")
    brief_time: Mapped[time] = mapped_column("briefTime", Time, server_default=text("'07:00'"), default=time(7, 0))
    brief_enabled: Mapped[bool] = mapped_column("briefEnabled", Boolean, server_default=text("true"), default=True)
    # The language the athlete chose with /settings language (None: follow their Telegram app), and the
    # language their Telegram app last reported, so an unasked message (the brief) speaks it too.
    language: Mapped[str | None] = mapped_column(Text)
    telegram_language: Mapped[str | None] = mapped_column("telegramLanguage", Text)
    telegram_chat_id: Mapped[int | None] = mapped_column("telegramChatId", BigInteger)
    # False once Telegram answered 403 (the user blocked the bot): no more unasked messages until they write again.
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)

    # The athlete profile the heart-rate load needs (HRSS: resting, threshold and max HR, sex) and the
    # coach's default sport; all optional, each with a fallback documented where it is used.
    resting_hr: Mapped[int | None] = mapped_column("restingHr", Integer)
    lthr: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(Text)
    sport_focus: Mapped[str | None] = mapped_column("sportFocus", Text)

    # Availability and constraints the plan keeps to (issue 13); each unset value has a documented default
    # (`coach.availability`). They live on the user rather than in a table of their own: one athlete has one
    # set of them, every one is a setting changed through the same `/settings` path and validators, and the
    # plan service reads them with the user it already holds.
    weekly_hours: Mapped[float | None] = mapped_column("weeklyHours", Float)
    # The longest session per weekday in minutes, Monday first; 0 = not a training day.
    day_minutes: Mapped[list[int] | None] = mapped_column("dayMinutes", ARRAY(Integer))
    # None: not said — a rider with an FTP is taken to train with power.
    has_power_meter: Mapped[bool | None] = mapped_column("hasPowerMeter", Boolean)
    threshold_pace_s_per_km: Mapped[int | None] = mapped_column("thresholdPaceSecPerKm", Integer)
    ctl_ramp: Mapped[float | None] = mapped_column("ctlRamp", Float)
    recovery_rhythm: Mapped[str | None] = mapped_column("recoveryRhythm", Text)
    distance_unit: Mapped[str] = mapped_column("distanceUnit", Text, server_default=text("'km'"), default="km")

    accounts: Mapped[list[Account]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )

    @validates("ftp")
    def _check_ftp(self, _key: str, value: int | None) -> int | None:
        return validation.check_ftp(value)

    @validates("weight")
    def _check_weight(self, _key: str, value: float | None) -> float | None:
        return validation.check_weight(value)

    @validates("max_hr")
    def _check_max_hr(self, _key: str, value: int | None) -> int | None:
        return validation.check_max_hr(value)

    @validates("timezone")
    def _check_timezone(self, _key: str, value: str) -> str:
        return validation.check_timezone(value)

    @validates("resting_hr")
    def _check_resting_hr(self, _key: str, value: int | None) -> int | None:
        return validation.check_resting_hr(value)

    @validates("lthr")
    def _check_lthr(self, _key: str, value: int | None) -> int | None:
        return validation.check_lthr(value)

    @validates("sex")
    def _check_sex(self, _key: str, value: str | None) -> str | None:
        return validation.check_sex(value)

    @validates("dob")
    def _check_dob(self, _key: str, value: datetime | None) -> datetime | None:
        return validation.check_dob(value)

    @validates("sport_focus")
    def _check_sport_focus(self, _key: str, value: str | None) -> str | None:
        return validation.check_sport_focus(value)

    @validates("weekly_hours")
    def _check_weekly_hours(self, _key: str, value: float | None) -> float | None:
        return validation.check_weekly_hours(value)

    @validates("day_minutes")
    def _check_day_minutes(self, _key: str, value: list[int] | None) -> list[int] | None:
        return validation.check_day_minutes(value)

    @validates("threshold_pace_s_per_km")
    def _check_threshold_pace(self, _key: str, value: int | None) -> int | None:
        return validation.check_threshold_pace(value)

    @validates("ctl_ramp")
    def _check_ctl_ramp(self, _key: str, value: float | None) -> float | None:
        return validation.check_ctl_ramp(value)

    @validates("recovery_rhythm")
    def _check_recovery_rhythm(self, _key: str, value: str | None) -> str | None:
        return validation.check_recovery_rhythm(value)

    @validates("distance_unit")
    def _check_distance_unit(self, _key: str, value: str) -> str:
        return validation.check_distance_unit(value)


class Account(Base):
    """A login identity. A Telegram user is ``provider="telegram"``, ``providerAccountId`` = their user id."""

    __tablename__ = "Account"
    __table_args__ = (PrimaryKeyConstraint("provider", "providerAccountId"),)

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    type: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(Text)
    provider_account_id: Mapped[str] = mapped_column("providerAccountId", Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    access_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[int | None] = mapped_column(Integer)
    token_type: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    id_token: Mapped[str | None] = mapped_column(Text)
    session_state: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        "updatedAt", TZ_TIMESTAMP, server_default=func.now(), onupdate=func.now()
    )

    user: Mapped[User] = relationship(back_populates="accounts", lazy="raise")


class Session(Base):
    """A login session. The seed gives it a unique token and no primary key, as Prisma creates it."""

    __tablename__ = "Session"
    __mapper_args__ = {"primary_key": ["session_token"]}  # noqa: RUF012 - read once by the mapper

    session_token: Mapped[str] = mapped_column("sessionToken", Text, unique=True)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    expires: Mapped[datetime] = mapped_column(TZ_TIMESTAMP)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        "updatedAt", TZ_TIMESTAMP, server_default=func.now(), onupdate=func.now()
    )


class VerificationToken(Base):
    __tablename__ = "VerificationToken"
    __table_args__ = (PrimaryKeyConstraint("identifier", "token"),)

    identifier: Mapped[str] = mapped_column(Text)
    token: Mapped[str] = mapped_column(Text)
    expires: Mapped[datetime] = mapped_column(TZ_TIMESTAMP)


class Integration(Base):
    """A connected fitness provider. Tokens are stored encrypted (see the token vault)."""

    __tablename__ = "Integration"
    __table_args__ = (UniqueConstraint("userId", "provider"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    provider: Mapped[str] = mapped_column(Text)
    access_token: Mapped[str] = mapped_column("accessToken", Text)
    refresh_token: Mapped[str | None] = mapped_column("refreshToken", Text)
    expires_at: Mapped[datetime | None] = mapped_column("expiresAt", TZ_TIMESTAMP)
    external_user_id: Mapped[str | None] = mapped_column("externalUserId", Text)
    scope: Mapped[str | None] = mapped_column(Text)
    last_sync_at: Mapped[datetime | None] = mapped_column("lastSyncAt", TZ_TIMESTAMP)
    sync_status: Mapped[str | None] = mapped_column("syncStatus", Text)
    error_message: Mapped[str | None] = mapped_column("errorMessage", Text)
    # Provider connections (migration 0002-connect): when the user connected, and how we authenticate
    # ("oauth", or "api_key" for an Intervals.icu personal key, which has no refresh and no expiry).
    connected_at: Mapped[datetime] = mapped_column("connectedAt", TZ_TIMESTAMP, server_default=func.now())
    auth_method: Mapped[str] = mapped_column("authMethod", Text, server_default=text("'oauth'"), default="oauth")
    # Sync engine: set when the provider refused the grant for good (only reconnecting helps). A sync that
    # failed for any other reason (provider down, endpoint retired) is FAILED too, but is tried again.
    auth_lost_at: Mapped[datetime | None] = mapped_column("authLostAt", TZ_TIMESTAMP)


class Workout(Base):
    """One training session from any source, in one normalized form."""

    __tablename__ = "Workout"
    __table_args__ = (
        UniqueConstraint("userId", "source", "externalId"),
        Index(None, "userId", "date"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    external_id: Mapped[str] = mapped_column("externalId", Text)
    source: Mapped[str] = mapped_column(Text)
    date: Mapped[datetime] = mapped_column(TZ_TIMESTAMP)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(Text)
    duration_sec: Mapped[int] = mapped_column("durationSec", Integer)
    distance_meters: Mapped[float | None] = mapped_column("distanceMeters", Float)
    elevation_gain: Mapped[int | None] = mapped_column("elevationGain", Integer)
    average_watts: Mapped[int | None] = mapped_column("averageWatts", Integer)
    max_watts: Mapped[int | None] = mapped_column("maxWatts", Integer)
    normalized_power: Mapped[int | None] = mapped_column("normalizedPower", Integer)
    average_hr: Mapped[int | None] = mapped_column("averageHr", Integer)
    max_hr: Mapped[int | None] = mapped_column("maxHr", Integer)
    tss: Mapped[float | None] = mapped_column(Float)
    intensity_factor: Mapped[float | None] = mapped_column("if", Float)
    kilojoules: Mapped[int | None] = mapped_column(Integer)
    raw_json: Mapped[dict[str, Any] | None] = mapped_column("rawJson", JSONB)

    # Sync (issue 5), not in the seed. The same session from several providers is stored once per source and
    # linked: a copy points at the record that speaks for the session, which has no link (NULL = counted by
    # the coach). The provider's own local date and UTC offset are kept, never derived from UTC.
    canonical_id: Mapped[str | None] = mapped_column(
        "canonicalId", Text, ForeignKey("Workout.id", ondelete="SET NULL", onupdate="CASCADE")
    )
    local_date: Mapped[dt.date | None] = mapped_column("localDate", Date)
    utc_offset_sec: Mapped[int | None] = mapped_column("utcOffsetSec", Integer)

    @validates("date")
    def _check_date(self, _key: str, value: datetime) -> datetime:
        return validation.check_instant_not_future("date", value)


class DailyMetric(Base):
    """One day of recovery data per user (HRV, resting HR, sleep, recovery, strain)."""

    __tablename__ = "DailyMetric"
    __table_args__ = (
        UniqueConstraint("userId", "date"),
        CheckConstraint('"hrv" IS NULL OR "hrv" > 0', name="hrv_positive"),
        CheckConstraint(
            '"recoveryScore" IS NULL OR ("recoveryScore" >= 0 AND "recoveryScore" <= 100)',
            name="recovery_range",
        ),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    hrv: Mapped[float | None] = mapped_column(Float)
    resting_hr: Mapped[int | None] = mapped_column("restingHr", Integer)
    sleep_score: Mapped[int | None] = mapped_column("sleepScore", Integer)
    hours_slept: Mapped[float | None] = mapped_column("hoursSlept", Float)
    recovery_score: Mapped[int | None] = mapped_column("recoveryScore", Integer)
    strain_score: Mapped[float | None] = mapped_column("strainScore", Float)
    sp_o2: Mapped[float | None] = mapped_column("spO2", Float)

    @validates("date")
    def _check_date(self, _key: str, value: dt.date) -> dt.date:
        return validation.check_date_not_future("date", value)

    @validates("hrv")
    def _check_hrv(self, _key: str, value: float | None) -> float | None:
        return validation.check_hrv(value)

    @validates("recovery_score")
    def _check_recovery(self, _key: str, value: int | None) -> int | None:
        return validation.check_recovery(value)


class Report(Base):
    """An output of the coach: daily suggestion, weekly analysis, race prep or a custom question."""

    __tablename__ = "Report"
    # One report in the works per user, whichever process was asked: the second insert fails (not a check
    # that two processes can pass at once). Finished reports are not in the index, so they never collide.
    __table_args__ = (
        Index(
            "Report_userId_open_key",
            "userId",
            unique=True,
            postgresql_where=text("status IN ('PENDING', 'PROCESSING')"),
        ),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    type: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        "updatedAt", TZ_TIMESTAMP, server_default=func.now(), onupdate=func.now()
    )
    date_range_start: Mapped[datetime] = mapped_column("dateRangeStart", TZ_TIMESTAMP)
    date_range_end: Mapped[datetime] = mapped_column("dateRangeEnd", TZ_TIMESTAMP)
    model_version: Mapped[str | None] = mapped_column("modelVersion", Text)
    markdown: Mapped[str | None] = mapped_column(Text)
    latex: Mapped[str | None] = mapped_column(Text)
    pdf_url: Mapped[str | None] = mapped_column("pdfUrl", Text)
    suggestions: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


# --- Buttons -------------------------------------------------------------------------------------------------


class CallbackAction(Base):
    """What an inline button does, kept on the server.

    A button's ``callback_data`` carries only this row's random id, so a forged or replayed payload can
    name nothing: the row fixes the user, the chat, the action and its arguments, and when it expires.
    """

    __tablename__ = "CallbackAction"
    __table_args__ = (Index(None, "expiresAt"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    chat_id: Mapped[int] = mapped_column("chatId", BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)
    single_use: Mapped[bool] = mapped_column("singleUse", Boolean, server_default=text("true"), default=True)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column("expiresAt", TZ_TIMESTAMP)
    used_at: Mapped[datetime | None] = mapped_column("usedAt", TZ_TIMESTAMP)


# --- Sync: per-source daily values, metric source order, cursors, pending objects -------------------------------


# Deleting a workout nulls its copies' links (ON DELETE SET NULL): an index keeps that from scanning the table.
# Partial: only copies have a canonical id, and an index over the NULLs lured the planner into reading every
# row for "canonicalId" IS NULL (migration 0012).
Index(None, Workout.canonical_id, postgresql_where=Workout.canonical_id.is_not(None))


class DailyMetricSource(Base):
    """One provider's recovery values for one day, kept so the merged ``DailyMetric`` can always be recomputed.

    ``DailyMetric`` keeps the seed's one row per (user, date); each of its fields is taken from the most
    reliable source that has it (`integrations.sync.daily`). Keeping every source's values here makes that
    merge a pure function of the stored data: it does not depend on which provider arrived first, and it can
    be redone when the athlete changes their order. ``rawJson`` holds one provider object per document kind.
    """

    __tablename__ = "DailyMetricSource"
    __table_args__ = (PrimaryKeyConstraint("userId", "date", "source"),)

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    hrv: Mapped[float | None] = mapped_column(Float)
    resting_hr: Mapped[int | None] = mapped_column("restingHr", Integer)
    sleep_score: Mapped[int | None] = mapped_column("sleepScore", Integer)
    hours_slept: Mapped[float | None] = mapped_column("hoursSlept", Float)
    recovery_score: Mapped[int | None] = mapped_column("recoveryScore", Integer)
    strain_score: Mapped[float | None] = mapped_column("strainScore", Float)
    sp_o2: Mapped[float | None] = mapped_column("spO2", Float)
    raw_json: Mapped[dict[str, Any]] = mapped_column("rawJson", JSONB, server_default=text("'{}'::jsonb"), default=dict)
    updated_at: Mapped[datetime] = mapped_column("updatedAt", TZ_TIMESTAMP, server_default=func.now())


class MetricSourceOrder(Base):
    """An athlete's own source order for one daily metric (e.g. Oura before WHOOP for HRV)."""

    __tablename__ = "MetricSourceOrder"
    __table_args__ = (PrimaryKeyConstraint("userId", "metric"),)

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    metric: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(ARRAY(Text))


class SyncCursor(Base):
    """Where a provider stream's sync got to; written in the same transaction as that page's rows."""

    __tablename__ = "SyncCursor"
    __table_args__ = (PrimaryKeyConstraint("integrationId", "stream"),)

    integration_id: Mapped[str] = mapped_column(
        "integrationId", Text, ForeignKey("Integration.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    stream: Mapped[str] = mapped_column(Text)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column("updatedAt", TZ_TIMESTAMP, server_default=func.now())


class SyncPending(Base):
    """A provider object seen before it was final (WHOOP ``PENDING_SCORE``): fetch it again later."""

    __tablename__ = "SyncPending"
    __table_args__ = (PrimaryKeyConstraint("integrationId", "kind", "externalId"),)

    integration_id: Mapped[str] = mapped_column(
        "integrationId", Text, ForeignKey("Integration.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    kind: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column("externalId", Text)
    reason: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column("firstSeenAt", TZ_TIMESTAMP, server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column("lastSeenAt", TZ_TIMESTAMP, server_default=func.now())


# --------------------------------------------------------------------------- morning brief and check-in


# Revoking an older brief's buttons deletes by (user, kind) for every brief sent: an index keeps that from
# scanning every outstanding button.
Index(None, CallbackAction.user_id, CallbackAction.kind)


class BriefDelivery(Base):
    """One morning brief for one user and one local date: the record that makes it happen at most once.

    The unique key (user, local date, kind) is taken in PostgreSQL before anything is sent, so several bot
    processes, restarts and the twice-occurring hour of a DST fall-back still give one row. ``status`` walks
    waiting → pending → sending → sent (or blocked / failed / unknown / skipped); a pending row's sending is a
    "Job" of kind ``brief.send`` keyed by the row's id (its claim, lease, attempts and retries); see
    ``db/repositories/briefs.py`` for what each state promises after a crash.
    """

    __tablename__ = "BriefDelivery"
    __table_args__ = (
        UniqueConstraint("userId", "localDate", "kind"),
        Index(None, "status"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    local_date: Mapped[dt.date] = mapped_column("localDate", Date)
    kind: Mapped[str] = mapped_column(Text, server_default=text("'morning'"), default="morning")
    status: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column("dueAt", TZ_TIMESTAMP)
    wait_until: Mapped[datetime | None] = mapped_column("waitUntil", TZ_TIMESTAMP)
    missing: Mapped[list[str] | None] = mapped_column(JSONB)
    message_id: Mapped[int | None] = mapped_column("messageId", BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column("sentAt", TZ_TIMESTAMP)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())


class CheckIn(Base):
    """The athlete's own morning answers for one local date: feel 1–5, soreness, illness, and their choice.

    Illness is a hard veto in the readiness rules; the other answers temper the suggestion.
    """

    __tablename__ = "CheckIn"
    __table_args__ = (
        UniqueConstraint("userId", "date"),
        CheckConstraint('"feel" IS NULL OR ("feel" >= 1 AND "feel" <= 5)', name="feel_range"),
        CheckConstraint('"soreness" IS NULL OR ("soreness" >= 0 AND "soreness" <= 2)', name="soreness_range"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    date: Mapped[dt.date] = mapped_column(Date)
    feel: Mapped[int | None] = mapped_column(Integer)
    soreness: Mapped[int | None] = mapped_column(Integer)
    illness: Mapped[bool | None] = mapped_column(Boolean)
    choice: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column("updatedAt", TZ_TIMESTAMP, server_default=func.now())


# --------------------------------------------------------------------------- provider connections (OAuth)


class OAuthState(Base):
    """One pending authorization: the ``state`` we sent to a provider, until its callback or 10 minutes.

    Only a SHA-256 of the state is stored (the state itself is the bearer secret of the flow), bound to
    the user and the provider it was issued for; the row is deleted when the callback uses it, so a state
    works once. The PKCE verifier, when the provider supports PKCE, is sealed by the token vault.
    ``browserHash`` is the SHA-256 of a random cookie given to the browser that started the flow; when
    set, only a callback carrying that cookie is accepted (NULL: a plain-http development link, unbound).
    """

    __tablename__ = "OAuthState"

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    state_hash: Mapped[str] = mapped_column("stateHash", Text, unique=True)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    provider: Mapped[str] = mapped_column(Text)
    chat_id: Mapped[int | None] = mapped_column("chatId", BigInteger)
    code_verifier: Mapped[str | None] = mapped_column("codeVerifier", Text)
    browser_hash: Mapped[str | None] = mapped_column("browserHash", Text)
    expires_at: Mapped[datetime] = mapped_column("expiresAt", TZ_TIMESTAMP, index=True)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())


# --------------------------------------------------------------------------- the Gemini coach (issue 6)


class ChatTurn(Base):
    """One message of a user's conversation with the coach, kept so a follow-up works after a restart.

    Only the question and the coach's answer are kept (no tool results): the next turn re-reads the data.
    The serial id orders turns written in one transaction (they share ``createdAt``).
    """

    __tablename__ = "ChatTurn"
    __table_args__ = (
        Index(None, "userId", "id"),
        CheckConstraint("role IN ('user', 'model')", name="role_values"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    role: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())


class LlmUsage(Base):
    """Gemini tokens one user spent on one UTC day; the daily budget is checked against it."""

    __tablename__ = "LlmUsage"
    __table_args__ = (PrimaryKeyConstraint("userId", "day"),)

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    day: Mapped[dt.date] = mapped_column(Date)
    tokens: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    requests: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)


class CoachNotice(Base):
    """When a one-off notice (e.g. "free-form answers need a Gemini key") was last shown to a user."""

    __tablename__ = "CoachNotice"
    __table_args__ = (PrimaryKeyConstraint("userId", "kind"),)

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    kind: Mapped[str] = mapped_column(Text)
    shown_at: Mapped[datetime] = mapped_column("shownAt", TZ_TIMESTAMP)


# --- Reports: what was asked, where the answer goes, and who is working on it ---------------------------------


class ReportRequest(Base):
    """The delivery side of a "Report": the chat it answers, its parameters and its progress message.

    A report runs after the command has been answered, as a ``report.build`` job of the job queue ("Job",
    keyed by the report's id), so the process may stop half-way: the queue's lease gives the job to another
    process, which finishes the report and sends it to ``chatId``. ``lastError`` is why the last attempt
    failed (cleared when the next one starts); ``deliveredAt`` when the report went out.
    """

    __tablename__ = "ReportRequest"

    report_id: Mapped[str] = mapped_column(
        "reportId", Text, ForeignKey("Report.id", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column("chatId", BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column("progressMessageId", BigInteger)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)
    last_error: Mapped[str | None] = mapped_column("lastError", Text)
    delivered_at: Mapped[datetime | None] = mapped_column("deliveredAt", TZ_TIMESTAMP)


# --------------------------------------------------------------------------- provider webhooks (sync engine)


class ProviderEvent(Base):
    """A verified provider webhook event, stored before the provider gets its 200, then processed from here.

    ``eventKey`` is the provider's own identity of the delivery (WHOOP ``trace_id``; Strava owner, object,
    aspect and event time; …), so a redelivery hits the unique key and is acknowledged without a second
    row. Processing re-fetches the object from the provider, so duplicates and out-of-order deliveries
    converge to the provider's current state. The work is a job of the queue (`Job`, kind ``provider.event``,
    keyed by this row's id, enqueued in the transaction that inserts the row): its attempts, lease, backoff and
    dead state are the job's; ``processedAt`` and ``outcome`` say when and how the event was handled.

    The payload is the person's data (a wellness comment, a workout), so the row belongs to the athlete
    (``userId``: exported with them, deleted with them); an event for an athlete we do not know is not
    stored at all, and processed (or given-up) events are purged after a week (`bot.jobs.housekeeping`).
    """

    __tablename__ = "ProviderEvent"
    __table_args__ = (
        UniqueConstraint("provider", "eventKey"),
        Index(None, "receivedAt", postgresql_where=text('"processedAt" IS NULL')),
        Index(None, "userId"),
        Index(None, "processedAt"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    provider: Mapped[str] = mapped_column(Text)
    event_key: Mapped[str] = mapped_column("eventKey", Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column("receivedAt", TZ_TIMESTAMP, server_default=func.now())
    processed_at: Mapped[datetime | None] = mapped_column("processedAt", TZ_TIMESTAMP)
    outcome: Mapped[str | None] = mapped_column(Text)


class Job(Base):
    """One unit of background work in the durable job queue (`db.repositories.jobs`, run by `bot.jobs`).

    A job is **queued** until ``runAt``, then taken by one process (**running**, held until ``leaseUntil``,
    which the process extends while it works), and ends **done** or, after its last attempt, **dead** — the
    dead-letter state: kept with its ``lastError`` for an operator (``coach-watts jobs``), never retried by
    itself. ``(kind, key)`` is unique: enqueueing a key that exists is a no-op, which is how a periodic slot
    ("housekeeping" at 14:41) runs once whichever process enqueued it first, and how "close this athlete's
    Tuesday" happens once. ``lockKey`` names what must not be worked on twice at once ("user:…",
    "connection:…"): of the jobs sharing a lock key, at most one is running in all processes together.
    """

    __tablename__ = "Job"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        CheckConstraint("state IN ('queued', 'running', 'done', 'dead')", name="state_values"),
        CheckConstraint('"maxAttempts" >= 1', name="max_attempts_positive"),
        Index(None, "runAt", postgresql_where=text("state = 'queued'")),
        # Running and queued: a take asks which lock keys run, an arrival (`jobs.arrive`) also which wait.
        Index(None, "lockKey", postgresql_where=text("state IN ('queued', 'running')")),
        Index(None, "leaseUntil", postgresql_where=text("state = 'running'")),
        Index(None, "finishedAt", postgresql_where=text("state IN ('done', 'dead')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    lock_key: Mapped[str | None] = mapped_column("lockKey", Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)
    state: Mapped[str] = mapped_column(Text, server_default=text("'queued'"), default="queued")
    run_at: Mapped[datetime] = mapped_column("runAt", TZ_TIMESTAMP, server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    max_attempts: Mapped[int] = mapped_column("maxAttempts", Integer, server_default=text("5"), default=5)
    owner: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column("leaseUntil", TZ_TIMESTAMP)
    last_error: Mapped[str | None] = mapped_column("lastError", Text)
    # When it was queued (again, for a key queued anew): what the age of waiting work is counted from.
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column("finishedAt", TZ_TIMESTAMP)


class TelegramPace(Base):
    """The bot-wide send pace every process shares (GCRA): one row for the whole bot (``key = '*'``), one per
    chat (``key = chat id``). ``tat`` is the theoretical arrival time of the next send; ``holdUntil`` a flood
    wait Telegram asked for, which stops every process. Turns are handed out by the SQL function
    ``cw_telegram_turn`` (migration 0018) in one round trip; see `bot.ratelimit`.
    """

    __tablename__ = "TelegramPace"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    tat: Mapped[datetime] = mapped_column(TZ_TIMESTAMP)
    hold_until: Mapped[datetime] = mapped_column(
        "holdUntil", TZ_TIMESTAMP, server_default=text("'-infinity'::timestamptz")
    )


# --- Onboarding and settings dialogs ---------------------------------------------------------------------------


class DialogState(Base):
    """The question the bot is waiting for an answer to, per user: one row, or none.

    Kept in PostgreSQL rather than in python-telegram-bot's memory so a restart (or a second bot process)
    picks the conversation up where it was; ``expiresAt`` lets an abandoned question lapse, so a message
    typed days later is read as a message, not as an answer.
    """

    __tablename__ = "DialogState"

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk(), primary_key=True)
    flow: Mapped[str] = mapped_column(Text)  # "onboarding" or "settings"
    step: Mapped[str] = mapped_column(Text)  # the setting being asked for (coach.profile.SETTINGS key)
    chat_id: Mapped[int] = mapped_column("chatId", BigInteger)
    # The message that asked, so its buttons can be taken away once it is answered by typing.
    message_id: Mapped[int | None] = mapped_column("messageId", BigInteger)
    updated_at: Mapped[datetime] = mapped_column("updatedAt", TZ_TIMESTAMP)
    expires_at: Mapped[datetime] = mapped_column("expiresAt", TZ_TIMESTAMP)


# --- Races and training plans (issue 13; the seed's "Future Schema Enhancements") -----------------------------


class Race(Base):
    """A race the athlete trains for: the seed's ``Race`` plus sport, priority and a target time.

    ``date`` is the race's local calendar day (a Date, where the seed sketches a DateTime: a race is on a day
    in the athlete's zone, not at a UTC instant); ``distance`` is in km and may be unknown (the seed requires
    it, but ``/race <name> <date>`` is enough to plan a taper). A: the plan peaks for it; B: a mini-taper;
    C: trained through.
    """

    __tablename__ = "Race"
    __table_args__ = (
        UniqueConstraint("userId", "name", "date"),
        CheckConstraint("priority IN ('A', 'B', 'C')", name="priority_values"),
        CheckConstraint("sport IN ('ride', 'run', 'swim')", name="sport_values"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 60", name="name_length"),
        CheckConstraint('"distance" IS NULL OR ("distance" > 0 AND "distance" <= 5000)', name="distance_range"),
        CheckConstraint('"targetPower" IS NULL OR ("targetPower" BETWEEN 1 AND 2000)', name="target_power_range"),
        CheckConstraint('"targetTimeSec" IS NULL OR "targetTimeSec" > 0', name="target_time_positive"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    name: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date] = mapped_column(Date)
    distance: Mapped[float | None] = mapped_column(Float)
    target_power: Mapped[int | None] = mapped_column("targetPower", Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    sport: Mapped[str] = mapped_column(Text, server_default=text("'ride'"), default="ride")
    priority: Mapped[str] = mapped_column(Text, server_default=text("'A'"), default="A")
    target_time_sec: Mapped[int | None] = mapped_column("targetTimeSec", Integer)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())

    @validates("name")
    def _check_name(self, _key: str, value: str) -> str:
        return validation.check_race_name(value)

    @validates("priority")
    def _check_priority(self, _key: str, value: str) -> str:
        return validation.check_race_priority(value)

    @validates("sport")
    def _check_sport(self, _key: str, value: str) -> str:
        return validation.check_race_sport(value)

    @validates("distance")
    def _check_distance(self, _key: str, value: float | None) -> float | None:
        return validation.check_race_distance(value)

    @validates("target_power")
    def _check_target_power(self, _key: str, value: int | None) -> int | None:
        return validation.check_target_power(value)


class TrainingPlan(Base):
    """One built plan: the seed's ``TrainingPlan`` plus whose it is, the race it leads to and its status.

    ``weeks`` is the weeks' summary (start, phase, recovery week or not, target TSS); ``projection`` the plan's
    projected end-of-day CTL/ATL per day, for "tomorrow's form" and the plan chart. A rebuilt plan sets the
    old one ``superseded``; at most one plan per user is ``active`` (a partial unique index).
    """

    __tablename__ = "TrainingPlan"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'superseded')", name="status_values"),
        Index(None, "userId", unique=True, postgresql_where=text("status = 'active'")),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    name: Mapped[str] = mapped_column(Text)
    start_date: Mapped[dt.date] = mapped_column("startDate", Date)
    end_date: Mapped[dt.date] = mapped_column("endDate", Date)
    weeks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    projection: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"), default=list)
    race_id: Mapped[str | None] = mapped_column(
        "raceId", Text, ForeignKey("Race.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(Text, server_default=text("'active'"), default="active")
    # The threshold pace run targets are shown at when the athlete has set none: estimated from their runs
    # once, when the plan is built, so /today, the brief and /plan give the same paces all plan long.
    estimated_pace_s_per_km: Mapped[int | None] = mapped_column("estimatedPaceSecPerKm", Integer)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())

    @validates("status")
    def _check_status(self, _key: str, value: str) -> str:
        return validation.check_plan_status(value)


class PlannedWorkout(Base):
    """One planned session of a plan: what to do on ``date``, and what became of it.

    ``steps`` holds the structured workout's blocks (`coach.workouts.serialize`), so the session renders in
    the athlete's current units whatever their thresholds were when it was planned. When a session is
    adapted (readiness, the brief's buttons) the original row becomes ``replaced`` and the new one points at
    it with ``replacesId``; ``workoutId`` is the recorded workout it was matched to.
    """

    __tablename__ = "PlannedWorkout"
    __table_args__ = (
        Index(None, "userId", "date"),
        CheckConstraint(
            "status IN ('planned', 'done', 'partial', 'missed', 'skipped', 'replaced')", name="status_values"
        ),
        CheckConstraint('"plannedDurationSec" >= 0', name="duration_nonnegative"),
        CheckConstraint('"plannedTss" >= 0', name="tss_nonnegative"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True, default=_uuid)
    plan_id: Mapped[str] = mapped_column(
        "planId", Text, ForeignKey("TrainingPlan.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk())
    date: Mapped[dt.date] = mapped_column(Date)
    sport: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"), default="")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    planned_duration_sec: Mapped[int] = mapped_column("plannedDurationSec", Integer)
    planned_tss: Mapped[float] = mapped_column("plannedTss", Float)
    status: Mapped[str] = mapped_column(Text, server_default=text("'planned'"), default="planned")
    workout_id: Mapped[str | None] = mapped_column(
        "workoutId", Text, ForeignKey("Workout.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    replaces_id: Mapped[str | None] = mapped_column(
        "replacesId", Text, ForeignKey("PlannedWorkout.id", ondelete="SET NULL", onupdate="CASCADE"), index=True
    )
    # Why a replacement was made: the readiness action or the athlete's choice ("easier", "rest", …).
    adapted_for: Mapped[str | None] = mapped_column("adaptedFor", Text)
    created_at: Mapped[datetime] = mapped_column("createdAt", TZ_TIMESTAMP, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        "updatedAt", TZ_TIMESTAMP, server_default=func.now(), onupdate=func.now()
    )

    @validates("status")
    def _check_status(self, _key: str, value: str) -> str:
        return validation.check_session_status(value)


class CalendarSync(Base):
    """An athlete's Intervals.icu calendar sync: on or off, and how many writes were asked for.

    The row is the switch (``enabled``). Every change of the athlete's planned sessions, or of the thresholds
    their targets are written in, counts a request (``generation``, ``requestedAt``) and queues the athlete's
    write job again on the job queue ("Job", kind ``calendar.write``, keyed by the user id) — database
    triggers (migrations 0019 and 0026) — so any number of changes coalesce into one pending job that
    re-reconciles the athlete's window; a job that finds the generation changed since it started runs again.
    """

    __tablename__ = "CalendarSync"

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk(), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    enabled_at: Mapped[datetime] = mapped_column("enabledAt", TZ_TIMESTAMP, server_default=func.now())
    stopped_at: Mapped[datetime | None] = mapped_column("stoppedAt", TZ_TIMESTAMP)
    requested_at: Mapped[datetime] = mapped_column("requestedAt", TZ_TIMESTAMP, server_default=func.now())
    # Counts the requests: a job that finds it changed since it started runs again (a change arrived while it
    # wrote), without comparing the database's clock with the application's.
    generation: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)


class CalendarEntry(Base):
    """What we last wrote to the athlete's Intervals.icu calendar for one planned session.

    Keyed by our ``externalId`` (``cw-<PlannedWorkout id>``), not by a foreign key: a session the plan deletes
    must still be known here until its event is removed. ``payload`` is the event as sent; ``eventId`` is
    Intervals.icu's id of it.
    """

    __tablename__ = "CalendarEntry"

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk(), primary_key=True)
    external_id: Mapped[str] = mapped_column("externalId", Text, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    event_id: Mapped[str | None] = mapped_column("eventId", Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    written_at: Mapped[datetime] = mapped_column("writtenAt", TZ_TIMESTAMP)


class DailyLoad(Base):
    """One local day's summed training load per user, with the fitness and fatigue it leaves (issue 17).

    Written only by `coach.day_loads` from the user's counted workouts (one per session, `canonicalId` NULL),
    never by the write paths themselves: those mark the user stale in `DailyLoadStale` through triggers on
    "Workout" and "User" (migration 0021), so no path that changes a load can be missed. A row exists for
    every day with at least one counted session. ``ctl``/``atl`` run over the user's whole history (seeded at
    zero before the first session); the cumulative counts let a window's counts be read from two rows.
    """

    __tablename__ = "DailyLoad"

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk(), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    load: Mapped[float] = mapped_column(Float)
    sessions: Mapped[int] = mapped_column(Integer)
    estimated: Mapped[int] = mapped_column(Integer)
    ctl: Mapped[float] = mapped_column(Float)
    atl: Mapped[float] = mapped_column(Float)
    sessions_total: Mapped[int] = mapped_column("sessionsTotal", Integer)
    estimated_total: Mapped[int] = mapped_column("estimatedTotal", Integer)


class DailyLoadStale(Base):
    """The users whose `DailyLoad` rows from ``fromDate`` on no longer match their workouts or profile.

    Set by the triggers of migration 0021 in the transaction of the write; cleared by the rebuild, which the
    readers run before they read (`coach.day_loads.refresh`). ``fromDate`` is a local day at or before the
    earliest day that changed (0001-01-01: everything, after a profile change).
    """

    __tablename__ = "DailyLoadStale"

    user_id: Mapped[str] = mapped_column("userId", Text, _user_fk(), primary_key=True)
    from_date: Mapped[dt.date] = mapped_column("fromDate", Date)
