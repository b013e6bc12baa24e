#include "stack.h"

bool push(struct stack *s, double x) {
    if (s->len == STACK_MAX)
        return false;
    s->items[s->len++] = x;
    return true;
}

bool pop(struct stack *s, double *x) {
    if (s->len == 0)
        return false;
    *x = s->items[--s->len];
    return true;
}
