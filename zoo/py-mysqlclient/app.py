"""visits: count page visits per path in MySQL/MariaDB, through mysqlclient (MySQLdb)."""
import os
import sys

import MySQLdb

DB = dict(
    host=os.environ.get("MYSQL_HOST", "db"),
    user=os.environ.get("MYSQL_USER", "visits"),
    passwd=os.environ.get("MYSQL_PASSWORD", "visits"),
    db=os.environ.get("MYSQL_DATABASE", "visits"),
    connect_timeout=3,
)


def selftest():
    # escape_string and get_client_info are served by the C client library (libmariadb).
    from MySQLdb import _mysql

    client = MySQLdb.get_client_info()
    assert client and client[0].isdigit(), client
    assert _mysql.escape_string(b"O'Reilly \\ co") == b"O\\'Reilly \\\\ co"
    print("mysqlclient", ".".join(map(str, MySQLdb.version_info[:3])), "client library", client)


def main(argv):
    if argv[:1] == ["--selftest"]:
        selftest()
        return 0
    conn = MySQLdb.connect(**DB)
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS visits (path VARCHAR(255) PRIMARY KEY, n INT NOT NULL)")
    for path in argv or ["/"]:
        cur.execute("INSERT INTO visits VALUES (%s, 1) ON DUPLICATE KEY UPDATE n = n + 1", (path,))
    conn.commit()
    cur.execute("SELECT path, n FROM visits ORDER BY n DESC")
    for path, n in cur.fetchall():
        print("%6d  %s" % (n, path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
