"""What the bot says while importing and syncing provider data: pure functions, HTML-escaped."""

from __future__ import annotations

from collections.abc import Sequence

from bot.texts import esc
from coach.i18n import t, tn
from integrations.sync.engine import BUSY, FAILED, NOT_CONNECTED, SUCCESS, Progress, SyncResult


def _counts(p: Progress) -> str:
    workouts = tn("{n} workout", "{n} workouts", p.workouts)
    nights = tn("{n} night", "{n} nights", p.nights)
    return f"{workouts}, {nights}"


def progress_line(p: Progress) -> str:
    label = f"<b>{esc(p.label)}</b>"
    counts = _counts(p)
    if not p.done:
        if p.backfill:
            return t(
                "{provider}: importing your last {days} days… {counts} so far",
                provider=label,
                days=p.days,
                counts=counts,
            )
        return t("{provider}: syncing… {counts} so far", provider=label, counts=counts)
    if p.status == SUCCESS:
        if p.backfill:
            return t(
                "{provider}: imported {counts} from the last {days} days ✓", provider=label, counts=counts, days=p.days
            )
        return t("{provider}: up to date ✓ ({counts} new or updated)", provider=label, counts=counts)
    if p.status == BUSY:
        return t("{provider}: a sync is already running; it will finish on its own.", provider=label)
    if p.status == NOT_CONNECTED:
        return t("{provider}: not connected any more.", provider=label)
    error = esc(p.error) if p.error else t("something went wrong")
    if p.workouts or p.nights:
        return t(
            "{provider}: the sync failed — {error} {counts} were saved.", provider=label, error=error, counts=counts
        )
    return t("{provider}: the sync failed — {error}", provider=label, error=error)


def progress(states: Sequence[Progress]) -> str:
    """The one message edited as pages arrive: a line per provider."""
    lines = [progress_line(p) for p in states]
    if states and all(p.done for p in states) and any(p.status == FAILED for p in states):
        lines.append("\n" + t("/status shows your connections."))
    return "\n".join(lines) if lines else t("Syncing…")


def starting(labels: Sequence[str]) -> str:
    return t("Syncing {providers}…", providers=", ".join(f"<b>{esc(label)}</b>" for label in labels))


def not_set_up() -> str:
    return t("Syncing providers isn't set up on this bot.")


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
