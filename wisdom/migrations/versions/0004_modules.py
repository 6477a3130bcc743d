"""modules and their versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 06:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_modules')),
    sa.UniqueConstraint('slug', name=op.f('uq_modules_slug'))
    )
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_modules_status'), ['status'], unique=False)

    op.create_table('module_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('correction', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('proposal_url', sa.String(length=500), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('credit', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_module_versions_author_id_users')),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_versions_module_id_modules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_versions')),
    sa.UniqueConstraint('module_id', 'number', name=op.f('uq_module_versions_module_id'))
    )
    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_versions_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_module_versions_proposal_id'), ['proposal_id'], unique=False)
    op.create_table('module_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_attachments_module_id_modules')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_module_attachments_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_attachments'))
    )
    with op.batch_alter_table('module_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_attachments_module_id'), ['module_id'], unique=False)
    _versions_are_immutable()


def _versions_are_immutable():
    """A published module version can never be changed or removed, only followed by a new one."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION module_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'module versions are immutable'; END $$"
        )
        op.execute(
            "CREATE TRIGGER module_versions_no_change BEFORE UPDATE OR DELETE ON module_versions "
            "FOR EACH ROW EXECUTE FUNCTION module_versions_immutable()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER module_versions_no_{event.lower()} BEFORE {event} ON module_versions "
            "BEGIN SELECT RAISE(ABORT, 'module versions are immutable'); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER module_versions_no_change ON module_versions")
        op.execute("DROP FUNCTION module_versions_immutable()")
    else:
        op.execute("DROP TRIGGER module_versions_no_update")
        op.execute("DROP TRIGGER module_versions_no_delete")
    with op.batch_alter_table('module_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_attachments_module_id'))

    op.drop_table('module_attachments')
    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_versions_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_module_versions_module_id'))

    op.drop_table('module_versions')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_modules_status'))

    op.drop_table('modules')
