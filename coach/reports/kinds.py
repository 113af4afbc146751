"""The seed's report types and status flow: PENDING → PROCESSING → COMPLETED | FAILED."""

from __future__ import annotations

from enum import StrEnum

from coach.i18n import N_, t


class ReportType(StrEnum):
    WEEKLY_ANALYSIS = "WEEKLY_ANALYSIS"
    RACE_PREP = "RACE_PREP"
    DAILY_SUGGESTION = "DAILY_SUGGESTION"
    CUSTOM = "CUSTOM"


class ReportStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


# Not finished yet: someone is (or should be) working on it.
OPEN_STATUSES = (ReportStatus.PENDING, ReportStatus.PROCESSING)

# What the chat calls each report ("Working on your weekly report…"): English here, `title` in the athlete's
# language.
TITLES = {
    ReportType.WEEKLY_ANALYSIS: N_("weekly report"),
    ReportType.RACE_PREP: N_("race plan"),
    ReportType.DAILY_SUGGESTION: N_("daily suggestion"),
    ReportType.CUSTOM: N_("report"),
}


def title(kind: ReportType) -> str:
    """The report's name in the language being spoken."""
    return t(TITLES[kind])
