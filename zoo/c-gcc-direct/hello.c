/* hello: greet someone, or check itself with --selftest */
#include <stdio.h>
#include <string.h>
#include <time.h>

static void greeting(char *out, size_t n, const char *who, int hour)
{
    const char *part = hour < 12 ? "morning" : hour < 18 ? "afternoon" : "evening";
    snprintf(out, n, "Good %s, %s!", part, who);
}

int main(int argc, char **argv)
{
    char buf[256];
    if (argc > 1 && strcmp(argv[1], "--selftest") == 0) {
        greeting(buf, sizeof buf, "tester", 9);
        if (strcmp(buf, "Good morning, tester!") != 0) return 1;
        greeting(buf, sizeof buf, "tester", 20);
        if (strcmp(buf, "Good evening, tester!") != 0) return 1;
        puts("selftest ok");
        return 0;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    greeting(buf, sizeof buf, argc > 1 ? argv[1] : "world", tm.tm_hour);
    puts(buf);
    return 0;
}
