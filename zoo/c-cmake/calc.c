/* calc: evaluate arithmetic expressions: calc '2*(3+4)'  or one per line on stdin */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p;
static int err;

static double expr(void);

static void skip(void) { while (isspace((unsigned char)*p)) p++; }

static double factor(void)
{
    skip();
    if (*p == '(') {
        p++;
        double v = expr();
        skip();
        if (*p == ')') p++; else err = 1;
        return v;
    }
    if (*p == '-') { p++; return -factor(); }
    char *end;
    double v = strtod(p, &end);
    if (end == p) err = 1;
    p = end;
    return v;
}

static double term(void)
{
    double v = factor();
    for (;;) {
        skip();
        if (*p == '*') { p++; v *= factor(); }
        else if (*p == '/') { p++; v /= factor(); }
        else return v;
    }
}

static double expr(void)
{
    double v = term();
    for (;;) {
        skip();
        if (*p == '+') { p++; v += term(); }
        else if (*p == '-') { p++; v -= term(); }
        else return v;
    }
}

static int eval(const char *s, double *out)
{
    p = s; err = 0;
    *out = expr();
    skip();
    return !err && *p == '\0';
}

static int selftest(void)
{
    static const struct { const char *in; double want; } cases[] = {
        {"1+2", 3}, {"2+3*4", 14}, {"(2+3)*4", 20}, {"10/4", 2.5}, {"-3+ -2", -5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v;
        if (!eval(cases[i].in, &v) || v != cases[i].want) {
            fprintf(stderr, "selftest failed: %s\n", cases[i].in);
            return 1;
        }
    }
    puts("selftest ok");
    return 0;
}

int main(int argc, char **argv)
{
    double v;
    if (argc > 1 && strcmp(argv[1], "--selftest") == 0) return selftest();
    if (argc > 1) {
        if (!eval(argv[1], &v)) { fprintf(stderr, "parse error\n"); return 2; }
        printf("%g\n", v);
        return 0;
    }
    char line[1024];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (!*line) continue;
        if (eval(line, &v)) printf("%g\n", v); else puts("error");
        fflush(stdout);
    }
    return 0;
}
