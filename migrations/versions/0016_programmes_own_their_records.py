"""programmes own their records ([6/6]): ``programme_id`` on the rows a programme owns, scoped in
one place (supporters/tenancy.py). Existing rows become the first programme's (none yet: they stay
without one and a programme started later adopts them as its writes do).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 16:04:11.064273

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OWNED = (
    'activity', 'audit_event', 'consent', 'continuation_check', 'duplicate_candidate',
    'help_request', 'offer', 'outbox_message', 'request_event', 'stipend_line',
    'stipend_payment', 'supporter', 'training_attendance', 'training_cohort',
    'training_session', 'user_account',
)


def upgrade():
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
            batch_op.create_index(f'ix_{table}_programme_id', ['programme_id'], unique=False)
            batch_op.create_foreign_key(
                f'fk_{table}_programme_id_programme', 'programme', ['programme_id'], ['id']
            )
    with op.batch_alter_table('training_cohort', schema=None) as batch_op:
        batch_op.drop_constraint('uq_training_cohort_name', type_='unique')
        batch_op.create_unique_constraint(
            'uq_training_cohort_programme_name', ['programme_id', 'name']
        )
    first = op.get_bind().scalar(sa.text('SELECT min(id) FROM programme'))
    if first is not None:
        for table in OWNED:
            op.execute(
                sa.text(f'UPDATE {table} SET programme_id = :first').bindparams(first=first)
            )


def downgrade():
    with op.batch_alter_table('training_cohort', schema=None) as batch_op:
        batch_op.drop_constraint('uq_training_cohort_programme_name', type_='unique')
        batch_op.create_unique_constraint('uq_training_cohort_name', ['name'])
    for table in reversed(OWNED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_programme_id_programme', type_='foreignkey')
            batch_op.drop_index(f'ix_{table}_programme_id')
            batch_op.drop_column('programme_id')
