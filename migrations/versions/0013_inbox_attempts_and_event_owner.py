"""Inboxes park what always fails; provider events belong to their athlete.

- "TelegramUpdate" gets ``attempts`` and ``parkedAt``, "ProviderEvent" ``parkedAt``: a row taken
  ``MAX_ATTEMPTS`` times is parked instead of being retried forever (`db.repositories.inbox`).
- "ProviderEvent"."claimedUntil" becomes "claimedAt" (when the claim was taken, as in "TelegramUpdate"), so
  both inboxes share one claim query; an unfinished claim keeps its expiry (claimedUntil - the 2 min lease).
- "ProviderEvent"."userId" (ON DELETE CASCADE): an event's payload is the person's data, so it is exported
  and deleted with them. Stored events are given their athlete through the connection that owns them;
  events for an athlete no connection knows held personal data nobody could act on, and are deleted.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('TelegramUpdate', sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('TelegramUpdate', sa.Column('parkedAt', sa.DateTime(timezone=True), nullable=True))

    op.add_column('ProviderEvent', sa.Column('parkedAt', sa.DateTime(timezone=True), nullable=True))
    op.alter_column('ProviderEvent', 'claimedUntil', new_column_name='claimedAt')
    op.execute('''UPDATE "ProviderEvent" SET "claimedAt" = "claimedAt" - interval '2 minutes' WHERE "claimedAt" IS NOT NULL''')
    op.add_column('ProviderEvent', sa.Column('userId', sa.Text(), nullable=True))
    op.execute(
        '''UPDATE "ProviderEvent" e SET "userId" = i."userId" FROM "Integration" i
           WHERE i."provider" = e."provider" AND i."externalUserId" = e."payload"->>'owner' '''
    )
    op.execute('DELETE FROM "ProviderEvent" WHERE "userId" IS NULL')
    op.alter_column('ProviderEvent', 'userId', nullable=False)
    op.create_foreign_key(
        op.f('ProviderEvent_userId_fkey'), 'ProviderEvent', 'User', ['userId'], ['id'],
        onupdate='CASCADE', ondelete='CASCADE',
    )  # fmt: skip
    op.create_index(op.f('ProviderEvent_userId_idx'), 'ProviderEvent', ['userId'], unique=False)
    op.create_index(op.f('ProviderEvent_processedAt_idx'), 'ProviderEvent', ['processedAt'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ProviderEvent_processedAt_idx'), table_name='ProviderEvent')
    op.drop_index(op.f('ProviderEvent_userId_idx'), table_name='ProviderEvent')
    op.drop_constraint(op.f('ProviderEvent_userId_fkey'), 'ProviderEvent', type_='foreignkey')
    op.drop_column('ProviderEvent', 'userId')
    op.execute('''UPDATE "ProviderEvent" SET "claimedAt" = "claimedAt" + interval '2 minutes' WHERE "claimedAt" IS NOT NULL''')
    op.alter_column('ProviderEvent', 'claimedAt', new_column_name='claimedUntil')
    op.drop_column('ProviderEvent', 'parkedAt')
    op.drop_column('TelegramUpdate', 'parkedAt')
    op.drop_column('TelegramUpdate', 'attempts')
