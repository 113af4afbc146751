"""Index "CallbackAction"("userId", "kind"): every morning brief revokes the user's older brief buttons.

Without it each revoke scans every outstanding button, which a morning fan-out turns into quadratic work.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 07:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('CallbackAction_userId_kind_idx'), 'CallbackAction', ['userId', 'kind'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('CallbackAction_userId_kind_idx'), table_name='CallbackAction')
