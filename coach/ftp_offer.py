"""When the data says the FTP setting is off: the offer to update it, made once per estimate.

The check (`find_offer`) reads the 90-day curve (`coach.curves`) and offers the estimated FTP when all hold:
  * the estimate rests on good data (`coach.science.thresholds.Quality.GOOD`: at least 4 recent 3–20 min bests
    spread over the window, a plausible W′, and agreement with 95 % of the best 20 minutes within 10 %);
  * it differs from the stored FTP by more than `OFFER_TOLERANCE` (3 %), or no FTP is set;
  * the 20-minute rule, where there is a 20-minute best, points the same way (both above or both below the
    setting): two methods that disagree on the direction are no reason to change a number the athlete chose;
  * this estimate (rounded to `SAME_ESTIMATE_W`) was never offered before (`CoachNotice` kind
    ``ftp-estimate:<watts>``), so an athlete who declines is not asked again until the data says something new.

It runs after the athlete's data changes (a FIT file imported in the chat, a sync started from the chat) and
when they look at their curve (/curve). Nothing is ever changed without the athlete's tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach.curves import curve_view
from coach.science.thresholds import Quality, differs
from db.models import User
from db.repositories import notices

OFFER_TOLERANCE = 0.03
SAME_ESTIMATE_W = 5  # estimates within the same 5 W are "the same estimate"
NOTICE_PREFIX = "ftp-estimate:"


@dataclass(frozen=True, slots=True)
class Evidence:
    duration_s: int
    power_w: float
    day: date


@dataclass(frozen=True, slots=True)
class FtpOffer:
    ftp_w: int  # what the button sets
    current_ftp_w: int | None
    cp_w: float
    w_prime_j: float
    ftp_from_20min_w: float | None
    efforts: tuple[Evidence, ...]

    @property
    def notice_kind(self) -> str:
        return f"{NOTICE_PREFIX}{self.ftp_w // SAME_ESTIMATE_W * SAME_ESTIMATE_W}"


async def find_offer(session: AsyncSession, user: User, *, now: datetime) -> FtpOffer | None:
    """The offer the data supports today, or ``None``; reads only (see `claim`)."""
    view = await curve_view(session, user, now=now)
    estimate = view.ftp
    if estimate.quality is not Quality.GOOD or estimate.ftp_w is None:
        return None
    assert estimate.cp_w is not None and estimate.w_prime_j is not None
    proposed = round(estimate.ftp_w)
    current = user.ftp
    if not differs(proposed, current, tolerance=OFFER_TOLERANCE):
        return None
    rule = estimate.ftp_from_20min_w
    if current and rule is not None and (rule > current) != (proposed > current):
        return None
    tz = ZoneInfo(user.timezone)
    efforts = tuple(
        Evidence(e.duration_s, e.value, view.rows[e.source].date.astimezone(tz).date()) for e in estimate.efforts
    )
    return FtpOffer(proposed, current, estimate.cp_w, estimate.w_prime_j, rule, efforts)


async def claim(session: AsyncSession, user: User, offer: FtpOffer, *, now: datetime) -> bool:
    """Record that ``offer`` is being made; ``False`` when this estimate was offered before (say nothing)."""
    return await notices.claim(session, user_id=user.id, kind=offer.notice_kind, now=now)
