"""FIT activity files: decode (`parse`), summarise with `coach.science` (`summary`), refuse with `errors`."""

from integrations.fit.errors import (
    FitCorrupt,
    FitImportError,
    FitNoSamples,
    FitNotActivity,
    FitTooLarge,
    FitTruncated,
)
from integrations.fit.parse import MAX_FIT_BYTES, DeviceSummary, FitActivity, FitLap, parse_activities, parse_fit

__all__ = [
    "MAX_FIT_BYTES",
    "DeviceSummary",
    "FitActivity",
    "FitCorrupt",
    "FitImportError",
    "FitLap",
    "FitNoSamples",
    "FitNotActivity",
    "FitTooLarge",
    "FitTruncated",
    "parse_activities",
    "parse_fit",
]
