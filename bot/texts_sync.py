"""What the bot says while importing and syncing provider data: pure functions, HTML-escaped."""

from __future__ import annotations

from collections.abc import Sequence

from bot.texts import esc
from integrations.sync.engine import BUSY, FAILED, NOT_CONNECTED, SUCCESS, Progress, SyncResult


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def progress_line(p: Progress) -> str:
    label = f"<b>{esc(p.label)}</b>"
    counts = f"{_count(p.workouts, 'workout', 'workouts')}, {_count(p.nights, 'night', 'nights')}"
    if not p.done:
        if p.backfill:
            return f"{label}: importing your last {p.days} days… {counts} so far"
        return f"{label}: syncing… {counts} so far"
    if p.status == SUCCESS:
        if p.backfill:
            return f"{label}: imported {counts} from the last {p.days} days ✓"
        return f"{label}: up to date ✓ ({counts} new or updated)"
    if p.status == BUSY:
        return f"{label}: a sync is already running; it will finish on its own."
    if p.status == NOT_CONNECTED:
        return f"{label}: not connected any more."
    error = p.error or "something went wrong"
    kept = f" {counts} were saved." if p.workouts or p.nights else ""
    return f"{label}: the sync failed — {esc(error)}{kept}"


def progress(states: Sequence[Progress]) -> str:
    """The one message edited as pages arrive: a line per provider."""
    lines = [progress_line(p) for p in states]
    if states and all(p.done for p in states) and any(p.status == FAILED for p in states):
        lines.append("\n/status shows your connections.")
    return "\n".join(lines) if lines else "Syncing…"


def starting(labels: Sequence[str]) -> str:
    return "Syncing " + ", ".join(f"<b>{esc(label)}</b>" for label in labels) + "…"


def not_set_up() -> str:
    return "Syncing providers isn't set up on this bot."


# What `coach-watts sync` prints for each outcome: the same words as the README, for an operator.
CLI_OUTCOMES = {
    SUCCESS: "up to date",
    FAILED: "failed",
    BUSY: "already running in another process (left to it; nothing done here)",
    NOT_CONNECTED: "not connected any more",
}


def cli_line(result: SyncResult) -> str:
    """One line of `coach-watts sync` per connection (plain text: a terminal, not Telegram)."""
    line = f"{result.user_id} {result.provider}: {CLI_OUTCOMES.get(result.status, result.status)}"
    if result.status in (SUCCESS, FAILED):
        line += f", {result.workouts} workouts, {result.nights} days"
        if result.rejected:
            line += f", {result.rejected} records set aside"
    return line + (f" — {result.error}" if result.error else "")
