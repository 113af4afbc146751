"""One Telegram pace for every process: the "TelegramPace" rows and the function that hands out turns.

Telegram allows about 30 messages a second for the whole bot, one a second per chat (short bursts allowed)
and 20 a minute per group. Each process used to pace itself, so two processes together could send 59 a
second. ``cw_telegram_turn`` reserves the next turn for a chat in one round trip, under the row locks of the
chat and of the bot (always taken in that order, so two senders never deadlock), and returns how many seconds
the caller waits before sending. A flood wait (``holdUntil`` on the bot's row) holds every process.

The pace is GCRA (the generic cell rate algorithm): ``tat`` is the theoretical arrival time of the next send;
a send may go ``tolerance`` seconds before it. With tolerance τ and interval T no window of L seconds holds
more than floor((L + τ) / T) + 1 sends.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-07 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TURN = """
CREATE FUNCTION cw_telegram_turn(
    p_chat text, p_interval double precision, p_tolerance double precision,
    p_chat_interval double precision, p_chat_tolerance double precision,
    OUT wait_s double precision, OUT turn_epoch double precision
) LANGUAGE plpgsql AS $$
DECLARE
    now_ts timestamptz := clock_timestamp();
    chat_tat timestamptz;
    chat_ready timestamptz := now_ts;
    bot_tat timestamptz;
    bot_hold timestamptz;
    slot timestamptz;
BEGIN
    IF p_chat IS NOT NULL THEN
        INSERT INTO "TelegramPace" (key, tat) VALUES (p_chat, now_ts) ON CONFLICT (key) DO NOTHING;
        SELECT tat INTO chat_tat FROM "TelegramPace" WHERE key = p_chat FOR UPDATE;
        chat_ready := greatest(chat_tat - make_interval(secs => p_chat_tolerance), now_ts);
        IF chat_ready > now_ts THEN
            -- The chat is not due yet: take no turn of the bot's line (a turn far ahead would hold every
            -- other chat behind it); the caller waits and asks again.
            wait_s := extract(epoch FROM chat_ready - now_ts);
            turn_epoch := NULL;
            RETURN;
        END IF;
    END IF;
    INSERT INTO "TelegramPace" (key, tat) VALUES ('*', now_ts) ON CONFLICT (key) DO NOTHING;
    SELECT tat, "holdUntil" INTO bot_tat, bot_hold FROM "TelegramPace" WHERE key = '*' FOR UPDATE;
    slot := greatest(bot_tat - make_interval(secs => p_tolerance), chat_ready, bot_hold, now_ts);
    UPDATE "TelegramPace" SET tat = greatest(bot_tat, slot) + make_interval(secs => p_interval) WHERE key = '*';
    IF p_chat IS NOT NULL THEN
        UPDATE "TelegramPace" SET tat = greatest(chat_tat, slot) + make_interval(secs => p_chat_interval)
        WHERE key = p_chat;
    END IF;
    wait_s := extract(epoch FROM slot - now_ts);
    turn_epoch := extract(epoch FROM slot);
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        'TelegramPace',
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('tat', sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            'holdUntil', sa.DateTime(timezone=True), server_default=sa.text("'-infinity'::timestamptz"), nullable=False
        ),
        sa.PrimaryKeyConstraint('key', name=op.f('TelegramPace_pkey')),
    )
    op.execute(TURN)


def downgrade() -> None:
    op.execute('DROP FUNCTION cw_telegram_turn(text, float8, float8, float8, float8)')
    op.drop_table('TelegramPace')
