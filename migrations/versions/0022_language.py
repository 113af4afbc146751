"""The athlete's language: chosen (``/settings language``) or followed from their Telegram app.

``language`` was a column nobody could set, always ``'en'``: it becomes the athlete's explicit choice, NULL
meaning "follow the Telegram app", and ``telegramLanguage`` keeps the ``language_code`` Telegram last sent, so
the morning brief (sent unasked, with no update to read it from) speaks the same language as the replies.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("User", "language", server_default=None, nullable=True)
    op.execute('UPDATE "User" SET language = NULL')
    op.add_column("User", sa.Column("telegramLanguage", sa.Text(), nullable=True))
    op.create_check_constraint(op.f("User_language_values_check"), "User", "language IN ('en', 'de', 'es', 'fr')")


def downgrade() -> None:
    op.drop_constraint(op.f("User_language_values_check"), "User", type_="check")
    op.drop_column("User", "telegramLanguage")
    op.execute("UPDATE \"User\" SET language = 'en' WHERE language IS NULL")
    op.alter_column("User", "language", server_default=sa.text("'en'"), nullable=False)
