"""What building a report produces, and the seam where an LLM narrative can join the rules' numbers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from coach.charts import FitnessSeries
from coach.reports.kinds import ReportType

# Called with the name of each step as it starts, so the chat can show progress.
Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ReportContent:
    """Markdown for the chat, the numbers it rests on (stored as ``Report.suggestions``), an optional chart."""

    markdown: str
    facts: dict[str, Any]
    chart: FitnessSeries | None = None
    chart_caption: str | None = None
    model_version: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


class Narrator(Protocol):
    """Writes prose around a report the rules already completed; ``None`` means "nothing to add".

    It receives only ``facts`` (the numbers the rules computed: loads, zones, HRV, plan) and the rules'
    markdown — never names, ids or tokens — and cannot change the numbers or the plan: its text is added as
    a separate section. Without a narrator every report is complete on its own.
    """

    @property
    def model_version(self) -> str: ...

    async def narrate(
        self, *, kind: ReportType, facts: Mapping[str, Any], rules_markdown: str, question: str | None
    ) -> str | None: ...
