"""Bind an OAuth state to the browser that started the flow: "OAuthState"."browserHash".

The SHA-256 of a random cookie set by the connect Mini App; the callback refuses a state whose browser
does not present that cookie (RFC 9700 §4.7). Pending states are short-lived (10 minutes), so existing
rows stay unbound (NULL) and expire as before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 02:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('OAuthState', sa.Column('browserHash', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('OAuthState', 'browserHash')
