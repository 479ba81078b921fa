"""national scale ([6/6]): an index for matching's top ten (who completed requests of a category,
read from the index alone)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 14:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.create_index(
            'ix_help_request_category_done',
            ['category', 'status', 'assigned_supporter_id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.drop_index('ix_help_request_category_done')
