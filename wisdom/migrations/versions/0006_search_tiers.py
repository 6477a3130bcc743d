"""search on PostgreSQL: a fixed sample of documents, and each word's best title and summary matches

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00

Hand-written, PostgreSQL only (on SQLite, Whoosh is the engine). A broad search on a large library
is counted from a fixed 1-in-64 sample of documents (``bucket`` < 4, chosen by a hash of the id
so that the sample never depends on who may see a document) and ranked first among each query
word's best title and summary matches (``search_heads``), instead of reading every match.
The lists are filled by one database function, ``search_heads_fill``, which the backend calls
after every write and which fills them here for the documents already indexed.
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
            f"USING GIN (tsv_{vector}) WHERE bucket < 4"
        )
    op.execute("CREATE INDEX ix_search_documents_updated ON search_documents (updated DESC, id)")
    # Most people may see most documents: the planner combined this index with the text index
    # and read 80,000 entries of it (40 ms at 100,000 documents) to exclude a fifth. The text
    # match is always the narrower condition; the permission is checked on each matching row.
    op.execute("DROP INDEX ix_search_documents_acl")
    # Filters narrow a search before its rows are read ("mental" in the drugs pathway: 9,600
    # rows read for 469 results without these).
    op.execute("CREATE INDEX ix_search_documents_pathways ON search_documents USING GIN (pathways)")
    op.execute("CREATE INDEX ix_search_documents_tags ON search_documents USING GIN (tags)")
    op.execute("CREATE INDEX ix_search_documents_kind ON search_documents (kind)")
    # Autocomplete matches the start of a title word: 574 ms at 100,000 documents without this
    # index (every permitted title analysed), 13 ms with it.
    op.execute(
        "CREATE INDEX ix_search_documents_title_words ON search_documents "
        "USING GIN (to_tsvector('simple', title))"
    )
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
    # A document's title and summary words, scored as ts_rank_cd scores one word (weights A 1.0,
    # B 0.4, C 0.2, D 0.1 over every place the word occurs, divided by the log of the length).
    # The backend calls this after every write; here it fills the lists for an existing index.
    op.execute(
        """
        CREATE FUNCTION search_heads_fill(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO search_heads (lexeme, doc_id, score)
            SELECT u.lexeme, d.id,
                (SELECT sum(CASE w WHEN 'A' THEN 1.0 WHEN 'B' THEN 0.4 WHEN 'C' THEN 0.2
                    ELSE 0.1 END) FROM unnest(u.weights) AS w) / ln(2 + n.words)
            FROM search_documents d
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(coalesce(array_length(v.positions, 1), 1)), 0) AS words
                FROM unnest(d.tsv_open) AS v
            ) n
            CROSS JOIN LATERAL unnest(d.tsv_open) AS u
            WHERE d.id = ANY(ids) AND u.weights && ARRAY['A', 'B']
            ON CONFLICT (doc_id, lexeme) DO UPDATE SET score = EXCLUDED.score;
        END
        $$
        """
    )
    op.execute("SELECT search_heads_fill(ARRAY(SELECT id FROM search_documents))")
    # "Did you mean" compared a misspelt word with every number in every title (100,000 at
    # 100,000 documents: 170 ms); numbers are no longer remembered.
    op.execute("DELETE FROM search_terms WHERE term ~ '^[0-9]+$'")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION search_heads_fill(text[])")
    op.execute("DROP TABLE search_heads")
    op.execute("DROP INDEX ix_search_documents_title_words")
    op.execute("DROP INDEX ix_search_documents_kind")
    op.execute("DROP INDEX ix_search_documents_tags")
    op.execute("DROP INDEX ix_search_documents_pathways")
    op.execute("DROP INDEX ix_search_documents_updated")
    op.execute("DROP INDEX ix_search_documents_all_sample")
    op.execute("DROP INDEX ix_search_documents_open_sample")
    op.execute("ALTER TABLE search_documents DROP COLUMN bucket")
    op.execute("CREATE INDEX ix_search_documents_acl ON search_documents USING GIN (acl)")
