"""The morning brief: when it is due in the athlete's own time zone, whether last night's data is in, and
what it says.

**When.** A brief for local date *d* is due at ``briefTime`` on *d* in ``User.timezone`` (zoneinfo). Two local
times need a deliberate rule, because a DST change makes them occur zero times or twice:

- a time that does not exist (the spring-forward gap, e.g. 02:30 in Berlin on the last Sunday of March)
  is read with the offset in force before the jump, i.e. moved forward by the gap: 02:30 → 03:30;
- a time that occurs twice (the fall-back overlap) means its first occurrence (``fold=0``); the second
  occurrence belongs to the same local date, and the (user, local date) claim makes sure nothing is sent
  twice.

**Fresh data.** A brief must never present yesterday's numbers as today's. The signals a user's devices sent
in the last two weeks (sleep, HRV, resting HR) are expected for last night too; while any is missing the brief
waits (a sync is requested), up to the configured freshness wait, and then goes out saying plainly which data
did not arrive. A user whose devices send nothing is not kept waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import plans
from coach.daily import Assessment, assess_many, assess_today, local_day_start
from coach.i18n import N_, t
from coach.plans import TodayPlan
from db.models import CheckIn, User
from db.repositories import briefs

# English, as stored with the delivery (``missing``); `Brief.missing_words` says them in the athlete's language.
SIGNAL_NAMES = {
    "sleep": N_("last night's sleep"),
    "hrv": N_("this morning's HRV"),
    "resting_hr": N_("this morning's resting HR"),
}


def due_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of local ``at`` on ``day``: gaps move forward, overlaps take the first occurrence."""
    return datetime.combine(day, at.replace(fold=0, tzinfo=None), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Due:
    local_date: date
    due_at: datetime


def latest_due(now: datetime, tz: ZoneInfo, at: time) -> Due | None:
    """The most recent brief that has come due at ``now`` (today's, else yesterday's local date)."""
    today = now.astimezone(tz).date()
    for day in (today, today - timedelta(days=1)):
        due = due_instant(day, at, tz)
        if due <= now:
            return Due(day, due)
    return None


def missing_signals(night: briefs.NightData) -> list[str]:
    """The expected signals that have not arrived for the night, as words for the athlete (English: they are
    stored with the delivery; `Brief.missing_words` translates them)."""
    return [SIGNAL_NAMES[name] for name in briefs.SIGNALS if name in night.expected and name not in night.present]


@dataclass(frozen=True, slots=True)
class Brief:
    local_date: date
    assessment: Assessment
    missing: list[str]
    check_in: CheckIn | None
    # Today's planned session, adapted to the assessment's readiness, and tomorrow's (None: no plan).
    plan: TodayPlan | None = None

    @property
    def missing_words(self) -> list[str]:
        """`missing` in the current language."""
        return [t(name) for name in self.missing]


def night_from_rows(assessment: Assessment) -> briefs.NightData:
    """Last night's signals and the expected ones, from the daily rows the assessment already read."""
    today = assessment.today
    since = today - timedelta(days=briefs.EXPECTATION_DAYS)
    columns = {"sleep": "hours_slept", "hrv": "hrv", "resting_hr": "resting_hr"}
    present = {n for n, c in columns.items() for r in assessment.daily if r.date == today and getattr(r, c) is not None}
    expected = {
        n for n, c in columns.items() for r in assessment.daily if since <= r.date < today and getattr(r, c) is not None
    }
    return briefs.NightData(present=frozenset(present), expected=frozenset(expected))


def brief_of(assessment: Assessment, plan: TodayPlan | None = None) -> Brief:
    return Brief(
        local_date=assessment.today,
        assessment=assessment,
        missing=missing_signals(night_from_rows(assessment)),
        check_in=assessment.check_in,
        plan=plan,
    )


def composed_at(local_date: date, tz: ZoneInfo, now: datetime) -> datetime:
    """The instant a brief for ``local_date`` is composed as of: ``now``, or the last moment of that date
    once it is over.

    A brief can go out after its local date has ended (a brief time of 23:59 is still due within the catch-up
    after midnight); composed at ``now`` it would be headed and filled with the new day while being claimed
    for the old one, and the new day would get its own brief at 23:59 too. Composing as of the claimed date
    keeps a brief to one date: its heading, its numbers and its claim.
    """
    return min(now, local_day_start(local_date + timedelta(days=1), tz) - timedelta(microseconds=1))


async def compose(
    session: AsyncSession, user: User, *, now: datetime, band_sd: float = 0.5, local_date: date | None = None
) -> Brief:
    """The brief for ``local_date`` (today's when not given): the assessment, the day's session from the plan,
    and which of last night's data is missing."""
    at = now if local_date is None else composed_at(local_date, ZoneInfo(user.timezone), now)
    assessment = await assess_today(session, user, now=at, band_sd=band_sd)
    return brief_of(assessment, await plans.today(session, user, assessment=assessment))


async def compose_many(
    session: AsyncSession,
    users: Sequence[User],
    *,
    now: datetime,
    band_sd: float = 0.5,
    local_dates: Mapping[str, date] | None = None,
) -> dict[str, Brief]:
    """`compose` for a batch of users (each for its ``local_dates`` entry, else today), in a few queries."""
    dates = local_dates or {}
    as_of = {u.id: composed_at(dates[u.id], ZoneInfo(u.timezone), now) for u in users if u.id in dates}
    assessed = await assess_many(session, users, now=now, band_sd=band_sd, as_of=as_of)
    planned = await plans.today_many(session, users, assessments=assessed)
    return {user_id: brief_of(a, planned.get(user_id)) for user_id, a in assessed.items()}


def plan_day(
    recipients: Iterable[briefs.Recipient], now: datetime, *, catch_up: timedelta
) -> dict[tuple[str, date], tuple[briefs.Recipient, Due]]:
    """Which users have a brief due at ``now``, keyed by (user, local date). Zones are parsed once.

    Yesterday's brief counts only while it is within ``catch_up`` (a late brief time near midnight);
    today's is returned even when late, so the caller can record it as skipped, once.
    """
    zones: dict[str, ZoneInfo] = {}
    due: dict[tuple[str, date], tuple[briefs.Recipient, Due]] = {}
    for r in recipients:
        tz = zones.get(r.timezone) or zones.setdefault(r.timezone, ZoneInfo(r.timezone))
        found = latest_due(now, tz, r.brief_time)
        if found is None:
            continue
        if now - found.due_at > catch_up and found.local_date != now.astimezone(tz).date():
            continue
        due[(r.user_id, found.local_date)] = (r, found)
    return due
