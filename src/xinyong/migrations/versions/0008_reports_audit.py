"""credit reports and tamper-evident audit chain (F9, F15)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db
from xinyong.audit.chain import GENESIS, event_hash, normalise_detail

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


BACKFILL_BATCH = 5000


def _backfill_chain() -> None:
    """Chain the events written before this revision, in id order, so `xinyong audit verify` passes."""
    bind = op.get_bind()
    events = sa.table(
        'audit_event', sa.column('id', sa.BigInteger()), sa.column('occurred_at', xinyong.db.UTCDateTime()),
        sa.column('actor', sa.String()), sa.column('action', sa.String()), sa.column('entity_type', sa.String()),
        sa.column('entity_id', sa.String()), sa.column('detail', xinyong.db.Json), sa.column('seq', sa.BigInteger()),
        sa.column('prev_hash', sa.String()), sa.column('hash', sa.String()),
    )
    seq, prev, after = 0, GENESIS, None
    while True:
        stmt = sa.select(events.c.id, events.c.occurred_at, events.c.actor, events.c.action, events.c.entity_type,
                         events.c.entity_id, events.c.detail).order_by(events.c.id).limit(BACKFILL_BATCH)
        if after is not None:
            stmt = stmt.where(events.c.id > after)
        rows = bind.execute(stmt).all()
        if not rows:
            return
        updates = []
        for row in rows:
            seq += 1
            detail = normalise_detail(row.detail)
            digest = event_hash(seq=seq, prev_hash=prev, occurred_at=row.occurred_at, actor=row.actor,
                                action=row.action, entity_type=row.entity_type, entity_id=row.entity_id, detail=detail)
            updates.append({'row_id': row.id, 'seq': seq, 'prev_hash': prev, 'hash': digest, 'detail': detail})
            prev = digest
        bind.execute(events.update().where(events.c.id == sa.bindparam('row_id')).values(
            seq=sa.bindparam('seq'), prev_hash=sa.bindparam('prev_hash'), hash=sa.bindparam('hash'),
            detail=sa.bindparam('detail')), updates)
        after = rows[-1].id


def upgrade() -> None:
    op.create_table('credit_report',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('verification_code', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('edition', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data_cutoff_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_credit_report_subject_id_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_report')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_report_number'))
    )
    with op.batch_alter_table('credit_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_report_subject_id'), ['subject_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _backfill_chain()
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_seq'), ['seq'])


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_event_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')

    with op.batch_alter_table('credit_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_report_subject_id'))

    op.drop_table('credit_report')
