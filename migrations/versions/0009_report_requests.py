"""Report requests: the chat a report answers, its parameters and its work lease.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 07:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ReportRequest',
    sa.Column('reportId', sa.Text(), nullable=False),
    sa.Column('chatId', sa.BigInteger(), nullable=False),
    sa.Column('progressMessageId', sa.BigInteger(), nullable=True),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('leaseExpiresAt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lastError', sa.Text(), nullable=True),
    sa.Column('deliveredAt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reportId'], ['Report.id'], name=op.f('ReportRequest_reportId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reportId', name=op.f('ReportRequest_pkey'))
    )
    op.create_index(op.f('ReportRequest_leaseExpiresAt_idx'), 'ReportRequest', ['leaseExpiresAt'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ReportRequest_leaseExpiresAt_idx'), table_name='ReportRequest')
    op.drop_table('ReportRequest')
