"""Reports: the weekly analysis, race preparation and custom questions, with the seed's status flow."""

from coach.reports.content import Narrator, Progress, ReportContent
from coach.reports.kinds import OPEN_STATUSES, TITLES, ReportStatus, ReportType, title

__all__ = ["OPEN_STATUSES", "TITLES", "Narrator", "Progress", "ReportContent", "ReportStatus", "ReportType", "title"]
