"""The seed's data model, and what a chat coach needs.

Tables, keys, unique constraints, the index and the cascades of coach-watts-database-schema.md, plus the
User columns a chat coach needs (time zone, brief time and switch, language, Telegram chat id) and CHECK
constraints mirroring the seed's ranges. "updatedAt" is kept current by a trigger.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 05:50:39.272663
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Prisma's @updatedAt is set by its client; a trigger keeps the promise for every writer.
TABLES_WITH_UPDATED_AT = ("User", "Account", "Session", "Report")
SET_UPDATED_AT = """
CREATE OR REPLACE FUNCTION coach_set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW."updatedAt" = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('User',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('emailVerified', sa.DateTime(timezone=True), nullable=True),
    sa.Column('image', sa.Text(), nullable=True),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ftp', sa.Integer(), nullable=True),
    sa.Column('maxHr', sa.Integer(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('dob', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timezone', sa.Text(), server_default=sa.text("'UTC'"), nullable=False),
    sa.Column('briefTime', sa.Time(), server_default=sa.text("'07:00'"), nullable=False),
    sa.Column('briefEnabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('language', sa.Text(), server_default=sa.text("'en'"), nullable=False),
    sa.Column('telegramChatId', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('"ftp" IS NULL OR ("ftp" > 0 AND "ftp" < 500)', name=op.f('User_ftp_range_check')),
    sa.CheckConstraint('"weight" IS NULL OR ("weight" > 30 AND "weight" < 200)', name=op.f('User_weight_range_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('User_pkey')),
    sa.UniqueConstraint('email', name=op.f('User_email_key'))
    )
    op.create_table('VerificationToken',
    sa.Column('identifier', sa.Text(), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('identifier', 'token', name=op.f('VerificationToken_pkey'))
    )
    op.create_table('Account',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('provider', sa.Text(), nullable=False),
    sa.Column('providerAccountId', sa.Text(), nullable=False),
    sa.Column('refresh_token', sa.Text(), nullable=True),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.Integer(), nullable=True),
    sa.Column('token_type', sa.Text(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('id_token', sa.Text(), nullable=True),
    sa.Column('session_state', sa.Text(), nullable=True),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('Account_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider', 'providerAccountId', name=op.f('Account_pkey'))
    )
    op.create_table('DailyMetric',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('hrv', sa.Float(), nullable=True),
    sa.Column('restingHr', sa.Integer(), nullable=True),
    sa.Column('sleepScore', sa.Integer(), nullable=True),
    sa.Column('hoursSlept', sa.Float(), nullable=True),
    sa.Column('recoveryScore', sa.Integer(), nullable=True),
    sa.Column('strainScore', sa.Float(), nullable=True),
    sa.Column('spO2', sa.Float(), nullable=True),
    sa.CheckConstraint('"hrv" IS NULL OR "hrv" > 0', name=op.f('DailyMetric_hrv_positive_check')),
    sa.CheckConstraint('"recoveryScore" IS NULL OR ("recoveryScore" >= 0 AND "recoveryScore" <= 100)', name=op.f('DailyMetric_recovery_range_check')),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('DailyMetric_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('DailyMetric_pkey')),
    sa.UniqueConstraint('userId', 'date', name=op.f('DailyMetric_userId_date_key'))
    )
    op.create_table('Integration',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('provider', sa.Text(), nullable=False),
    sa.Column('accessToken', sa.Text(), nullable=False),
    sa.Column('refreshToken', sa.Text(), nullable=True),
    sa.Column('expiresAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('externalUserId', sa.Text(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('lastSyncAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('syncStatus', sa.Text(), nullable=True),
    sa.Column('errorMessage', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('Integration_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('Integration_pkey')),
    sa.UniqueConstraint('userId', 'provider', name=op.f('Integration_userId_provider_key'))
    )
    op.create_table('Report',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('dateRangeStart', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dateRangeEnd', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modelVersion', sa.Text(), nullable=True),
    sa.Column('markdown', sa.Text(), nullable=True),
    sa.Column('latex', sa.Text(), nullable=True),
    sa.Column('pdfUrl', sa.Text(), nullable=True),
    sa.Column('suggestions', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('Report_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('Report_pkey'))
    )
    op.create_table('Session',
    sa.Column('sessionToken', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=False),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('Session_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.UniqueConstraint('sessionToken', name=op.f('Session_sessionToken_key'))
    )
    op.create_table('Workout',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('externalId', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('date', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('type', sa.Text(), nullable=True),
    sa.Column('durationSec', sa.Integer(), nullable=False),
    sa.Column('distanceMeters', sa.Float(), nullable=True),
    sa.Column('elevationGain', sa.Integer(), nullable=True),
    sa.Column('averageWatts', sa.Integer(), nullable=True),
    sa.Column('maxWatts', sa.Integer(), nullable=True),
    sa.Column('normalizedPower', sa.Integer(), nullable=True),
    sa.Column('averageHr', sa.Integer(), nullable=True),
    sa.Column('maxHr', sa.Integer(), nullable=True),
    sa.Column('tss', sa.Float(), nullable=True),
    sa.Column('if', sa.Float(), nullable=True),
    sa.Column('kilojoules', sa.Integer(), nullable=True),
    sa.Column('rawJson', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('Workout_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('Workout_pkey')),
    sa.UniqueConstraint('userId', 'source', 'externalId', name=op.f('Workout_userId_source_externalId_key'))
    )
    op.create_index(op.f('Workout_userId_date_idx'), 'Workout', ['userId', 'date'], unique=False)
    op.execute(SET_UPDATED_AT)
    for table in TABLES_WITH_UPDATED_AT:
        op.execute(
            f'CREATE TRIGGER "{table}_set_updated_at" BEFORE UPDATE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION coach_set_updated_at()"
        )


def downgrade() -> None:
    for table in TABLES_WITH_UPDATED_AT:
        op.execute(f'DROP TRIGGER IF EXISTS "{table}_set_updated_at" ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS coach_set_updated_at()")
    op.drop_index(op.f('Workout_userId_date_idx'), table_name='Workout')
    op.drop_table('Workout')
    op.drop_table('Session')
    op.drop_table('Report')
    op.drop_table('Integration')
    op.drop_table('DailyMetric')
    op.drop_table('Account')
    op.drop_table('VerificationToken')
    op.drop_table('User')
