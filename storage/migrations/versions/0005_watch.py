"""Silent-edit watch: ``revisits`` (when to fetch a fresh article again), ``changes`` (detected
edits) and ``webhook_outbox`` (change notifications still to deliver).

Revision ID: 0005_watch
Revises: 0004_articles_search_pg
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_watch'
down_revision = '0004_articles_search_pg'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'revisits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('url_key', sa.String(length=40), nullable=False),
        sa.Column('host_key', sa.String(length=255), nullable=True),
        sa.Column('policy', sa.JSON(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('first_archived_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_capture_id', sa.Integer(), nullable=True),
        sa.Column('lease_owner', sa.String(length=200), nullable=True),
        sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['last_capture_id'], ['captures.id'], name='fk_revisits_last_capture_id_captures',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_revisits'),
    )
    op.create_index('ix_revisits_url_key', 'revisits', ['url_key'], unique=True)
    op.create_index('ix_revisits_next_due_at', 'revisits', ['next_due_at'], unique=False)
    op.create_table(
        'changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('host_key', sa.String(length=255), nullable=True),
        sa.Column('before_capture_id', sa.Integer(), nullable=True),
        sa.Column('after_capture_id', sa.Integer(), nullable=True),
        sa.Column('before_fetched_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('after_fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('words_added', sa.Integer(), nullable=False),
        sa.Column('words_removed', sa.Integer(), nullable=False),
        sa.Column('sentences_added', sa.Integer(), nullable=False),
        sa.Column('sentences_removed', sa.Integer(), nullable=False),
        sa.Column('sentences_edited', sa.Integer(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['before_capture_id'], ['captures.id'],
                                name='fk_changes_before_capture_id_captures', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['after_capture_id'], ['captures.id'],
                                name='fk_changes_after_capture_id_captures', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_changes'),
    )
    op.create_index('ix_changes_after_capture_id', 'changes', ['after_capture_id'], unique=True)
    op.create_index('ix_changes_after_fetched_at', 'changes', ['after_fetched_at'], unique=False)
    op.create_index('ix_changes_host_key', 'changes', ['host_key'], unique=False)
    op.create_table(
        'webhook_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('target_url', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('gave_up', sa.Boolean(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name='fk_webhook_outbox_change_id_changes',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_webhook_outbox'),
    )
    op.create_index('ix_webhook_outbox_next_attempt_at', 'webhook_outbox', ['next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_table('webhook_outbox')
    op.drop_table('changes')
    op.drop_table('revisits')
