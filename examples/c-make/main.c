/* A reverse-Polish calculator: reads expressions such as "3 4 + 2 *" line by line from stdin
 * and prints each result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"

static int eval(char *line, double *out) {
    struct stack s = {.len = 0};
    for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
        double a, b;
        char *end;
        double x = strtod(tok, &end);
        if (*end == '\0') {
            if (!push(&s, x))
                return -1;
            continue;
        }
        if (strlen(tok) != 1 || !pop(&s, &b) || !pop(&s, &a))
            return -1;
        switch (tok[0]) {
        case '+': x = a + b; break;
        case '-': x = a - b; break;
        case '*': x = a * b; break;
        case '/': x = a / b; break;
        case '^': x = pow(a, b); break;
        default: return -1;
        }
        push(&s, x);
    }
    return (s.len == 1 && pop(&s, out)) ? 0 : -1;
}

int main(void) {
    char line[1024];
    int status = 0;
    while (fgets(line, sizeof line, stdin)) {
        double result;
        if (eval(line, &result) == 0) {
            printf("%g\n", result);
        } else {
            fprintf(stderr, "error: cannot evaluate\n");
            status = 1;
        }
    }
    return status;
}
