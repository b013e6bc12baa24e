/* wordfreq: count word frequencies on stdin, print the top N (default 10). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry { char *word; int count; };

static struct entry *table;
static size_t used, cap;

static void add_word(const char *w)
{
    for (size_t i = 0; i < used; i++)
        if (strcmp(table[i].word, w) == 0) { table[i].count++; return; }
    if (used == cap) {
        cap = cap ? cap * 2 : 64;
        table = realloc(table, cap * sizeof *table);
        if (!table) { perror("realloc"); exit(1); }
    }
    table[used].word = strdup(w);
    table[used].count = 1;
    used++;
}

static int by_count(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->count != y->count) return y->count - x->count;
    return strcmp(x->word, y->word);
}

int main(int argc, char **argv)
{
    int top = argc > 1 ? atoi(argv[1]) : 10;
    char buf[256];
    size_t n = 0;
    int c;

    while ((c = getchar()) != EOF) {
        if (isalnum(c) || c == '\'') {
            if (n < sizeof buf - 1) buf[n++] = (char)tolower(c);
        } else if (n) {
            buf[n] = '\0'; add_word(buf); n = 0;
        }
    }
    if (n) { buf[n] = '\0'; add_word(buf); }

    qsort(table, used, sizeof *table, by_count);
    for (size_t i = 0; i < used && (int)i < top; i++)
        printf("%d %s\n", table[i].count, table[i].word);
    return 0;
}
