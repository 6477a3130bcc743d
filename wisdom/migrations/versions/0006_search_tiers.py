"""search on PostgreSQL: a fixed sample of documents, and each word's best title and summary matches

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00

Hand-written, PostgreSQL only (on SQLite, Whoosh is the engine). A broad search on a large library
is counted from a fixed 1-in-32 sample of documents (``bucket`` < 8, chosen by a hash of the id
so that the sample never depends on who may see a document) and ranked first among each query
word's best title and summary matches (``search_heads``), instead of reading every match.
The rows are filled here for the documents already indexed, with the statement the backend used
when this revision was written (a migration keeps the schema of its own time).
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE search_documents ADD COLUMN bucket smallint NOT NULL "
        "GENERATED ALWAYS AS (get_byte(decode(md5(id), 'hex'), 0)) STORED"
    )
    for vector in ("open", "all"):
        op.execute(
            f"CREATE INDEX ix_search_documents_{vector}_sample ON search_documents "
            f"USING GIN (tsv_{vector}) WHERE bucket < 8"
        )
    op.execute("CREATE INDEX ix_search_documents_updated ON search_documents (updated DESC, id)")
    op.execute(
        """
        CREATE TABLE search_heads (
            lexeme text COLLATE "C" NOT NULL, doc_id text NOT NULL, score real NOT NULL,
            PRIMARY KEY (doc_id, lexeme)
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_search_heads_lexeme ON search_heads (lexeme, score DESC) INCLUDE (doc_id)"
    )
    op.execute(
        """
        INSERT INTO search_heads (lexeme, doc_id, score)
        SELECT u.lexeme, d.id,
            (SELECT sum(CASE w WHEN 'A' THEN 1.0 WHEN 'B' THEN 0.4 WHEN 'C' THEN 0.2 ELSE 0.1 END)
             FROM unnest(u.weights) AS w) / ln(2 + n.words)
        FROM search_documents d
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(coalesce(array_length(v.positions, 1), 1)), 0) AS words
            FROM unnest(d.tsv_open) AS v
        ) n
        CROSS JOIN LATERAL unnest(d.tsv_open) AS u
        WHERE u.weights && ARRAY['A', 'B']
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_heads")
    op.execute("DROP INDEX ix_search_documents_updated")
    op.execute("DROP INDEX ix_search_documents_all_sample")
    op.execute("DROP INDEX ix_search_documents_open_sample")
    op.execute("ALTER TABLE search_documents DROP COLUMN bucket")
