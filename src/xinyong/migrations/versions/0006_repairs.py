"""credit repair (F8): repair applications, rule versions, repaired records

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('repair_application',
    sa.Column('tracking_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('list_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('open_key', sa.String(length=48), nullable=True),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('target_label', sa.String(length=300), nullable=False),
    sa.Column('decision_on', sa.Date(), nullable=False),
    sa.Column('earliest_on', sa.Date(), nullable=False),
    sa.Column('rule_effective_on', sa.Date(), nullable=False),
    sa.Column('rule_citation', sa.String(length=300), nullable=False),
    sa.Column('rule_article', sa.String(length=200), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('id_tail', sa.String(length=4), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('commitment_text', sa.Text(), nullable=False),
    sa.Column('credit_report_number', sa.String(length=64), nullable=True),
    sa.Column('training_certificate', sa.String(length=64), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('accept_due_on', sa.Date(), nullable=False),
    sa.Column('decide_due_on', sa.Date(), nullable=False),
    sa.Column('accepted_at', xinyong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', xinyong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', xinyong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accept_overdue', sa.Boolean(), nullable=False),
    sa.Column('decide_overdue', sa.Boolean(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_repair_application_department_id_department')),
    sa.ForeignKeyConstraint(['list_entry_id'], ['list_entry.id'], name=op.f('fk_repair_application_list_entry_id_list_entry')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_repair_application_record_id_credit_record')),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_repair_application_subject_id_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_application')),
    sa.UniqueConstraint('open_key', name=op.f('uq_repair_application_open_key')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_repair_application_tracking_code'))
    )
    with op.batch_alter_table('repair_application', schema=None) as batch_op:
        batch_op.create_index('ix_repair_application_queue', ['status', 'department_id'], unique=False)
        batch_op.create_index('ix_repair_application_subject', ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_application_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_application_list_entry_id'), ['list_entry_id'], unique=False)

    op.create_table('repair_notice',
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['repair_application.id'], name=op.f('fk_repair_notice_application_id_repair_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_notice')),
    sa.UniqueConstraint('number', name=op.f('uq_repair_notice_number'))
    )
    with op.batch_alter_table('repair_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_notice_application_id'), ['application_id'], unique=False)

    # An approved repair takes the record off publication and sharing (published_on filters on it).
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repaired_at', xinyong.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_column('repaired_at')

    with op.batch_alter_table('repair_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_notice_application_id'))

    op.drop_table('repair_notice')
    with op.batch_alter_table('repair_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_application_list_entry_id'))
        batch_op.drop_index(batch_op.f('ix_repair_application_record_id'))
        batch_op.drop_index('ix_repair_application_subject')
        batch_op.drop_index('ix_repair_application_queue')

    op.drop_table('repair_application')
