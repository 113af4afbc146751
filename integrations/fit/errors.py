"""Why a FIT file could not be imported.

    FitImportError                 any refusal; nothing from the file may be stored
    ├── FitTooLarge(size_bytes, limit_bytes)
    ├── FitCorrupt                 not a FIT file, failed checksum, or undecodable content
    │   └── FitTruncated           the file ends early (empty, cut off in transfer)
    ├── FitNotActivity(file_type)  a FIT file, but settings, a workout plan, monitoring data, …
    └── FitNoSamples               an activity without a single sample recorded while the timer ran

Each message is one sentence a user can read; the decoder's own error stays on ``__cause__``.
"""

from __future__ import annotations

BYTES_PER_MEGABYTE = 1024 * 1024


class FitImportError(Exception):
    """A FIT file was refused; the message says why in one sentence."""


class FitTooLarge(FitImportError):
    """The file is bigger than any activity file should be."""

    def __init__(self, size_bytes: int, limit_bytes: int) -> None:
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes
        super().__init__(
            f"The file is {size_bytes / BYTES_PER_MEGABYTE:.1f} MB, larger than the "
            f"{limit_bytes / BYTES_PER_MEGABYTE:.0f} MB accepted for one activity."
        )


class FitCorrupt(FitImportError):
    """The bytes are not a readable FIT file."""

    def __init__(self, message: str = "The file is damaged or is not a FIT file, so it cannot be read.") -> None:
        super().__init__(message)


class FitTruncated(FitCorrupt):
    """The file stops before its declared end."""

    def __init__(
        self, message: str = "The FIT file ends early, probably because it was cut off while being copied."
    ) -> None:
        super().__init__(message)


# What the FIT profile's file types hold, in words (`file` enum of the FIT SDK profile).
_FILE_TYPE_WORDS = {
    "settings": "device settings",
    "sport": "sport settings",
    "workout": "a planned workout",
    "course": "a course",
    "schedules": "a schedule",
    "weight": "weight measurements",
    "totals": "lifetime totals",
    "goals": "goals",
    "blood_pressure": "blood pressure measurements",
    "monitoring_a": "all-day monitoring data",
    "monitoring_b": "all-day monitoring data",
    "monitoring_daily": "all-day monitoring data",
    "activity_summary": "only an activity summary",
    "segment": "a segment",
    "segment_list": "a list of segments",
}


class FitNotActivity(FitImportError):
    """A valid FIT file of a type other than ``activity``."""

    def __init__(self, file_type: str | None) -> None:
        self.file_type = file_type
        if file_type is None:
            message = "The FIT file does not say what it contains, so it is not a recorded activity."
        else:
            contents = _FILE_TYPE_WORDS.get(file_type, f"{file_type.replace('_', ' ')} data")
            message = f"The FIT file holds {contents}, not a recorded activity."
        super().__init__(message)


class FitNoSamples(FitImportError):
    """An activity file without data recorded while the timer ran."""

    def __init__(self) -> None:
        super().__init__("The activity has no data samples recorded while its timer was running.")
