"""notes: a tiny note keeper backed by PostgreSQL (psycopg2 built against libpq)."""
import os
import sys

import psycopg2
import psycopg2.extensions

DSN = os.environ.get("DATABASE_URL", "host=db dbname=notes user=notes password=notes connect_timeout=3")

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id serial PRIMARY KEY,
    body text NOT NULL,
    created timestamptz NOT NULL DEFAULT now()
)
"""


def libpq_version():
    v = psycopg2.extensions.libpq_version()
    return "%d.%d" % (v // 10000, v % 10000)


def selftest():
    # parse_dsn goes through libpq's PQconninfoParse: proves the C extension and libpq load.
    parsed = psycopg2.extensions.parse_dsn("host=db port=5433 dbname=notes user=alice")
    assert parsed == {"host": "db", "port": "5433", "dbname": "notes", "user": "alice"}, parsed
    assert psycopg2.__libpq_version__ >= 100000, psycopg2.__libpq_version__
    quoted = psycopg2.extensions.QuotedString("it's").getquoted()
    assert quoted == b"'it''s'", quoted
    print("libpq", psycopg2.__libpq_version__, "psycopg2", psycopg2.__version__.split()[0])


def main(argv):
    if argv[:1] == ["--selftest"]:
        selftest()
        return 0
    conn = psycopg2.connect(DSN)
    with conn, conn.cursor() as cur:
        cur.execute(SCHEMA)
        if argv[:1] == ["add"]:
            cur.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id", (" ".join(argv[1:]),))
            print("added note", cur.fetchone()[0])
        else:
            cur.execute("SELECT id, body, created FROM notes ORDER BY id")
            for note_id, body, created in cur.fetchall():
                print("%4d  %s  %s" % (note_id, created.date(), body))
    print("libpq", libpq_version(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
