/* notes: a tiny note keeper on SQLite.
 *   notes add TEXT...   notes list   notes search WORD
 * The database file is $NOTES_DB (default ./notes.db). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static int print_row(void *unused, int n, char **vals, char **cols)
{
    (void)unused; (void)n; (void)cols;
    printf("%s: %s\n", vals[0], vals[1]);
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = getenv("NOTES_DB");
    if (!path) path = "notes.db";
    if (argc < 2) {
        fprintf(stderr, "usage: notes add TEXT | list | search WORD | version\n");
        return 2;
    }
    if (strcmp(argv[1], "version") == 0) {
        printf("notes 0.3 (sqlite %s)\n", sqlite3_libversion());
        return 0;
    }
    if (sqlite3_open(path, &db) != SQLITE_OK) die("open");
    if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS notes("
                         "id INTEGER PRIMARY KEY, body TEXT NOT NULL,"
                         "created TEXT DEFAULT CURRENT_TIMESTAMP)", 0, 0, 0) != SQLITE_OK)
        die("create");

    sqlite3_stmt *st;
    if (strcmp(argv[1], "add") == 0 && argc > 2) {
        char body[4096] = "";
        for (int i = 2; i < argc; i++) {
            if (i > 2) strncat(body, " ", sizeof body - strlen(body) - 1);
            strncat(body, argv[i], sizeof body - strlen(body) - 1);
        }
        if (sqlite3_prepare_v2(db, "INSERT INTO notes(body) VALUES (?)", -1, &st, 0) != SQLITE_OK) die("prepare");
        sqlite3_bind_text(st, 1, body, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) die("insert");
        sqlite3_finalize(st);
        printf("added %lld\n", (long long)sqlite3_last_insert_rowid(db));
    } else if (strcmp(argv[1], "list") == 0) {
        if (sqlite3_exec(db, "SELECT id, body FROM notes ORDER BY id", print_row, 0, 0) != SQLITE_OK) die("list");
    } else if (strcmp(argv[1], "search") == 0 && argc > 2) {
        if (sqlite3_prepare_v2(db, "SELECT id, body FROM notes WHERE body LIKE '%' || ? || '%' ORDER BY id",
                               -1, &st, 0) != SQLITE_OK) die("prepare");
        sqlite3_bind_text(st, 1, argv[2], -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW)
            printf("%d: %s\n", sqlite3_column_int(st, 0), sqlite3_column_text(st, 1));
        sqlite3_finalize(st);
    } else {
        fprintf(stderr, "unknown command %s\n", argv[1]);
        return 2;
    }
    sqlite3_close(db);
    return 0;
}
