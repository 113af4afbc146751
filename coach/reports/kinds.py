"""The seed's report types and status flow: PENDING → PROCESSING → COMPLETED | FAILED."""

from __future__ import annotations

from enum import StrEnum


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

TITLES = {
    ReportType.WEEKLY_ANALYSIS: "weekly report",
    ReportType.RACE_PREP: "race plan",
    ReportType.DAILY_SUGGESTION: "daily suggestion",
    ReportType.CUSTOM: "report",
}
