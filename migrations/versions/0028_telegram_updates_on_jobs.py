"""Telegram webhook updates are jobs of the queue: "TelegramUpdate" goes.

Each update is stored as a "Job" of kind ``telegram.update``, keyed by its ``update_id`` (a redelivery finds the
key and is acknowledged without being answered again), locked by its chat (``chat:<id>``: one update of a chat
at a time, in any number of processes) and carrying the update as its payload. The queue's attempts, lease,
backoff, sweep and dead state replace the inbox's own claim, lease, sweep and parking.

``cw_job_arrive`` stores a job in one round trip, running at once for the process that received it when nothing
of its lock key waits and nothing of it runs in another process (the receiving process orders its own, in
memory), else queued behind them. It is a function because the decision needs the advisory
lock on the key first and then a snapshot taken after the lock was granted: one plain statement takes its
snapshot before it waits, and two processes receiving one chat's updates at the same instant could both start
theirs. (Inside a PL/pgSQL function every statement has a fresh snapshot.) The lock's namespace and hash are
`db.repositories.jobs.take`'s, so a take and an arrival on one key exclude each other too.

The lock-key index now covers queued jobs as well: an arrival asks whether its chat has a due job waiting.

At the upgrade, every update kept is carried over: an unprocessed one is queued with the attempts it had (one
left at least), a processed one is a done job (so a late redelivery is still recognised), a parked one dead.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-09 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_ATTEMPTS = 5  # bot.telegram_webhook.MAX_ATTEMPTS at this revision

ARRIVE = """
CREATE FUNCTION cw_job_arrive(
    p_kind text, p_key text, p_lock text, p_payload jsonb, p_max_attempts integer,
    p_now timestamptz, p_owner text, p_lease interval
) RETURNS TABLE (job_id bigint, job_state text) LANGUAGE plpgsql AS $$
DECLARE
    busy boolean := p_owner IS NULL;
BEGIN
    IF NOT busy THEN
        -- Held until the calling transaction ends: whoever decided on this key before has committed.
        PERFORM pg_advisory_xact_lock(hashtextextended('job-lock:' || p_lock, 0));
        SELECT EXISTS (
            SELECT 1 FROM "Job"
             WHERE "lockKey" = p_lock
               AND ((state = 'running' AND "leaseUntil" >= p_now AND owner IS DISTINCT FROM p_owner)
                    OR (state = 'queued' AND "runAt" <= p_now))
        ) INTO busy;
    END IF;
    INSERT INTO "Job" (kind, key, "lockKey", payload, state, "runAt", attempts, "maxAttempts", owner,
                       "leaseUntil", "createdAt")
    VALUES (p_kind, p_key, p_lock, p_payload,
            CASE WHEN busy THEN 'queued' ELSE 'running' END, p_now, CASE WHEN busy THEN 0 ELSE 1 END,
            p_max_attempts, CASE WHEN busy THEN NULL ELSE p_owner END,
            CASE WHEN busy THEN NULL ELSE p_now + p_lease END, p_now)
    ON CONFLICT (kind, key) DO NOTHING
    RETURNING id, state INTO job_id, job_state;
    IF job_id IS NOT NULL THEN  -- no row: the key was there already
        RETURN NEXT;
    END IF;
END $$;
"""

# The chat an update belongs to, as bot.telegram_webhook reads it (the chat, else the sender, else the update).
CHAT = """COALESCE(
    jsonb_path_query_first(payload, '$.*.chat.id'),
    jsonb_path_query_first(payload, '$.*.message.chat.id'),
    jsonb_path_query_first(payload, '$.*.from.id'),
    to_jsonb("updateId")
)"""


def upgrade() -> None:
    op.drop_index(op.f("Job_lockKey_idx"), table_name="Job", postgresql_where=sa.text("state = 'running'"))
    op.create_index(
        op.f("Job_lockKey_idx"), "Job", ["lockKey"], postgresql_where=sa.text("state IN ('queued', 'running')")
    )
    op.execute(ARRIVE)
    op.execute(
        f"""
        INSERT INTO "Job" (kind, key, "lockKey", payload, state, "runAt", attempts, "maxAttempts",
                           "createdAt", "finishedAt", "lastError")
        SELECT 'telegram.update', "updateId"::text, 'chat:' || ({CHAT} #>> '{{}}'), payload,
               CASE WHEN "parkedAt" IS NOT NULL THEN 'dead' WHEN "processedAt" IS NOT NULL THEN 'done'
                    ELSE 'queued' END,
               "receivedAt",
               CASE WHEN "processedAt" IS NULL THEN LEAST(attempts, {MAX_ATTEMPTS} - 1) ELSE attempts END,
               {MAX_ATTEMPTS}, "receivedAt", "processedAt",
               CASE WHEN "parkedAt" IS NOT NULL THEN 'parked by the webhook inbox' END
          FROM "TelegramUpdate"
         ORDER BY "updateId"
        ON CONFLICT (kind, key) DO NOTHING
        """
    )
    op.drop_index(
        op.f("TelegramUpdate_receivedAt_idx"),
        table_name="TelegramUpdate",
        postgresql_where=sa.text('"processedAt" IS NULL'),
    )
    op.drop_table("TelegramUpdate")


def downgrade() -> None:
    op.create_table(
        "TelegramUpdate",
        sa.Column("updateId", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("receivedAt", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("claimedAt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processedAt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("parkedAt", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("updateId", name=op.f("TelegramUpdate_pkey")),
    )
    op.create_index(
        op.f("TelegramUpdate_receivedAt_idx"),
        "TelegramUpdate",
        ["receivedAt"],
        postgresql_where=sa.text('"processedAt" IS NULL'),
    )
    # A waiting or running job is an unprocessed update (a running one's claim is dropped: the inbox's sweep
    # takes it again), a done one processed, a dead one parked.
    op.execute(
        """
        INSERT INTO "TelegramUpdate" ("updateId", payload, "receivedAt", attempts, "processedAt", "parkedAt")
        SELECT key::bigint, payload, "createdAt", LEAST(attempts, "maxAttempts"),
               CASE WHEN state IN ('done', 'dead') THEN COALESCE("finishedAt", now()) END,
               CASE WHEN state = 'dead' THEN COALESCE("finishedAt", now()) END
          FROM "Job"
         WHERE kind = 'telegram.update'
        """
    )
    op.execute("""DELETE FROM "Job" WHERE kind = 'telegram.update'""")
    op.execute("DROP FUNCTION cw_job_arrive(text, text, text, jsonb, integer, timestamptz, text, interval)")
    op.drop_index(op.f("Job_lockKey_idx"), table_name="Job", postgresql_where=sa.text("state IN ('queued', 'running')"))
    op.create_index(op.f("Job_lockKey_idx"), "Job", ["lockKey"], postgresql_where=sa.text("state = 'running'"))
