"""programme keys ([6/6]): what a programme has once per month, fiscal year, day or pair (stipend
months, budgets, rules, targets, report rollups, the nationality mapping, the public form's day
counters) is keyed by programme too; report rollups, resident figures, month events and what a
supporter or an account has (languages, times, bank details, messages, channels …) are owned
(supporters/tenancy.py). Existing rows become the first programme's; without a programme yet, key
columns hold 0 until the first programme adopts them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# table → its key without the programme (the new primary key puts programme_id first)
KEYED = {
    'stipend_month': ['month'],
    'fiscal_budget': ['fiscal_year'],
    'programme_target': ['fiscal_year'],
    'target_language': ['fiscal_year', 'language_code'],
    'report_rollup_month': ['month'],
    'nationality_language': ['nationality', 'language_code'],
}
# table → (old unique constraint, new one, its columns without the programme)
UNIQUE = {
    'stipend_rule': ('uq_stipend_rule_effective_from', 'uq_stipend_rule_from', ['effective_from']),
    'public_form_day': ('uq_public_form_day_counted_on', 'uq_public_form_day', ['counted_on']),
}
OWNED = (
    'report_rollup', 'resident_count', 'stipend_month_event',
    # what a supporter or an account has, read directly by its own queries
    'supporter_language', 'supporter_origin', 'supporter_status_change', 'weekly_slot',
    'unavailable_date', 'bank_account', 'calendar_feed', 'notification', 'channel_address',
    'link_code', 'action_token', 'channel_failure', 'video_room', 'activity_draft', 'job_failure',
)


def _key_column():
    return sa.Column('programme_id', sa.Integer(), nullable=False, server_default='0')


def upgrade():
    with op.batch_alter_table('target_language', schema=None) as batch_op:
        batch_op.drop_constraint(
            'fk_target_language_fiscal_year_programme_target', type_='foreignkey'
        )
    with op.batch_alter_table('stipend_month_event', schema=None) as batch_op:
        batch_op.drop_constraint('fk_stipend_month_event_month_stipend_month', type_='foreignkey')
    for table, key in KEYED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_key_column())
            batch_op.create_index(f'ix_{table}_programme_id', ['programme_id'], unique=False)
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.create_primary_key(f'pk_{table}', ['programme_id', *key])
    for table, (old, new, columns) in UNIQUE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_key_column())
            batch_op.create_index(f'ix_{table}_programme_id', ['programme_id'], unique=False)
            batch_op.drop_constraint(old, type_='unique')
            batch_op.create_unique_constraint(new, ['programme_id', *columns])
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
            batch_op.create_index(f'ix_{table}_programme_id', ['programme_id'], unique=False)
            batch_op.create_foreign_key(
                f'fk_{table}_programme_id_programme', 'programme', ['programme_id'], ['id']
            )
    first = op.get_bind().scalar(sa.text('SELECT min(id) FROM programme'))
    if first is not None:
        for table in (*KEYED, *UNIQUE, *OWNED):
            op.execute(
                sa.text(f'UPDATE {table} SET programme_id = :first').bindparams(first=first)
            )
    for table in (*KEYED, *UNIQUE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('programme_id', server_default=None)
    with op.batch_alter_table('target_language', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_target_language_programme_id_programme_target',
            'programme_target',
            ['programme_id', 'fiscal_year'],
            ['programme_id', 'fiscal_year'],
            ondelete='CASCADE',
            onupdate='CASCADE',
        )


def downgrade():
    with op.batch_alter_table('target_language', schema=None) as batch_op:
        batch_op.drop_constraint(
            'fk_target_language_programme_id_programme_target', type_='foreignkey'
        )
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_programme_id_programme', type_='foreignkey')
            batch_op.drop_index(f'ix_{table}_programme_id')
            batch_op.drop_column('programme_id')
    for table, (old, new, columns) in UNIQUE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(new, type_='unique')
            batch_op.create_unique_constraint(old, columns)
            batch_op.drop_index(f'ix_{table}_programme_id')
            batch_op.drop_column('programme_id')
    for table, key in KEYED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.create_primary_key(f'pk_{table}', key)
            batch_op.drop_index(f'ix_{table}_programme_id')
            batch_op.drop_column('programme_id')
    with op.batch_alter_table('stipend_month_event', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_stipend_month_event_month_stipend_month', 'stipend_month', ['month'], ['month']
        )
    with op.batch_alter_table('target_language', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_target_language_fiscal_year_programme_target',
            'programme_target',
            ['fiscal_year'],
            ['fiscal_year'],
            ondelete='CASCADE',
        )
