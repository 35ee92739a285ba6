"""query services (F9): search index, authorised queries, one-time codes, query log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('subject_search_term',
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('term', sa.String(length=48).with_variant(sa.String(length=48, collation='C'), 'postgresql'), nullable=False),
    sa.Column('subject_id', BigId, nullable=False),
    sa.PrimaryKeyConstraint('kind', 'term', 'subject_id', name=op.f('pk_subject_search_term')),
    sqlite_with_rowid=False,
    )

    op.create_table('person_contact',
    sa.Column('subject_id', BigId, nullable=False),
    sa.Column('phone_cipher', sa.LargeBinary(), nullable=False),
    sa.Column('phone_masked', sa.String(length=20), nullable=False),
    sa.Column('updated_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_person_contact_subject_id_subject'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_contact')),
    sa.UniqueConstraint('subject_id', name=op.f('uq_person_contact_subject_id'))
    )

    op.create_table('one_time_code',
    sa.Column('subject_id', BigId, nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_to', sa.String(length=20), nullable=False),
    sa.Column('created_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', xinyong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_one_time_code_subject_id_subject'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_code'))
    )
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_code_subject_id'), ['subject_id'], unique=False)

    op.create_table('query_log',
    sa.Column('queried_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('department_id', BigId, nullable=True),
    sa.Column('subject_id', BigId, nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('authorisation_kind', sa.String(length=16), nullable=False),
    sa.Column('authorisation_ref', sa.String(length=200), nullable=False),
    sa.Column('result_digest', sa.String(length=64), nullable=False),
    sa.Column('result_summary', Json, nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_query_log_department_id_department')),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_query_log_subject_id_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_query_log'))
    )
    with op.batch_alter_table('query_log', schema=None) as batch_op:
        batch_op.create_index('ix_query_log_queried_at', ['queried_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_query_log_subject_id'), ['subject_id'], unique=False)

    # Subjects and records stored before this migration become searchable now (bulk, no ORM objects).
    from sqlalchemy.orm import Session

    from xinyong.subjects.search_terms import backfill

    with Session(bind=op.get_bind()) as session:  # joins the migration's transaction; Alembic commits
        backfill(session)


def downgrade() -> None:
    with op.batch_alter_table('query_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_query_log_subject_id'))
        batch_op.drop_index('ix_query_log_queried_at')
    op.drop_table('query_log')
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_code_subject_id'))
    op.drop_table('one_time_code')
    op.drop_table('person_contact')
    op.drop_table('subject_search_term')
