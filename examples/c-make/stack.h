#ifndef RPN_STACK_H
#define RPN_STACK_H

#include <stdbool.h>

#define STACK_MAX 256

struct stack {
    double items[STACK_MAX];
    int len;
};

bool push(struct stack *s, double x);
bool pop(struct stack *s, double *x);

#endif
