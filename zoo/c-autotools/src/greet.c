#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void greet(const char *name, int shout)
{
    char buf[256];
    snprintf(buf, sizeof buf, "Hello, %s!", name);
    if (shout)
        for (char *c = buf; *c; c++) *c = (char)toupper((unsigned char)*c);
    puts(buf);
}

int main(int argc, char **argv)
{
    int shout = 0, named = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            puts(PACKAGE_STRING);
            return 0;
        }
        if (strcmp(argv[i], "--shout") == 0) { shout = 1; continue; }
        greet(argv[i], shout);
        named = 1;
    }
    if (!named) greet("World", shout);
    return 0;
}
