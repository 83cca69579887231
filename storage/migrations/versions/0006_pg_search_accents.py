"""PostgreSQL search folds accents as SQLite's FTS5 does (remove_diacritics): the GIN index is rebuilt.

The tsvector expression now reads each column through ``translate(col, ACCENTED, PLAIN)``
(``storage.catalogue.accents``), so ``Arménie`` is found by ``armenie`` and ``armen*`` on
PostgreSQL as on SQLite. Written exactly as ``storage.catalogue.search.PG_SEARCH_VECTOR_SQL``
builds it. Nothing to do on SQLite.

Revision ID: 0006_pg_search_accents
Revises: 0005_watch
"""

from __future__ import annotations

from alembic import op

revision = '0006_pg_search_accents'
down_revision = '0005_watch'
branch_labels = None
depends_on = None

# Frozen copies of the expressions at the time of this migration.
_ACCENTED = 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǢǣǦǧǨǩǪǫǬǭǮǯǰǴǵǸǹǺǻǼǽǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳ'
_PLAIN = 'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuUuAaAaÆæGgKkOoOoƷʒjGgNnAaÆæØøAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYy'


def _folded(column: str) -> str:
    return f"translate(coalesce({column}, ''), '{_ACCENTED}', '{_PLAIN}')"


_VECTOR = (f"(setweight(to_tsvector('simple'::regconfig, {_folded('title')}), 'A') || "
           f"setweight(to_tsvector('simple'::regconfig, {_folded('author')}), 'B') || "
           f"setweight(to_tsvector('simple'::regconfig, {_folded('text')}), 'D'))")
_OLD_VECTOR = ("(setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
               "setweight(to_tsvector('simple'::regconfig, coalesce(author, '')), 'B') || "
               "setweight(to_tsvector('simple'::regconfig, coalesce(text, '')), 'D'))")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin ({_VECTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin ({_OLD_VECTOR})")
