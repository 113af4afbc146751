"""One unfinished report per user, enforced by the database.

"One report at a time" was a check before the insert, which two processes asked at the same instant both
passed. A partial unique index on "Report"("userId") over PENDING and PROCESSING rows makes the second
insert fail instead. Users who already have several unfinished reports keep the newest; the older ones are
marked FAILED first (their requests say why), or the index could not be built.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "status IN ('PENDING', 'PROCESSING')"


def upgrade() -> None:
    op.execute(
        f'''
        WITH superseded AS (
            SELECT id FROM (
                SELECT id, row_number() OVER (PARTITION BY "userId" ORDER BY "createdAt" DESC, id DESC) AS newest
                FROM "Report" WHERE {_OPEN}
            ) ranked WHERE newest > 1
        ), failed AS (
            UPDATE "Report" SET status = 'FAILED' WHERE id IN (SELECT id FROM superseded) RETURNING id
        )
        UPDATE "ReportRequest" SET "lastError" = 'superseded by a newer report of the same user'
        WHERE "reportId" IN (SELECT id FROM failed)
        '''  # noqa: S608 - constant SQL
    )
    op.create_index('Report_userId_open_key', 'Report', ['userId'], unique=True, postgresql_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index('Report_userId_open_key', table_name='Report')
