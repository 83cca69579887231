"""PostgreSQL search keeps its weighted tsvector in a stored column, so ranking reads it instead of re-parsing.

Since 0004 the GIN index was built over an expression: finding matches was fast, but
``ts_rank`` had to build the vector again from each matching article's text, which took
tens of seconds for words found in most of 100,000 articles. The vector (same expression
as 0006, accents folded) now lives in ``articles.search_vector``, a generated column that
PostgreSQL keeps up to date on every insert and update; the GIN index is over that column.
Nothing to do on SQLite, whose FTS5 table holds its own index.

Revision ID: 0007_pg_search_vector_column
Revises: 0006_pg_search_accents
"""

from __future__ import annotations

from alembic import op

revision = '0007_pg_search_vector_column'
down_revision = '0006_pg_search_accents'
branch_labels = None
depends_on = None

# Frozen copies of the expressions of 0006 (the same vector, now stored).
_ACCENTED = 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǢǣǦǧǨǩǪǫǬǭǮǯǰǴǵǸǹǺǻǼǽǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳ'
_PLAIN = 'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuUuAaAaÆæGgKkOoOoƷʒjGgNnAaÆæØøAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYy'


def _folded(column: str) -> str:
    return f"translate(coalesce({column}, ''), '{_ACCENTED}', '{_PLAIN}')"


_VECTOR = (f"(setweight(to_tsvector('simple'::regconfig, {_folded('title')}), 'A') || "
           f"setweight(to_tsvector('simple'::regconfig, {_folded('author')}), 'B') || "
           f"setweight(to_tsvector('simple'::regconfig, {_folded('text')}), 'D'))")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute(f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_articles_search ON articles USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")  # drops its index too
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin ({_VECTOR})")
