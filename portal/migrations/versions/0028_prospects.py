"""prospects: would-be dealers per region with their steps (transitions), screening answers, planned stores and first-year targets; a standard's purpose (audit or prospect screening)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 08:55:21.357531

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "franchisee",
                "dealer",
                "distributor",
                name="prospect_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("contact_person", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("city_alias", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "lead",
                "contacted",
                "screening",
                "site_visit",
                "proposal",
                "approved",
                "signed",
                "lost",
                name="prospect_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("contacted_at", sa.DateTime(), nullable=True),
        sa.Column("screening_at", sa.DateTime(), nullable=True),
        sa.Column("visited_at", sa.DateTime(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("lost_at", sa.DateTime(), nullable=True),
        sa.Column("lost_reason", sa.Text(), nullable=False),
        sa.Column("standard_version_id", sa.Integer(), nullable=True),
        sa.Column("screening_score", sa.Numeric(precision=5, scale=1), nullable=True),
        sa.Column("screening_grade", sa.String(length=10), nullable=False),
        sa.Column("screening_passed", sa.Boolean(), nullable=True),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("contract_start", sa.Date(), nullable=True),
        sa.Column("contract_end", sa.Date(), nullable=True),
        sa.Column("contract_terms", sa.Text(), nullable=False),
        sa.Column("proposal_note", sa.Text(), nullable=False),
        sa.Column("dealer_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("first_submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "contract_end IS NULL OR contract_start IS NULL OR contract_end > contract_start",
            name=op.f("ck_prospects_contract_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_prospects_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealers.id"], name=op.f("fk_prospects_dealer_id_dealers")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_prospects_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["standard_version_id"],
            ["standard_versions.id"],
            name=op.f("fk_prospects_standard_version_id_standard_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
        sa.UniqueConstraint("client_key", name=op.f("uq_prospects_client_key")),
        sa.UniqueConstraint("dealer_id", name=op.f("uq_prospects_dealer_id")),
    )
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prospects_region_id"), ["region_id"], unique=False)
        batch_op.create_index("ix_prospects_region_status", ["region_id", "status"], unique=False)
        batch_op.create_index(
            "ix_prospects_proposal",
            ["submitted_at"],
            unique=False,
            sqlite_where=sa.text("status = 'proposal'"),
            postgresql_where=sa.text("status = 'proposal'"),
        )

    op.create_table(
        "prospect_stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "flagship",
                "standard",
                "shop_in_shop",
                "counter",
                "outlet",
                name="prospect_store_format",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "open",
                "closed",
                name="prospect_store_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('planned', 'open')", name=op.f("ck_prospect_stores_planned_or_open")
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_prospect_stores_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_prospect_stores_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_stores")),
    )
    with op.batch_alter_table("prospect_stores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prospect_stores_prospect_id"), ["prospect_id"], unique=False
        )

    op.create_table(
        "prospect_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=False),
        sa.Column("revenue_minor", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "revenue_minor >= 0 AND units >= 0", name=op.f("ck_prospect_targets_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["product_lines.id"],
            name=op.f("fk_prospect_targets_product_line_id_product_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_prospect_targets_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_targets")),
        sa.UniqueConstraint(
            "prospect_id", "product_line_id", name=op.f("uq_prospect_targets_prospect_id")
        ),
    )
    with op.batch_alter_table("prospect_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prospect_targets_prospect_id"), ["prospect_id"], unique=False
        )

    op.create_table(
        "prospect_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "create",
                "contact",
                "screen",
                "visit",
                "propose",
                "approve",
                "return",
                "sign",
                "lose",
                name="prospect_action",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "lead",
                "contacted",
                "screening",
                "site_visit",
                "proposal",
                "approved",
                "signed",
                "lost",
                name="prospect_transition_from",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "lead",
                "contacted",
                "screening",
                "site_visit",
                "proposal",
                "approved",
                "signed",
                "lost",
                name="prospect_transition_to",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_prospect_transitions_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_prospect_transitions_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_transitions")),
    )
    with op.batch_alter_table("prospect_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prospect_transitions_prospect_id"), ["prospect_id"], unique=False
        )

    op.create_table(
        "prospect_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "pass",
                "fail",
                "na",
                name="prospect_answer_result",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_prospect_answers_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["standard_items.id"],
            name=op.f("fk_prospect_answers_item_id_standard_items"),
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_prospect_answers_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_answers")),
        sa.UniqueConstraint("prospect_id", "item_id", name=op.f("uq_prospect_answers_prospect_id")),
    )
    with op.batch_alter_table("prospect_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prospect_answers_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_prospect_answers_prospect_id"), ["prospect_id"], unique=False
        )

    with op.batch_alter_table("standards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "purpose",
                sa.Enum(
                    "audit",
                    "screening",
                    name="standard_purpose",
                    native_enum=False,
                    create_constraint=True,
                ),
                server_default="audit",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("standards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_standards_standard_purpose"), type_="check")
        batch_op.drop_column("purpose")

    with op.batch_alter_table("prospect_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prospect_answers_prospect_id"))
        batch_op.drop_index(batch_op.f("ix_prospect_answers_item_id"))

    op.drop_table("prospect_answers")
    with op.batch_alter_table("prospect_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prospect_transitions_prospect_id"))

    op.drop_table("prospect_transitions")
    with op.batch_alter_table("prospect_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prospect_targets_prospect_id"))

    op.drop_table("prospect_targets")
    with op.batch_alter_table("prospect_stores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prospect_stores_prospect_id"))

    op.drop_table("prospect_stores")
    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_prospects_proposal",
            sqlite_where=sa.text("status = 'proposal'"),
            postgresql_where=sa.text("status = 'proposal'"),
        )
        batch_op.drop_index("ix_prospects_region_status")
        batch_op.drop_index(batch_op.f("ix_prospects_region_id"))

    op.drop_table("prospects")
