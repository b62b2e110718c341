"""Organization levels become data: the organization_levels table, seeded with today's tree
(tỉnh → cơ sở → chi bộ) and the district level of trees before 1 July 2025, and a foreign key
from organizations.level to it.

Existing trees keep their levels: huyen, co-so and chi-bo are seeded rows, and any other code
an installation stored gets a row of its own (named by its code) rather than being rewritten.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"

#: frozen copy of votingapp.domain.levels.SEED_LEVELS as of this revision (a test compares them)
SEED = [
    {"code": "tinh", "label": "tỉnh", "name_vi": "Tỉnh ủy, Thành ủy", "name_en": "Province or city committee",
     "position": 10, "is_grassroots": False},
    {"code": "huyen", "label": "huyện", "name_vi": "Huyện ủy (trước 1/7/2025)",
     "name_en": "District committee (before 1/7/2025)", "position": 20, "is_grassroots": False},
    {"code": "co-so", "label": "cơ sở", "name_vi": "Tổ chức cơ sở đảng", "name_en": "Grassroots organization",
     "position": 30, "is_grassroots": True},
    {"code": "chi-bo", "label": "chi bộ", "name_vi": "Chi bộ", "name_en": "Party cell", "position": 40,
     "is_grassroots": False},
]


def upgrade():
    levels = op.create_table(
        "organization_levels",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_grassroots", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("label"),
    )
    op.bulk_insert(levels, SEED)
    seeded = {row["code"] for row in SEED}
    stored = op.get_bind().execute(sa.text("SELECT DISTINCT level FROM organizations")).scalars()
    unknown = sorted(set(stored) - seeded)
    op.bulk_insert(levels, [{"code": code, "label": code, "name_vi": code, "name_en": code, "position": 100 + i,
                             "is_grassroots": False} for i, code in enumerate(unknown)])
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.create_foreign_key("fk_organizations_level", "organization_levels", ["level"], ["code"])


def downgrade():
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_constraint("fk_organizations_level", type_="foreignkey")
    op.drop_table("organization_levels")
