"""objections (F7): objection cases, evidence attachments, record/entry markers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('owner_type', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_owner', ['owner_type', 'owner_id'], unique=False)

    op.create_table('objection',
    sa.Column('tracking_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('list_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('applicant_kind', sa.String(length=16), nullable=False),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('applicant_document_hash', sa.String(length=64), nullable=False),
    sa.Column('applicant_document_masked', sa.String(length=40), nullable=False),
    sa.Column('applicant_id_tail', sa.String(length=4), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('contact_address', sa.String(length=200), nullable=True),
    sa.Column('claim', sa.Text(), nullable=False),
    sa.Column('request_text', sa.Text(), nullable=True),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('accept_due_on', sa.Date(), nullable=False),
    sa.Column('decide_due_on', sa.Date(), nullable=False),
    sa.Column('extended_at', xinyong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('accepted_at', xinyong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_late', sa.Boolean(), nullable=False),
    sa.Column('decided_at', xinyong.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_late', sa.Boolean(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('remedy', sa.String(length=16), nullable=True),
    sa.Column('corrected_record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corrected_record_id'], ['credit_record.id'], name=op.f('fk_objection_corrected_record_id_credit_record')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_objection_department_id_department')),
    sa.ForeignKeyConstraint(['list_entry_id'], ['list_entry.id'], name=op.f('fk_objection_list_entry_id_list_entry')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_objection_record_id_credit_record')),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_objection_subject_id_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_objection_tracking_code'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index('ix_objection_applicant', ['applicant_document_hash', 'status'], unique=False)
        batch_op.create_index('ix_objection_department_status', ['department_id', 'status'], unique=False)
        batch_op.create_index('ix_objection_status_due', ['status', 'decide_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_list_entry_id'), ['list_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_subject_id'), ['subject_id'], unique=False)

    op.create_table('objection_notice',
    sa.Column('objection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('issued_at', xinyong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['objection_id'], ['objection.id'], name=op.f('fk_objection_notice_objection_id_objection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_notice')),
    sa.UniqueConstraint('number', name=op.f('uq_objection_notice_number'))
    )
    with op.batch_alter_table('objection_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_notice_objection_id'), ['objection_id'], unique=False)

    # 异议处理中 markers; the server default covers rows written by raw bulk inserts.
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('under_objection', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('under_objection', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.drop_column('under_objection')
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_column('under_objection')
    with op.batch_alter_table('objection_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_notice_objection_id'))

    op.drop_table('objection_notice')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_subject_id'))
        batch_op.drop_index(batch_op.f('ix_objection_record_id'))
        batch_op.drop_index(batch_op.f('ix_objection_list_entry_id'))
        batch_op.drop_index('ix_objection_status_due')
        batch_op.drop_index('ix_objection_department_status')
        batch_op.drop_index('ix_objection_applicant')

    op.drop_table('objection')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_owner')

    op.drop_table('attachment')
