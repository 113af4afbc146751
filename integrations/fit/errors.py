"""Why a FIT file could not be imported.

    FitImportError                 any refusal; nothing from the file may be stored
    ├── FitTooLarge(size_bytes, limit_bytes)
    ├── FitCorrupt                 not a FIT file, failed checksum, or undecodable content
    │   └── FitTruncated           the file ends early (empty, cut off in transfer)
    ├── FitNotActivity(file_type)  a FIT file, but settings, a workout plan, monitoring data, …
    └── FitNoSamples               an activity without a single sample recorded while the timer ran

Each message is one sentence a user can read: ``str(err)`` in English (logs, the command line), ``err.said()``
in the athlete's language; the decoder's own error stays on ``__cause__``.
"""

from __future__ import annotations

from coach import i18n
from coach.i18n import N_, t

BYTES_PER_MEGABYTE = 1024 * 1024


class FitImportError(Exception):
    """A FIT file was refused; the message says why in one sentence.

    ``message`` is the English sentence marked for the catalogs (``N_``), with ``{named}`` fields from ``values``.
    """

    def __init__(self, message: str, **values: str) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values

    def said(self) -> str:
        """The sentence in the current language (what the athlete reads)."""
        return t(self.message, **self.values)


class FitTooLarge(FitImportError):
    """The file is bigger than any activity file should be."""

    def __init__(self, size_bytes: int, limit_bytes: int) -> None:
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes
        super().__init__(
            N_("The file is {size} MB, larger than the {limit} MB accepted for one activity."),
            size=f"{size_bytes / BYTES_PER_MEGABYTE:.1f}",
            limit=f"{limit_bytes / BYTES_PER_MEGABYTE:.0f}",
        )

    def said(self) -> str:
        return t(
            self.message,
            size=i18n.number(self.size_bytes / BYTES_PER_MEGABYTE, 1),
            limit=self.values["limit"],
        )


class FitCorrupt(FitImportError):
    """The bytes are not a readable FIT file."""

    def __init__(self, message: str = N_("The file is damaged or is not a FIT file, so it cannot be read.")) -> None:
        super().__init__(message)


class FitTruncated(FitCorrupt):
    """The file stops before its declared end."""

    def __init__(
        self, message: str = N_("The FIT file ends early, probably because it was cut off while being copied.")
    ) -> None:
        super().__init__(message)


# What the FIT profile's file types hold, in words (`file` enum of the FIT SDK profile).
_FILE_TYPE_WORDS = {
    "settings": N_("device settings"),
    "sport": N_("sport settings"),
    "workout": N_("a planned workout"),
    "course": N_("a course"),
    "schedules": N_("a schedule"),
    "weight": N_("weight measurements"),
    "totals": N_("lifetime totals"),
    "goals": N_("goals"),
    "blood_pressure": N_("blood pressure measurements"),
    "monitoring_a": N_("all-day monitoring data"),
    "monitoring_b": N_("all-day monitoring data"),
    "monitoring_daily": N_("all-day monitoring data"),
    "activity_summary": N_("only an activity summary"),
    "segment": N_("a segment"),
    "segment_list": N_("a list of segments"),
}


class FitNotActivity(FitImportError):
    """A valid FIT file of a type other than ``activity``."""

    def __init__(self, file_type: str | None) -> None:
        self.file_type = file_type
        if file_type is None:
            super().__init__(N_("The FIT file does not say what it contains, so it is not a recorded activity."))
        else:
            super().__init__(N_("The FIT file holds {contents}, not a recorded activity."), contents=self._contents())

    def _contents(self, *, translated: bool = False) -> str:
        """What the file holds: English in ``str(err)``, the athlete's language in `said`."""
        assert self.file_type is not None
        words = _FILE_TYPE_WORDS.get(self.file_type)
        if words is not None:
            return t(words) if translated else words
        kind = self.file_type.replace("_", " ")
        return t("{kind} data", kind=kind) if translated else f"{kind} data"

    def said(self) -> str:
        if self.file_type is None:
            return t(self.message)
        return t(self.message, contents=self._contents(translated=True))


class FitNoSamples(FitImportError):
    """An activity file without data recorded while the timer ran."""

    def __init__(self) -> None:
        super().__init__(N_("The activity has no data samples recorded while its timer was running."))
